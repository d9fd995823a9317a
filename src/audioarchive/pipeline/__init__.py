"""Runs the stages per episode and records an :class:`EpisodeResult` for each.

``metadata → audio → tags → feed + site → publish``. Each episode's audio is
redone only when what determines it changed (its parts, trims, redactions,
the audio profile); its tags only when the metadata changed; feed, pages and
sidecars only when what they are made from changed, and written only when their
bytes differ (fingerprints of each step's inputs: :mod:`audioarchive.pipeline.stamps`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from audioarchive._version import __version__
from audioarchive.archive.events import record_creation
from audioarchive.archive.fixity import MANIFEST, record_recording_sums
from audioarchive.common.fingerprint import digest, tree_stamp
from audioarchive.common.locking import workspace_lock
from audioarchive.common.mediatypes import media_type
from audioarchive.common.text import sha256_bytes, sha256_file
from audioarchive.common.validation import format_time
from audioarchive.common.writing import atomic_path, remove_temporaries, write_atomic
from audioarchive.errors import AudioArchiveError, InputError, SessionError
from audioarchive.ffmpeg import TOOLS_CACHE, AudioInfo, Tools, find_damage, find_tools
from audioarchive.metadata.episode import (
    Episode,
    EpisodeRecord,
    OutputFile,
    Publication,
    SourceFile,
    load_record,
    page_path,
    remove_record,
    save_record,
    state_path,
)
from audioarchive.metadata.privacy import host_names, public_session
from audioarchive.metadata.recordings import probe_recordings
from audioarchive.metadata.session import Session, Workspace
from audioarchive.metadata.timeline import Timeline
from audioarchive.pipeline.stamps import (
    Rendered,
    Stamps,
    episode_inputs,
    output_inputs,
    publication_inputs,
    shared_inputs,
)
from audioarchive.storage import Forecast, UploadReport
from audioarchive.storage import connect as connect_storage
from audioarchive.storage.plan import PENDING_NAME
from audioarchive.tags import TagSet, episode_tags, master_tags, write_tags
from audioarchive.tags.artwork import check_artworks, prepare_artwork
from audioarchive.tags.fields import FIELDS_REVISION
from audioarchive.transcribe.index import update_index
from audioarchive.transcribe.run import check_transcription, machine_transcripts, transcribe_built

if TYPE_CHECKING:
    from audioarchive.audio import AudioResult
    from audioarchive.render.publication import PublicView

log = logging.getLogger(__name__)

Status = Literal["built", "retagged", "unchanged", "failed", "planned"]
Action = Literal["encode", "retag", "unchanged"]


@dataclass(frozen=True)
class ProgressEvent:
    stage: str  # "master", "measure", "encode mp3", "check", "tags", ...
    episode: str
    fraction: float  # 0.0 .. 1.0


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class EpisodeResult:
    id: str
    status: Status
    message: str = ""
    record: EpisodeRecord | None = None


@dataclass(frozen=True)
class BuildReport:
    episodes: tuple[EpisodeResult, ...]
    written: tuple[str, ...] = ()  # paths relative to the workspace
    removed: tuple[str, ...] = ()
    feed: Path | None = None
    index: Path | None = None
    dry_run: bool = False
    forecast: Forecast | None = None  # dry run: what the build would change in feed/

    @property
    def failed(self) -> tuple[EpisodeResult, ...]:
        return tuple(e for e in self.episodes if e.status == "failed")

    @property
    def audio_work(self) -> bool:
        return any(e.status == "built" for e in self.episodes)


@dataclass
class _Context:
    workspace: Workspace
    tools: Tools
    force: bool
    progress: ProgressCallback
    stamps: Stamps
    shared: str = ""  # the fingerprint of what every episode depends on (program, settings, show)
    sessions: dict[str, str] = field(default_factory=dict)  # each session's fingerprint, by id
    records: dict[str, EpisodeRecord] = field(default_factory=dict)  # this run's, by id
    written: list[str] = field(default_factory=list)

    def note(self, path: Path) -> None:
        self.written.append(self.workspace.paths.rel(path))


def build(
    workspace: Workspace,
    ids: Sequence[str] = (),
    *,
    force: bool = False,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> BuildReport:
    """(Re)build what changed for ``ids`` (default: every recorded session), then feed and pages."""
    selected = _select(workspace, ids)
    paths = workspace.paths
    artwork_problems = check_artworks(workspace)
    if artwork_problems:
        raise SessionError(artwork_problems)
    encoders = ["libmp3lame", "flac"] + (
        ["libopus"] if "opus" in workspace.settings.audio.extra_formats else []
    )
    cache = None if dry_run else paths.state / TOOLS_CACHE  # a dry run writes nothing
    tools = find_tools(workspace.settings.tools, encoders=encoders, cache=cache)
    infos = probe_recordings(workspace, tools, selected, remember=not dry_run)
    check_transcription(workspace, selected)  # a missing model: exit 3 before any work
    if dry_run:
        return _plan(workspace, selected, infos, force)
    with workspace_lock(paths.state, "build"):
        for folder in (paths.feed, paths.archive, paths.state):
            remove_temporaries(folder)
        record_recording_sums(part for s in selected for part in s.recording)
        stamps = Stamps.load(paths.state)
        ctx = _Context(workspace, tools, force, progress or (lambda _e: None), stamps)
        ctx.shared = shared_inputs(workspace)
        results = [_build_episode(ctx, s, infos[s.id]) for s in selected]
        results = [_transcribe(ctx, s, r) for s, r in zip(selected, results, strict=True)]
        _record_creations(workspace, results)
        publication = collect_publication(workspace, ctx)
        update_index(paths.state, {i: t.key for i, t in publication.machine_transcripts.items()})
        removed = _write_generated(ctx, publication)
        _forget_removed_sessions(workspace)
        known = {s.id for s in workspace.sessions}
        stamps.episodes = {i: k for i, k in stamps.episodes.items() if i in known}
        stamps.save()
    return BuildReport(
        episodes=tuple(results),
        written=tuple(ctx.written),
        removed=tuple(removed),
        feed=paths.feed / "feed.xml",
        index=paths.feed / "index.html",
    )


def _write_generated(ctx: _Context, publication: Publication) -> list[str]:
    """Feed, pages, catalogue and archive sidecars, rendered only when what they are made
    from changed, or a file of ``feed/`` or ``archive/`` did; and then only the groups of
    files whose own inputs changed or whose files are not as written (:class:`_Groups`).
    Returns the files removed from ``feed/``."""
    paths = ctx.workspace.paths
    records = (state_path(paths.state, e.id) for e in publication.episodes)
    inputs = publication_inputs(ctx.shared, publication, ctx.sessions, records)
    outputs = ctx.stamps.outputs
    if (
        not ctx.force
        and outputs.get("inputs") == inputs
        and outputs.get("trees") == tree_stamp(paths.feed, paths.archive)
    ):
        return []
    from audioarchive.render.publication import public_view  # noqa: PLC0415 (as above)

    view = public_view(publication)  # withheld names out, once
    groups = _Groups(ctx, _group_keys(ctx, publication, view, inputs))
    log.debug("generated files: %d of %d groups to render", *groups.count())
    groups.write(paths.feed, _render_public_groups(view, groups.stale))
    groups.write(paths.archive, _render_archive_groups(publication, groups))
    groups.write(paths.archive, _render_archive_manifest(publication, paths.archive, groups))
    removed = _prune_feed(ctx.workspace, publication, groups.names(_FEED))
    ctx.stamps.groups = groups.done
    ctx.stamps.outputs = {"inputs": inputs, "trees": tree_stamp(paths.feed, paths.archive)}
    return removed


# The groups of generated files (see :mod:`audioarchive.pipeline.stamps`): each episode's
# own files, in feed/ ("feed:episode:<id>": its page, chapters, transcripts) and in archive/
# ("archive:episode:<id>": its sidecars); the files made from every episode, rendered again
# whenever the publication changed; the manifest of archive/, rendered whenever anything is.
_FEED, _ARCHIVE = "feed:", "archive:"
_LISTS = ("feed:site", "feed:feed", "feed:catalogue", "archive:catalog")
_MANIFEST_GROUP = "archive:manifest"


def _episode_group(top: str, episode_id: str) -> str:
    return f"{top}episode:{episode_id}"


def _group_keys(
    ctx: _Context, publication: Publication, view: PublicView, inputs: str
) -> dict[str, str]:
    """The fingerprint of what each group of generated files is made from: for an episode's
    files, the episode, the show, the settings and the program (and for its page what it
    shows of the others, :func:`~audioarchive.render.site.page_inputs`); for the lists,
    the whole publication (``inputs``)."""
    from audioarchive.render.site import page_inputs  # noqa: PLC0415 (as above)

    state = ctx.workspace.paths.state
    pages = page_inputs(view)
    keys = dict.fromkeys(_LISTS, inputs)
    for episode in publication.episodes:
        machine = publication.machine_transcripts.get(episode.id)
        own = output_inputs(
            ctx.shared,
            ctx.sessions.get(episode.id) or digest(episode.session),
            state_path(state, episode.id),
            machine.key if machine is not None else None,
        )
        keys[_episode_group(_ARCHIVE, episode.id)] = own
        keys[_episode_group(_FEED, episode.id)] = digest(own, pages[episode.id])
    return keys


@dataclass
class _Groups:
    """The groups of generated files of this build: those whose files are as the last
    build wrote them from the same inputs (kept), the others (rendered and written)."""

    ctx: _Context
    keys: dict[str, str]  # group -> the fingerprint of its inputs
    done: dict[str, Rendered] = field(default_factory=dict)  # group -> its files, as written

    def __post_init__(self) -> None:
        paths = self.ctx.workspace.paths
        for name, key in self.keys.items():
            previous = self.ctx.stamps.groups.get(name)
            folder = paths.feed if name.startswith(_FEED) else paths.archive
            if (
                not self.ctx.force
                and previous is not None
                and previous.key == key
                and previous.intact(folder)
            ):
                self.done[name] = previous

    def count(self) -> tuple[int, int]:
        return len(self.keys) - len(self.done), len(self.keys)

    def stale(self, name: str) -> bool:
        return name not in self.done

    def write(self, folder: Path, rendered: dict[str, dict[str, bytes]]) -> None:
        """Write the files of each group rendered (the episodes' own before the lists)."""
        for name in sorted(rendered, key=lambda n: (n in _LISTS or n == _MANIFEST_GROUP, n)):
            files: dict[str, tuple[int, int, str]] = {}
            for relpath, data in sorted(rendered[name].items()):
                dest = folder / relpath
                if write_atomic(dest, data):
                    self.ctx.note(dest)
                info = dest.stat()
                files[relpath] = (info.st_size, info.st_mtime_ns, sha256_bytes(data))
            self.done[name] = Rendered(self.keys.get(name, ""), files)

    def names(self, top: str) -> set[str]:
        """Every file of the groups of ``top`` (relative to its folder)."""
        return {p for name, group in self.done.items() if name.startswith(top) for p in group.files}

    def digests(self, top: str) -> dict[str, str]:
        """The SHA-256 of every file written of the groups of ``top``, the manifest's aside."""
        return {
            relpath: sha
            for name, group in self.done.items()
            if name.startswith(top) and name != _MANIFEST_GROUP
            for relpath, (_size, _mtime, sha) in group.files.items()
        }


def _render_public_groups(
    publication: PublicView, stale: Callable[[str], bool]
) -> dict[str, dict[str, bytes]]:
    """The files of ``feed/`` of each group that is ``stale``, by group."""
    # imported here: a build with nothing changed renders nothing (and loads no template)
    from audioarchive.render.catalogue import render_catalog  # noqa: PLC0415
    from audioarchive.render.feed import render_feed  # noqa: PLC0415
    from audioarchive.render.site import render_site  # noqa: PLC0415

    ids = {e.id for e in publication.episodes if stale(_episode_group(_FEED, e.id))}
    # every file of an episode's own is in the folder of its page
    folders = {page_path(i).rpartition("/")[0]: _episode_group(_FEED, i) for i in ids}
    out: dict[str, dict[str, bytes]] = {name: {} for name in folders.values()}
    site = render_site(publication, ids, lists=stale("feed:site"))
    feed = render_feed(publication, ids, lists=stale("feed:feed"))
    for lists, files in (("feed:site", site), ("feed:feed", feed)):
        for relpath, data in files.items():
            out.setdefault(folders.get(relpath.rpartition("/")[0], lists), {})[relpath] = data
    if stale("feed:catalogue"):
        out["feed:catalogue"] = render_catalog(publication)
    return out


def _render_archive_groups(
    publication: Publication, groups: _Groups
) -> dict[str, dict[str, bytes]]:
    """The files of ``archive/`` of each stale group, by group."""
    from audioarchive.archive.sidecar import (  # noqa: PLC0415 (as above)
        render_archive_catalog,
        render_episode_archive,
    )

    out: dict[str, dict[str, bytes]] = {}
    for episode in publication.episodes:
        name = _episode_group(_ARCHIVE, episode.id)
        if groups.stale(name):
            out[name] = render_episode_archive(episode, publication)
    if groups.stale("archive:catalog"):
        out["archive:catalog"] = {"catalog.json": render_archive_catalog(publication)}
    return out


def _render_archive_manifest(
    publication: Publication, archive: Path, groups: _Groups
) -> dict[str, dict[str, bytes]]:
    """The manifest of ``archive/``, from the SHA-256 of every file of its groups as written
    (kept or just written: each hashed once, when written)."""
    from audioarchive.archive.sidecar import render_archive_manifest  # noqa: PLC0415

    manifest = render_archive_manifest(publication, archive, groups.digests(_ARCHIVE))
    return {_MANIFEST_GROUP: {MANIFEST: manifest}}


def _record_creations(workspace: Workspace, results: Sequence[EpisodeResult]) -> None:
    """The fixity history: one "creation" event per master and public file written."""
    paths = workspace.paths
    for result in results:
        if result.status not in ("built", "retagged") or result.record is None:
            continue
        record = result.record
        files = [(paths.feed / m.path, m.sha256) for m in record.media]
        if record.master is not None:
            files.insert(0, (paths.archive / record.master.path, record.master.sha256))
        record_creation(paths, files, f"build: {result.message}")


def render_public_files(publication: PublicView) -> dict[str, bytes]:
    """Every generated file of ``feed/`` but the media: pages, feed, catalogue, chapters…"""
    groups = _render_public_groups(publication, lambda _name: True)
    return {relpath: data for files in groups.values() for relpath, data in files.items()}


def _select(workspace: Workspace, ids: Sequence[str]) -> list[Session]:
    if not ids:
        return list(workspace.episodes)
    chosen = [workspace.session(i) for i in dict.fromkeys(ids)]
    for session in chosen:
        if not session.recorded:
            raise InputError(
                f"{workspace.paths.rel(session.source)}: session {session.id} has no recording yet",
                hint=f"put its files in recordings/{session.id}/ or run "
                f"'audioarchive ingest {session.id} FILE...'",
            )
    return chosen


# --- fingerprints ---------------------------------------------------------------------------


def _sources(
    session: Session, infos: tuple[AudioInfo, ...], previous: EpisodeRecord | None
) -> tuple[SourceFile, ...]:
    """The parts with their checksums, reusing the last run's when size and time are unchanged."""
    known = {s.name: s for s in previous.sources} if previous else {}
    out = []
    for part, info in zip(session.recording, infos, strict=True):
        stat = part.stat()
        old = known.get(part.name)
        if old and old.size == stat.st_size and old.mtime_ns == stat.st_mtime_ns:
            digest = old.sha256
        else:
            digest = sha256_file(part)
        out.append(
            SourceFile(
                name=part.name,
                size=stat.st_size,
                sha256=digest,
                duration=info.duration,
                sample_rate=info.sample_rate,
                channels=info.channels,
                codec=info.codec,
                mtime_ns=stat.st_mtime_ns,
            )
        )
    return tuple(out)


def _audio_version() -> str:
    """The audio stage's version; imported here so that commands that build nothing (list,
    search, validate) never load numpy and the audio stage."""
    from audioarchive.audio.process import AUDIO_VERSION  # noqa: PLC0415

    return AUDIO_VERSION


def _key(*parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, default=repr).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


def _audio_key(workspace: Workspace, session: Session, sources: tuple[SourceFile, ...]) -> str:
    show = workspace.show
    jingles = [_jingle_digest(p) if p else None for p in (show.intro, show.outro)]
    return _key(
        _audio_version(),
        [s.sha256 for s in sources],
        session.trim,
        session.redactions,
        workspace.settings.audio,
        jingles,
    )


def _jingle_digest(path: Path) -> str:
    """A jingle's checksum, computed once per file version (not once per episode)."""
    stat = path.stat()
    return _digest_of(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _digest_of(path: Path, _size: int, _mtime_ns: int) -> str:
    return sha256_file(path)


def _master_key(sources: tuple[SourceFile, ...]) -> str:
    return _key(_audio_version(), [s.sha256 for s in sources])


def _tag_key(
    workspace: Workspace,
    audio_key: str,
    tagset: TagSet,
    master_tagset: TagSet,
    sources: tuple[SourceFile, ...],
) -> str:
    mode = workspace.settings.archive.master
    return _key(
        audio_key,
        tagset.fingerprint(),
        master_tagset.fingerprint(),
        _master_key(sources),
        *([mode] if mode != "flac" else []),  # the default keeps the keys of 0.1
        *([f"fields{FIELDS_REVISION}"] if FIELDS_REVISION > 1 else []),  # the same
    )


# --- one episode ----------------------------------------------------------------------------


def _build_episode(ctx: _Context, session: Session, infos: tuple[AudioInfo, ...]) -> EpisodeResult:
    try:
        result = _build_episode_unchecked(ctx, session, infos)
        if result.status == "unchanged" and result.record is not None:
            # read from its file: the same as collect_publication would read (a record made
            # by this run is read back from its file, as it will be by the next runs)
            ctx.records[session.id] = result.record
        return result
    except AudioArchiveError as err:
        # the caller reports the failure once, as "<id>: <message>": the message does not
        # repeat the id, and nothing is logged here
        message = err.message.removeprefix(f"{session.id}: ")
        log.debug("%s: failed: %s", session.id, message)
        return EpisodeResult(session.id, "failed", message)


@dataclass(frozen=True)
class _EpisodePlan:
    """What one episode's build starts from: its last record and whether its audio and
    master are current."""

    previous: EpisodeRecord | None
    sources: tuple[SourceFile, ...]
    audio_key: str
    cache: Path
    master_dest: Path
    public_cache: dict[str, Path]
    audio_current: bool
    master_current: bool


def _plan_episode(
    ctx: _Context,
    session: Session,
    previous: EpisodeRecord | None,
    sources: tuple[SourceFile, ...],
    audio_key: str,
) -> _EpisodePlan:
    workspace = ctx.workspace
    paths = workspace.paths
    cache = paths.state / "cache" / session.id
    mode = workspace.settings.archive.master
    master_dest = paths.archive / session.id / f"{session.id}.{'wav' if mode == 'bwf' else 'flac'}"
    public_cache = {
        fmt: cache / f"public.{fmt}" for fmt in ("mp3", *workspace.settings.audio.extra_formats)
    }
    current = not ctx.force and previous is not None and master_dest.is_file()
    return _EpisodePlan(
        previous=previous,
        sources=sources,
        audio_key=audio_key,
        cache=cache,
        master_dest=master_dest,
        public_cache=public_cache,
        # a master of another format ([archive] master) is rendered again
        audio_current=current
        and previous is not None
        and previous.audio_key == audio_key
        and all(p.is_file() for p in public_cache.values()),
        master_current=current
        and previous is not None
        and previous.master is not None
        and (sources is previous.sources or _master_key(previous.sources) == _master_key(sources)),
    )


def _up_to_date(ctx: _Context, session: Session, previous: EpisodeRecord) -> bool:
    """Nothing the episode is made from changed since its last build (its session and the
    files it names, the show, the settings, the program: its audio and tag keys would be
    the same), and its files are there: nothing is recomputed, not even its keys."""
    if ctx.force or ctx.stamps.episodes.get(session.id) != episode_inputs(
        ctx.shared, ctx.sessions[session.id], previous.audio_key, previous.tag_key
    ):
        return False
    plan = _plan_episode(ctx, session, previous, previous.sources, previous.audio_key)
    return plan.audio_current and _outputs_there(ctx, plan, previous)


def _outputs_there(ctx: _Context, plan: _EpisodePlan, record: EpisodeRecord) -> bool:
    """The files of the last build are all there (checked by their presence only)."""
    mode = ctx.workspace.settings.archive.master
    return (
        all((ctx.workspace.paths.feed / m.path).is_file() for m in record.media)
        and plan.master_current
        and (mode != "both" or plan.master_dest.with_suffix(".wav").is_file())
    )


def _build_episode_unchecked(
    ctx: _Context, session: Session, infos: tuple[AudioInfo, ...]
) -> EpisodeResult:
    previous = load_record(ctx.workspace.paths.state, session.id)
    ctx.sessions[session.id] = digest(session)
    if previous is not None and _up_to_date(ctx, session, previous):
        return EpisodeResult(session.id, "unchanged", "up to date", previous)
    ctx.stamps.episodes.pop(session.id, None)
    sources = _sources(session, infos, previous)
    audio_key = _audio_key(ctx.workspace, session, sources)
    plan = _plan_episode(ctx, session, previous, sources, audio_key)
    result = _build_planned(ctx, session, infos, plan)
    if result.record is not None:
        ctx.stamps.episodes[session.id] = episode_inputs(
            ctx.shared, ctx.sessions[session.id], plan.audio_key, result.record.tag_key
        )
    return result


def _build_planned(
    ctx: _Context, session: Session, infos: tuple[AudioInfo, ...], plan: _EpisodePlan
) -> EpisodeResult:
    workspace, previous = ctx.workspace, plan.previous
    status: Status = "unchanged"
    if plan.audio_current and previous is not None:
        timeline, loudness = previous.timeline, previous.loudness
        new_master: Path | None = None
    else:
        log.info("%s: processing audio", session.id)
        _warn_about_damage(ctx, infos)
        result = _process(ctx, session, infos, plan.cache, want_master=not plan.master_current)
        timeline, loudness = result.timeline, result.report.as_dict()
        new_master = result.master
        status = "built"
    tagset, master_tagset = _tagsets(workspace, session, timeline, plan.sources, loudness)
    tag_key = _tag_key(workspace, plan.audio_key, tagset, master_tagset, plan.sources)
    if (
        status == "unchanged"
        and previous is not None
        and previous.tag_key == tag_key
        and _outputs_there(ctx, plan, previous)
    ):
        return EpisodeResult(session.id, "unchanged", "up to date", previous)
    if new_master is None and previous is not None and previous.master is not None:
        _check_master_fixity(ctx, plan.master_dest, previous.master.sha256, session.id)
    ctx.progress(ProgressEvent("tags", session.id, 0.0))
    media, master, preservation = _write_outputs(
        ctx, session, infos, plan, new_master, (tagset, master_tagset)
    )
    ctx.progress(ProgressEvent("tags", session.id, 1.0))
    record = EpisodeRecord(
        id=session.id,
        audio_key=plan.audio_key,
        tag_key=tag_key,
        timeline=timeline,
        media=media,
        master=master,
        preservation=preservation,
        sources=plan.sources,
        loudness=loudness,
        processing={
            "audioarchive": __version__,
            "ffmpeg": ctx.tools.version,
            "audio": asdict(workspace.settings.audio),
        },
    )
    save_record(workspace.paths.state, record)
    _forget_pending_master(workspace, session.id)
    if status == "unchanged":
        status = "retagged"
    return EpisodeResult(
        session.id, status, "audio rendered" if status == "built" else "tags updated", record
    )


def _write_outputs(
    ctx: _Context,
    session: Session,
    infos: tuple[AudioInfo, ...],
    plan: _EpisodePlan,
    new_master: Path | None,
    tagsets: tuple[TagSet, TagSet],
) -> tuple[tuple[OutputFile, ...], OutputFile, OutputFile | None]:
    """The tagged public files, the master, and its Broadcast WAV copy ([archive] both)."""
    tagset, master_tagset = tagsets
    master_dest = plan.master_dest
    media = tuple(
        _publish_media(ctx, session, fmt, src, tagset) for fmt, src in plan.public_cache.items()
    )
    master_src = new_master if new_master is not None else master_dest
    if master_dest.suffix == ".wav":
        master = _write_bwf_master(ctx, session, infos, master_src, master_dest)
        if new_master is not None:
            new_master.unlink(missing_ok=True)
    else:
        master = _write_master(
            ctx, master_src, master_dest, master_tagset, move=new_master is not None
        )
    preservation = (
        _write_bwf_master(ctx, session, infos, master_dest, master_dest.with_suffix(".wav"))
        if ctx.workspace.settings.archive.master == "both"
        else None
    )
    return media, master, preservation


def _transcribe(ctx: _Context, session: Session, result: EpisodeResult) -> EpisodeResult:
    """The machine transcript of a built episode, when configured (cached by its audio)."""
    try:
        transcribe_built(
            ctx.workspace,
            ctx.tools,
            session,
            result.record,
            lambda fraction: ctx.progress(ProgressEvent("transcribe", session.id, fraction)),
        )
    except AudioArchiveError as err:
        log.error("%s: transcription failed: %s", session.id, err.message)
        return EpisodeResult(session.id, "failed", f"transcription failed: {err.message}")
    return result


def _warn_about_damage(ctx: _Context, infos: tuple[AudioInfo, ...]) -> None:
    """Damaged frames in a lossy part are decoded around (a short gap): say where they are."""
    offset = 0.0
    for info in infos:
        if not info.lossless:
            for start, end in find_damage(ctx.tools, info):
                log.warning(
                    "%s: damaged audio skipped from %s to %s (%s to %s of the joined "
                    "recording): a short gap, and later times shift by %.2f s",
                    ctx.workspace.paths.rel(info.path),
                    format_time(start, millis=True),
                    format_time(end, millis=True),
                    format_time(offset + start, millis=True),
                    format_time(offset + end, millis=True),
                    end - start,
                )
        offset += info.duration


def _process(
    ctx: _Context, session: Session, infos: tuple[AudioInfo, ...], cache: Path, *, want_master: bool
) -> AudioResult:
    from audioarchive.audio import AudioJob, process_audio  # noqa: PLC0415 (see _audio_version)

    show = ctx.workspace.show
    job = AudioJob(
        session_id=session.id,
        parts=infos,
        trim=session.trim,
        redactions=session.redactions,
        profile=ctx.workspace.settings.audio,
        workdir=cache,
        intro=show.intro,
        outro=show.outro,
        want_master=want_master,
    )
    return process_audio(
        ctx.tools,
        job,
        lambda stage, fraction: ctx.progress(ProgressEvent(stage, session.id, fraction)),
    )


def _tagsets(
    workspace: Workspace,
    session: Session,
    timeline: Timeline,
    sources: tuple[SourceFile, ...],
    loudness: dict[str, object],
) -> tuple[TagSet, TagSet]:
    """The public files' tags and the master's."""
    site = workspace.settings.site
    session = public_session(session, host_names(workspace.show))  # tags leave archive/
    page_url = site.url(page_path(session.id))
    show, feed_url = workspace.show, site.feed_url
    return (
        episode_tags(
            show, session, timeline, page_url=page_url, feed_url=feed_url, loudness=loudness
        ),
        master_tags(
            show,
            session,
            timeline,
            sources,
            page_url=page_url,
            feed_url=feed_url,
            loudness=loudness,
        ),
    )


def _check_master_fixity(ctx: _Context, master: Path, expected: str, episode_id: str) -> None:
    """Never re-tag a master whose bytes changed since it was written: that would record
    the damaged bytes' checksum in the manifest and hide the damage from ``verify``.

    A master this program wrote whose record a killed run did not save yet is not damaged:
    its checksum is in the pending note written before it replaced the old one.
    """
    actual = sha256_file(master)
    pending = _pending_master(ctx.workspace, episode_id)
    ours = pending.read_text(encoding="ascii").strip() if pending.is_file() else ""
    if actual not in (expected, ours):
        raise AudioArchiveError(
            f"{ctx.workspace.paths.rel(master)}: differs from the checksum recorded when it "
            "was written (damaged or edited); not re-tagged",
            hint="restore it from a copy, or rebuild it from the recordings with "
            f"'audioarchive build --force {master.stem}'",
        )


def _publish_media(
    ctx: _Context, session: Session, fmt: str, src: Path, tagset: object
) -> OutputFile:
    """Tag a copy of the untagged encode; name it by its content (new bytes, new URL)."""
    folder = ctx.workspace.paths.feed / "episodes" / session.id
    staging = folder / f".tmp-{session.id}.{fmt}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(src, staging)
        write_tags(staging, tagset)  # type: ignore[arg-type]
        digest = sha256_file(staging)
        name = f"{session.id}-{digest[:10]}.{fmt}"
        dest = folder / name
        if dest.is_file() and sha256_file(dest) == digest:
            staging.unlink()
        else:
            staging.replace(dest)
            ctx.note(dest)
    finally:
        staging.unlink(missing_ok=True)
    relpath = f"episodes/{session.id}/{name}"
    return OutputFile(fmt, relpath, dest.stat().st_size, digest, media_type(name))


def _write_master(
    ctx: _Context, src: Path, dest: Path, tagset: object, *, move: bool
) -> OutputFile:
    with atomic_path(dest) as tmp:
        if move:
            src.replace(tmp)
        else:
            shutil.copyfile(src, tmp)
        write_tags(tmp, tagset)  # type: ignore[arg-type]
        digest = sha256_file(tmp)
        # written before the master is replaced, removed once the record holds the checksum:
        # a run killed in between leaves the next run a note that these bytes are its own
        write_atomic(_pending_master(ctx.workspace, dest.stem), f"{digest}\n".encode())
    ctx.note(dest)
    relpath = dest.relative_to(ctx.workspace.paths.archive).as_posix()
    return OutputFile("flac", relpath, dest.stat().st_size, digest, media_type(dest.name))


def _pending_master(workspace: Workspace, episode_id: str) -> Path:
    """The checksum of a master written but not yet in its episode's record."""
    return workspace.paths.state / "pending" / f"{episode_id}.master-sha256"


def _forget_pending_master(workspace: Workspace, episode_id: str) -> None:
    _pending_master(workspace, episode_id).unlink(missing_ok=True)


def _write_bwf_master(
    ctx: _Context, session: Session, infos: tuple[AudioInfo, ...], src: Path, dest: Path
) -> OutputFile:
    """The Broadcast WAV master from ``src`` (the FLAC, or the previous BWF): same samples."""
    from audioarchive.archive.bwf import bwf_metadata, write_bwf  # noqa: PLC0415 (BWF only)
    from audioarchive.audio.assemble import master_format  # noqa: PLC0415 (see _audio_version)

    first = infos[0]
    fmt = master_format(infos)
    meta = bwf_metadata(ctx.workspace.show, session, infos, first.sample_rate, fmt.bits)
    write_bwf(ctx.tools, src, dest, meta)
    ctx.note(dest)
    relpath = dest.relative_to(ctx.workspace.paths.archive).as_posix()
    return OutputFile("bwf", relpath, dest.stat().st_size, sha256_file(dest), media_type(dest.name))


# --- the whole collection -------------------------------------------------------------------


def collect_publication(workspace: Workspace, ctx: _Context | None = None) -> Publication:
    """The built episodes (from their records), the upcoming sessions and the artwork."""
    paths = workspace.paths
    episodes = []
    known = ctx.records if ctx is not None else {}
    for session in workspace.episodes:
        record = known.get(session.id) or load_record(paths.state, session.id)
        if record is not None and all((paths.feed / m.path).is_file() for m in record.media):
            episodes.append(Episode(session, record))
    sizes: dict[str, tuple[int, int]] = {}
    artwork = _publish_image(workspace, workspace.show.artwork, "show", ctx, sizes)
    episode_artwork = {
        s.id: _publish_image(workspace, s.artwork, s.id, ctx, sizes)
        for s in workspace.sessions
        if s.artwork
    }
    return Publication(
        show=workspace.show,
        site=workspace.settings.site,
        episodes=tuple(episodes),
        upcoming=workspace.upcoming,
        artwork=artwork,
        episode_artwork=episode_artwork,
        image_sizes=sizes,
        machine_transcripts=machine_transcripts(workspace, episodes),
    )


def _publish_image(
    workspace: Workspace,
    source: Path,
    stem: str,
    ctx: _Context | None,
    sizes: dict[str, tuple[int, int]],
) -> str:
    artwork = prepare_artwork(source, workspace.paths.rel(source))  # checked, maybe converted
    data = artwork.data
    relpath = f"images/{stem}-{sha256_bytes(data)[:10]}{artwork.suffix}"
    sizes[relpath] = (artwork.width, artwork.height)
    if ctx is not None and write_atomic(workspace.paths.feed / relpath, data):
        ctx.note(workspace.paths.feed / relpath)
    return relpath


def _prune_feed(
    workspace: Workspace, publication: Publication, generated: Iterable[str]
) -> list[str]:
    """Remove from ``feed/`` every file the build did not produce: it is exactly the public tree."""
    keep = set(generated)
    keep.add(publication.artwork)
    keep.update(publication.episode_artwork.values())
    for episode in publication.episodes:
        keep.update(m.path for m in episode.record.media)
    feed = workspace.paths.feed
    files: list[str] = []
    folders: list[str] = []
    for top, dirs, names in os.walk(feed):  # thousands of files: no Path object for each
        folders.extend(f"{top}/{d}" for d in dirs)
        files.extend(f"{top}/{n}" for n in names)
    removed = []
    start = len(str(feed)) + 1
    for name in sorted(files):
        if name[start:] not in keep and os.path.isfile(name):  # noqa: PTH113
            os.unlink(name)  # noqa: PTH108
            removed.append(workspace.paths.rel(Path(name)))
    for folder in sorted(folders, reverse=True):
        with os.scandir(folder) as entries:
            empty = next(entries, None) is None
        if empty:
            os.rmdir(folder)  # noqa: PTH106
    return removed


def _forget_removed_sessions(workspace: Workspace) -> None:
    state = workspace.paths.state
    known = {s.id for s in workspace.sessions}
    for path in (state / "state").glob("*.json") if (state / "state").is_dir() else []:
        if path.stem not in known:
            remove_record(state, path.stem)
            shutil.rmtree(state / "cache" / path.stem, ignore_errors=True)
            shutil.rmtree(state / "transcripts" / path.stem, ignore_errors=True)


# --- planning (dry run) ---------------------------------------------------------------------


def _plan(
    workspace: Workspace,
    selected: list[Session],
    infos: dict[str, tuple[AudioInfo, ...]],
    force: bool,
) -> BuildReport:
    results = []
    forecast = _ForecastBuilder()
    for session in selected:
        previous = load_record(workspace.paths.state, session.id)
        sources = _sources(session, infos[session.id], previous)
        if (
            force
            or previous is None
            or previous.audio_key != _audio_key(workspace, session, sources)
        ):
            results.append(EpisodeResult(session.id, "planned", "would process audio and tags"))
            forecast.rendered(workspace, session, previous)
            continue
        tagset, master_tagset = _tagsets(
            workspace, session, previous.timeline, sources, previous.loudness
        )
        tag_key = _tag_key(workspace, previous.audio_key, tagset, master_tagset, sources)
        if tag_key != previous.tag_key:
            results.append(EpisodeResult(session.id, "planned", "would update tags"))
            forecast.retagged(workspace, session, previous, tagset)
        else:
            results.append(EpisodeResult(session.id, "unchanged", "up to date", previous))
    return BuildReport(episodes=tuple(results), dry_run=True, forecast=forecast.done())


@dataclass
class _ForecastBuilder:
    """The media names a dry run's skipped build would write (they are content hashes)."""

    add: dict[str, tuple[int, str]] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)
    rebuilt: set[str] = field(default_factory=set)

    def rendered(
        self, workspace: Workspace, session: Session, previous: EpisodeRecord | None
    ) -> None:
        """New audio: its name is known once rendered."""
        for fmt in ("mp3", *workspace.settings.audio.extra_formats):
            self._replace(
                session, previous, f"episodes/{session.id}/{session.id}-{PENDING_NAME}.{fmt}", 0, ""
            )

    def retagged(
        self, workspace: Workspace, session: Session, previous: EpisodeRecord, tagset: TagSet
    ) -> None:
        """New tags on the same audio: tag a scratch copy of the encode, as the build will."""
        cache = workspace.paths.state / "cache" / session.id
        with tempfile.TemporaryDirectory(prefix=".dry-run-", dir=workspace.paths.state) as tmp:
            for fmt in ("mp3", *workspace.settings.audio.extra_formats):
                src = cache / f"public.{fmt}"
                if not src.is_file():  # the build will render it again
                    self.rendered(workspace, session, previous)
                    return
                copy = Path(tmp) / f"copy.{fmt}"
                shutil.copyfile(src, copy)
                write_tags(copy, tagset)
                digest = sha256_file(copy)
                relpath = f"episodes/{session.id}/{session.id}-{digest[:10]}.{fmt}"
                self._replace(session, previous, relpath, copy.stat().st_size, digest)

    def _replace(
        self,
        session: Session,
        previous: EpisodeRecord | None,
        relpath: str,
        size: int,
        digest: str,
    ) -> None:
        old = {m.path for m in previous.media} if previous is not None else set()
        if relpath in old:
            return
        self.add[relpath] = (size, digest)
        self.drop.update(p for p in old if p.rsplit(".", 1)[-1] == relpath.rsplit(".", 1)[-1])
        self.rebuilt.update(("feed.xml", f"episodes/{session.id}/index.html"))

    def done(self) -> Forecast:
        return Forecast(dict(self.add), frozenset(self.drop), frozenset(self.rebuilt))


# --- publish --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishReport:
    build: BuildReport
    target: str  # where the public tree now is
    feed_url: str
    uploaded: tuple[str, ...] = ()  # s3:// URLs sent (or that would be, with dry_run)
    deleted: tuple[str, ...] = ()
    dry_run: bool = False
    upload: UploadReport | None = None  # None without [storage]


def publish(
    workspace: Workspace,
    *,
    dry_run: bool = False,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> PublishReport:
    """Build, then upload what changed to the configured storage (none: ``feed/`` is the tree).

    The workspace lock is held across the build and the upload, so that no other
    build or publish changes ``feed/`` while it is being sent.
    """
    settings = workspace.settings
    if settings.storage is None and settings.archive_storage is None:
        report = build(workspace, force=force, dry_run=dry_run, progress=progress)
        return PublishReport(
            build=report,
            target=workspace.paths.rel(workspace.paths.feed) + "/",
            feed_url=settings.site.feed_url,
            dry_run=dry_run,
        )
    notify = progress or (lambda _e: None)
    with (
        workspace_lock(workspace.paths.state, "publish") if not dry_run else nullcontext(),
        connect_storage(workspace) as storage,  # bad settings: exit 2; unreachable: exit 3
    ):
        report = build(workspace, force=force, dry_run=dry_run, progress=progress)
        upload = storage.publish(
            dry_run=dry_run,
            force=force,
            progress=lambda label, fraction: notify(ProgressEvent("upload", label, fraction)),
            forecast=report.forecast,
        )
    local = workspace.paths.rel(workspace.paths.feed) + "/"
    return PublishReport(
        build=report,
        target=settings.storage.url if settings.storage else local,
        feed_url=settings.site.feed_url,
        uploaded=upload.uploaded,
        deleted=upload.deleted,
        dry_run=dry_run,
        upload=upload,
    )


__all__ = [
    "BuildReport",
    "EpisodeResult",
    "ProgressEvent",
    "PublishReport",
    "build",
    "collect_publication",
    "publish",
]
