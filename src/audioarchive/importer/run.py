"""``import``: bring an existing podcast into a workspace, item by item, keeping its identity.

The order protects the workspace: the feed is read and checked first, then every
new enclosure (and transcript) is downloaded into ``.audioarchive/import/``; only
when all are complete are the show, the session files and the recordings put in
place. A bad feed or a refused enclosure therefore leaves the workspace as it was,
but for the partial download that the next run resumes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from audioarchive.common.writing import write_atomic
from audioarchive.errors import InputError
from audioarchive.importer.feed import FeedChapter, FeedItem, FeedShow, parse_feed, parse_time
from audioarchive.importer.fetch import Downloaded, download, is_url, read_document, resolve
from audioarchive.importer.plan import PlannedSession, plan_sessions, session_data, show_data
from audioarchive.metadata.session import read_yaml
from audioarchive.metadata.workspace import init_workspace
from audioarchive.render.feed_podcast2 import podcast_guid

log = logging.getLogger(__name__)

#: What the import's own files are called in ``.audioarchive/``.
STAGING = "import"
Progress = Callable[[str, int, int | None], None]  # label, bytes so far, total


@dataclass(frozen=True)
class ImportedSession:
    id: str
    guid: str
    title: str
    recording: str  # relative to the workspace
    size: int
    announced: int | None  # the enclosure's length in the feed


@dataclass(frozen=True)
class ImportReport:
    root: Path
    show_created: bool
    podcast_guid: str
    imported: tuple[ImportedSession, ...]
    skipped: int  # items already in the workspace
    notes: tuple[str, ...] = field(default_factory=tuple)
    dry_run: bool = False


def import_feed(
    source: str, root: Path, *, progress: Progress | None = None, dry_run: bool = False
) -> ImportReport:
    """Import the podcast at ``source`` (URL or file) into the workspace at ``root``.

    ``dry_run``: read the feed and say what would be imported; download and write nothing.
    """
    notify = progress or (lambda _label, _done, _total: None)
    if root.exists() and not root.is_dir():
        raise InputError(f"{root}: exists and is not a folder; expected a workspace folder")
    location = source if is_url(source) else str(Path(source).resolve())
    show = parse_feed(read_document(location, "the feed"), source)
    if not show.items:
        raise InputError(f"{source}: no item with an enclosure; expected a podcast's episodes")
    notes: list[str] = []
    guid = show.podcast_guid or podcast_guid(_feed_url(show, source))
    podcast_file = root / "metadata" / "podcast.yaml"
    created_root = not root.exists()
    known, taken, numbers = _existing_sessions(root / "metadata" / "sessions")
    planned = plan_sessions(show, known, taken)
    if dry_run:
        return _dry_run_report(root, show, guid, planned)
    staging = root / ".audioarchive" / STAGING
    try:
        fetched = [_fetch_item(p, show, location, staging, notify, notes) for p in planned]
        for item in fetched:
            _unique_number(item.data, numbers, notes)
        artwork = None if podcast_file.is_file() else _fetch_artwork(show, location, notes)
    except BaseException:
        _tidy_after_failure(root, staging, created_root=created_root)
        raise
    show_created = not podcast_file.is_file()
    if show_created:
        _write_show(root, show, guid, artwork, notes)
    imported = [_place(root, item) for item in fetched]
    shutil.rmtree(staging, ignore_errors=True)
    return ImportReport(
        root=root.resolve(),
        show_created=show_created,
        podcast_guid=guid,
        imported=tuple(imported),
        skipped=len(show.items) - len(planned),
        notes=tuple(notes),
    )


def _dry_run_report(
    root: Path, show: FeedShow, guid: str, planned: list[PlannedSession]
) -> ImportReport:
    """What an import would do: each session with its recording and announced size."""
    return ImportReport(
        root=root.resolve(),
        show_created=not (root / "metadata" / "podcast.yaml").is_file(),
        podcast_guid=guid,
        imported=tuple(
            ImportedSession(
                p.id,
                p.item.guid,
                p.item.title,
                f"recordings/{p.id}/{p.recording}",
                p.item.enclosure_length or 0,
                p.item.enclosure_length,
            )
            for p in planned
        ),
        skipped=len(show.items) - len(planned),
        dry_run=True,
    )


def _feed_url(show: FeedShow, source: str) -> str:
    """The feed's address, from which the namespace derives a missing ``podcast:guid``: the
    one the feed declares (``atom:link rel="self"``), else the one it was read from."""
    if show.self_url:
        return show.self_url
    return source if is_url(source) else show.website or show.title


# --- what the workspace already holds --------------------------------------------------------


def _existing_sessions(folder: Path) -> tuple[set[str], set[str], set[tuple[object, object]]]:
    """The GUIDs the workspace's sessions publish, the ids and the (season, episode) in use."""
    guids: set[str] = set()
    ids: set[str] = set()
    numbers: set[tuple[object, object]] = set()
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        ids.add(path.stem)
        data = read_yaml(path, path.name, [])
        if data is not None:
            guids.add(str(data.get("guid") or data.get("id") or path.stem))
            if data.get("episode") is not None:
                numbers.add((data.get("season"), data.get("episode")))
    return guids, ids, numbers


def _unique_number(
    data: dict[str, Any], numbers: set[tuple[object, object]], notes: list[str]
) -> None:
    """Episode numbers must be unique within a season: a host may have reused one."""
    if data.get("episode") is None:
        return
    key = (data.get("season"), data.get("episode"))
    if key in numbers:
        notes.append(
            f"{data['id']}: episode {key[1]} (season {key[0]}) is already used; left unnumbered"
        )
        del data["episode"]
        return
    numbers.add(key)


# --- downloads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fetched:
    planned: PlannedSession
    audio: Path  # complete, in staging
    size: int
    data: dict[str, Any]
    transcript: tuple[Path, str] | None  # staged file, its name in recordings/<id>/


def _fetch_item(
    planned: PlannedSession,
    show: FeedShow,
    base: str,
    staging: Path,
    notify: Progress,
    notes: list[str],
) -> _Fetched:
    item = planned.item
    key = hashlib.sha256(item.guid.encode()).hexdigest()[:16]
    url = resolve(base, item.enclosure_url)
    label = f"{planned.id}: {planned.recording}"
    staged = staging / f"{key}-{planned.recording}"
    if staged.is_file():  # complete in an earlier run that stopped before the end
        done = Downloaded(staged, staged.stat().st_size, staged.stat().st_size)
    else:
        done = download(
            url,
            staged,
            what=f'the enclosure of "{item.title}"',
            expected=item.enclosure_length,
            progress=lambda received, total: notify(label, received, total),
        )
    if item.enclosure_length is not None and done.size != item.enclosure_length:
        notes.append(
            f"{planned.id}: the feed announced {item.enclosure_length} bytes, the host served "
            f"{done.size} (kept: the host's file is complete; the announced length was stale)"
        )
    if item.date is None:
        notes.append(f"{planned.id}: the item has no readable pubDate; set 'date' before building")
    chapters = item.chapters or _json_chapters(item, base, planned.id, notes)
    transcript = _fetch_transcript(item, base, staging / key, planned.id, notes)
    data = session_data(planned, show, chapters, transcript[1] if transcript else None)
    return _Fetched(planned, done.path, done.size, data, transcript)


def _json_chapters(
    item: FeedItem, base: str, session_id: str, notes: list[str]
) -> tuple[FeedChapter, ...]:
    if not item.chapters_url:
        return ()
    try:
        data = json.loads(read_document(resolve(base, item.chapters_url), "the chapters"))
    except (InputError, ValueError) as err:
        notes.append(f"{session_id}: chapters not imported ({err})")
        return ()
    out = []
    for entry in data.get("chapters", []) if isinstance(data, dict) else []:
        if not isinstance(entry, dict) or entry.get("toc") is False:
            continue
        start = entry.get("startTime")
        title = str(entry.get("title") or "").strip()
        if isinstance(start, str):
            start = parse_time(start)
        if isinstance(start, int | float) and start >= 0 and title:
            url = entry.get("url")
            out.append(FeedChapter(float(start), title, url if isinstance(url, str) else None))
    return tuple(out)


def _fetch_transcript(
    item: FeedItem, base: str, staged: Path, session_id: str, notes: list[str]
) -> tuple[Path, str] | None:
    kinds = {"text/vtt": "vtt", "application/x-subrip": "srt", "application/srt": "srt"}
    usable = [(url, kinds[t.split(";")[0].strip()]) for url, t in item.transcripts if t in kinds]
    usable.sort(key=lambda pair: pair[1] != "vtt")  # WebVTT first
    if not usable and item.transcripts:
        notes.append(f"{session_id}: transcript not imported (only {item.transcripts[0][1]})")
    for url, kind in usable:
        try:
            data = read_document(resolve(base, url), "the transcript")
        except InputError as err:
            notes.append(f"{session_id}: transcript not imported ({err.message})")
            continue
        path = staged.with_name(f"{staged.name}-transcript.{kind}")
        write_atomic(path, data)
        return path, f"transcript.{kind}"
    return None


def _fetch_artwork(show: FeedShow, base: str, notes: list[str]) -> tuple[bytes, str] | None:
    if not show.image:
        notes.append("the feed has no artwork: metadata/artwork.png is the template's")
        return None
    url = resolve(base, show.image)
    try:
        data = read_document(url, "the show's artwork")
    except InputError as err:
        notes.append(f"the artwork was not imported ({err.message}): using the template's")
        return None
    suffix = ".png" if data.startswith(b"\x89PNG") else ".jpg"
    return data, suffix


def _tidy_after_failure(root: Path, staging: Path, *, created_root: bool) -> None:
    """Keep partial downloads (the next run resumes them); remove what holds nothing."""
    partial = staging.is_dir() and any(p.is_file() and p.stat().st_size for p in staging.rglob("*"))
    if partial:
        return
    if created_root:
        shutil.rmtree(root, ignore_errors=True)
        return
    for folder in (staging, staging.parent):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


# --- writing the workspace ------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(data: dict[str, Any], header: str) -> bytes:
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100, indent=2)
    return (header + body).encode("utf-8")


def _write_show(
    root: Path,
    show: FeedShow,
    guid: str,
    artwork: tuple[bytes, str] | None,
    notes: list[str],
) -> None:
    fresh = not (root / "audioarchive.toml").exists()
    init_workspace(root)
    example = root / "metadata" / "sessions" / "example-meeting.yaml"
    if fresh:
        example.unlink(missing_ok=True)
        _set_podcast_guid(root / "audioarchive.toml", guid)
    else:
        notes.append(
            f'audioarchive.toml was kept: set podcast_guid = "{guid}" in its [site] section'
        )
    name = "artwork.png"
    if artwork is not None:
        name = f"artwork{artwork[1]}"
        write_atomic(root / "metadata" / name, artwork[0])
    header = f"# Imported by 'audioarchive import' from the feed of \"{show.title}\".\n"
    write_atomic(
        root / "metadata" / "podcast.yaml", dump_yaml(show_data(show, name, notes), header)
    )


def _set_podcast_guid(config: Path, guid: str) -> None:
    lines = config.read_text(encoding="utf-8").splitlines()
    at = lines.index("[site]") + 1 if "[site]" in lines else len(lines)
    comment = "   # the podcast's identity, kept from the feed it was imported from"
    lines.insert(at, f'podcast_guid = "{guid}"{comment}')
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _place(root: Path, fetched: _Fetched) -> ImportedSession:
    planned = fetched.planned
    folder = root / "recordings" / planned.id
    folder.mkdir(parents=True, exist_ok=True)
    fetched.audio.replace(folder / planned.recording)
    if fetched.transcript is not None:
        fetched.transcript[0].replace(folder / fetched.transcript[1])
    header = "# Imported by 'audioarchive import'. Keep 'guid': apps know the episode by it.\n"
    write_atomic(
        root / "metadata" / "sessions" / f"{planned.id}.yaml", dump_yaml(fetched.data, header)
    )
    return ImportedSession(
        id=planned.id,
        guid=planned.item.guid,
        title=planned.item.title,
        recording=f"recordings/{planned.id}/{planned.recording}",
        size=fetched.size,
        announced=planned.item.enclosure_length,
    )
