"""``python -m audioarchive``."""

from audioarchive.cli import main

main()
