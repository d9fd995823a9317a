"""Stage 1, the input: sessions, shows and people read from the workspace files,
checked field by field; privacy, timelines, recordings, ingest, feed metadata."""
