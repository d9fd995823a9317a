"""Reading the old host's files: the feed, the artwork, chapters, transcripts, the audio.

A source is an ``http(s)`` URL (redirects followed, as a podcast app does) or a
local file. Enclosures are downloaded into a ``.part`` file beside their
destination that a later run resumes with an HTTP range request; a file is only
complete when it holds every byte the server announced.
"""

from __future__ import annotations

import http.client
import logging
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from audioarchive._version import __version__
from audioarchive.errors import InputError

log = logging.getLogger(__name__)

USER_AGENT = f"audioarchive/{__version__} (podcast import)"
TIMEOUT = 30.0
CHUNK = 1 << 16
#: Feeds, chapters and transcripts larger than this are refused (a wrong address, not a feed).
MAX_DOCUMENT = 64 << 20
Progress = Callable[[int, int | None], None]  # bytes so far, total (None: unknown)


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    resumed_from: int  # bytes already there from an interrupted run


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def resolve(base: str, ref: str) -> str:
    """``ref`` as an absolute URL or path, relative to the feed's own location."""
    if is_url(ref) or not base:
        return ref
    if is_url(base):
        return urljoin(base, ref)
    if urlsplit(ref).scheme == "file":
        return unquote(urlsplit(ref).path)
    return str((Path(base).parent / ref).resolve())


def read_document(source: str, what: str) -> bytes:
    """The bytes of a small file (feed, chapters, transcript, image) at ``source``."""
    if not is_url(source):
        path = Path(unquote(urlsplit(source).path) if source.startswith("file:") else source)
        try:
            return path.read_bytes()
        except OSError as err:
            raise InputError(f"{source}: {what} could not be read ({err.strerror or err})") from err
    with _open(source, what) as response:
        data: bytes = response.read(MAX_DOCUMENT + 1)
    if len(data) > MAX_DOCUMENT:
        raise InputError(f"{source}: {what} larger than {MAX_DOCUMENT >> 20} MB; expected a feed")
    return data


def download(
    source: str, dest: Path, *, what: str, expected: int | None, progress: Progress
) -> Downloaded:
    """Copy ``source`` to ``dest`` through ``dest``'s ``.part`` file, resuming it if present.

    Raises :class:`InputError` when the server refuses the file or ends early (the
    partial file is kept for the next run).
    """
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not is_url(source):
        path = Path(unquote(urlsplit(source).path) if source.startswith("file:") else source)
        try:
            shutil.copyfile(path, part)
        except OSError as err:
            raise InputError(f"{source}: {what} could not be read ({err.strerror or err})") from err
        size = part.stat().st_size
        progress(size, size)
        part.replace(dest)
        return Downloaded(dest, size, 0)
    have = part.stat().st_size if part.is_file() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response_cm = _open(source, what, headers)
    except _RangeNotSatisfiableError:
        have, response_cm = 0, _open(source, what)
        part.unlink(missing_ok=True)
    with response_cm as response:
        resumed = have if response.status == 206 else 0
        length = response.headers.get("Content-Length")
        total = resumed + int(length) if length and length.isdigit() else expected
        received = resumed
        with part.open("ab" if resumed else "wb") as out:
            while block := response.read(CHUNK):
                out.write(block)
                received += len(block)
                progress(received, total)
    if total is not None and received < total:
        raise InputError(
            f"{source}: {what} ended after {received} of {total} bytes",
            hint="run the same import again: it resumes where the transfer stopped",
        )
    part.replace(dest)
    if resumed:
        log.info("%s: resumed after %d bytes", dest.name, resumed)
    return Downloaded(dest, received, resumed)


class _RangeNotSatisfiableError(Exception):
    pass


def _open(url: str, what: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    request = urllib.request.Request(  # noqa: S310 (http and https only: is_url)
        url, headers={"User-Agent": USER_AGENT, **(headers or {})}
    )
    try:
        response: http.client.HTTPResponse = urllib.request.urlopen(  # noqa: S310
            request, timeout=TIMEOUT
        )
    except urllib.error.HTTPError as err:
        err.close()
        if err.code == 416 and headers and "Range" in headers:
            raise _RangeNotSatisfiableError from err
        raise InputError(
            f"{url}: {what} answered HTTP {err.code} ({err.reason}); expected the file",
            hint="check that the old host still serves it",
        ) from err
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise InputError(f"{url}: {what} could not be fetched ({reason})") from err
    return response
