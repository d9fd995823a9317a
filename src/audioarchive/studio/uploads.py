"""Recorder files sent from the browser: streamed to disk, checked, then ingested.

An upload is written block by block (never held in memory) under the workspace's private
state, hashed as it arrives, refused past the size limit, probed (what ffmpeg cannot read
as audio is refused and removed), then handed to :func:`audioarchive.pipeline.ingest.ingest_files`,
the code behind ``audioarchive ingest``: the copy into ``recordings/<id>/`` is verified by
checksum and recorded in ``SHA256SUMS`` and the session file. The name is the file's own
name, checked: no folder, no hidden or control character, an audio extension.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audioarchive.common.writing import TEMP_PREFIX, atomic_path, write_atomic
from audioarchive.config import Settings
from audioarchive.errors import AudioArchiveError, AudioInputError, InputError
from audioarchive.ffmpeg import find_tools, probe
from audioarchive.metadata.session import AUDIO_EXTENSIONS, read_yaml
from audioarchive.pipeline.ingest import SUMS_FILE, ingest_files
from audioarchive.studio.files import update_session_file

_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>|]")
MAX_NAME = 200


class UploadTooLargeError(InputError):
    """The file is larger than the studio accepts."""


@dataclass(frozen=True)
class UploadReport:
    name: str
    size: int
    sha256: str
    already_present: bool  # an identical file was there already
    listed: bool  # the session file lists it among its parts


def safe_upload_name(name: str) -> str:
    """``name`` if it is a plain audio file name; else ``InputError`` (nothing is written)."""
    if (
        not name
        or len(name) > MAX_NAME
        or _UNSAFE.search(name)
        or name.startswith((".", TEMP_PREFIX))
        or name in (".", "..")
        or name != name.strip()
    ):
        raise InputError(
            f'upload name "{name[:80]}": expected a plain file name (no folder, no leading dot, '
            "no control character)"
        )
    if Path(name).suffix.lower() not in AUDIO_EXTENSIONS:
        raise AudioInputError(
            f'"{name}" is not an audio file ({Path(name).suffix or "no extension"}); expected '
            f"the recorder's files: {', '.join(sorted(AUDIO_EXTENSIONS))}"
        )
    return name


def staging_path(settings: Settings, session_id: str, name: str) -> Path:
    folder = settings.paths.state / "uploads" / session_id
    path = folder / safe_upload_name(name)
    if path.parent != folder:  # belt and braces: never outside the folder
        raise InputError(f'upload name "{name}": expected a file name without folders')
    return path


async def receive_upload(
    chunks: AsyncIterator[bytes], dest: Path, limit: int, announced: int | None
) -> tuple[int, str]:
    """Write ``chunks`` to ``dest`` atomically; return the size and SHA-256 received."""
    if announced is not None and announced > limit:
        raise UploadTooLargeError(_too_large(dest.name, announced, limit))
    digest = hashlib.sha256()
    size = 0
    with atomic_path(dest) as tmp, tmp.open("wb") as out:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise UploadTooLargeError(_too_large(dest.name, size, limit))
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        dest.unlink(missing_ok=True)
        raise AudioInputError(f'"{dest.name}" is empty (0 bytes); expected a recording')
    return size, digest.hexdigest()


def _too_large(name: str, size: int, limit: int) -> str:
    return (
        f'"{name}" is larger than the studio accepts ({size / 1e9:.1f} GB or more; the limit '
        f"is {limit / 1e9:.1f} GB); copy it with audioarchive ingest"
    )


def ingest_upload(
    settings: Settings, session_id: str, staged: Path, size: int, sha256: str
) -> UploadReport:
    """Check that ``staged`` is audio, ingest it into ``recordings/<id>/``, list it."""
    try:
        try:
            probe(find_tools(settings.tools), staged)
        except AudioInputError as err:
            raise AudioInputError(
                f'"{staged.name}" is not audio that can be published: '
                f"{err.message.removeprefix(f'{staged.name}: ')}"
            ) from err
        session_file = settings.paths.sessions / f"{session_id}.yaml"
        before = session_file.read_bytes()
        # a session that lists its parts gets this one too (ingest lists parts only once)
        listed = _list_part(session_file, staged.name)
        try:
            report = ingest_files(settings, session_id, [staged])
            copied = _recorded_sum(settings.paths.recordings / session_id, staged.name)
            if copied != sha256:
                raise AudioArchiveError(
                    f"recordings/{session_id}/{staged.name}: its checksum differs from what the "
                    "browser sent; upload it again"
                )
        except BaseException:
            write_atomic(session_file, before)
            raise
    finally:
        staged.unlink(missing_ok=True)
    return UploadReport(staged.name, size, sha256, bool(report.already_present), listed)


def _recorded_sum(folder: Path, name: str) -> str:
    for line in (folder / SUMS_FILE).read_text(encoding="utf-8").splitlines():
        digest, _, listed = line.partition("  ")
        if listed == name:
            return digest
    return ""


def _list_part(path: Path, name: str) -> bool:
    """Add ``name`` to the session's ``recording:`` list when it has one without it."""
    data: Any = read_yaml(path, path.name, []) or {}
    listed = data.get("recording")
    if not isinstance(listed, list):
        return True  # no list: every audio file in the folder is a part
    if name in listed:
        return True
    update_session_file(path, {"recording": [*map(str, listed), name]})
    return True
