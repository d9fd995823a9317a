"""Explicit media types and cache rules per extension.

Never :mod:`mimetypes`, whose answers vary from one machine to the next.
"""

from __future__ import annotations

from pathlib import PurePosixPath

MEDIA_TYPES: dict[str, str] = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    ".xml": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}
DEFAULT_TYPE = "application/octet-stream"
#: Media never change bytes under the same key (docs/explanation/architecture.md, "Settled
#: decisions", Identity): cache them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
#: The feed, pages and JSON change: let caches check back often.
SHORT = "public, max-age=300"
IMMUTABLE_EXTENSIONS = frozenset(
    {".mp3", ".m4a", ".opus", ".ogg", ".flac", ".png", ".jpg", ".jpeg"}
)


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(PurePosixPath(name).suffix.lower(), DEFAULT_TYPE)


def cache_control(name: str) -> str:
    return IMMUTABLE if PurePosixPath(name).suffix.lower() in IMMUTABLE_EXTENSIONS else SHORT
