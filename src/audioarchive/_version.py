"""The version of audioarchive, in a module of its own so that any module can
read it without importing the package root (which re-exports the pipeline)."""

from __future__ import annotations

__version__ = "0.1.0"
