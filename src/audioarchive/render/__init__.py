"""Stage 5, the public outputs: the publication (episodes), the feed and its
extensions, the pages, the catalogue and the transcripts, as ``path -> bytes``."""
