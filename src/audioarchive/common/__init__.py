"""Small helpers every stage uses: text and hashes, atomic writes, locks, media types."""
