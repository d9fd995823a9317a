"""The metadata stage: ``metadata/podcast.yaml`` and ``metadata/sessions/*.yaml``.

:func:`load_workspace` reads and validates everything, reports every problem
at once (:class:`~audioarchive.errors.SessionError`), and returns immutable
models. Nothing downstream re-validates. Every time in a session file refers to
the joined raw recording; :mod:`audioarchive.metadata.timeline` maps it to the published
one.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from audioarchive.common.text import SLUG, natural_sorted, slugify
from audioarchive.common.validation import FieldReader, describe, did_you_mean, format_time
from audioarchive.config import (
    LANGUAGE_CODE,
    TRANSCRIPT_ENGINES,
    Paths,
    Settings,
    load_settings,
)
from audioarchive.errors import InputError, Problem, SessionError
from audioarchive.metadata.categories import all_category_names
from audioarchive.metadata.feedmeta import (
    RemoteFeed,
    Rhythm,
    TxtRecord,
    read_publisher,
    read_remote_feeds,
    read_rhythm,
    read_txt,
)

if TYPE_CHECKING:
    import yaml

AUDIO_EXTENSIONS = frozenset(
    {
        ".wav",
        ".wave",
        ".bwf",
        ".rf64",
        ".w64",
        ".flac",
        ".mp3",
        ".m4a",
        ".aac",
        ".mp4",
        ".ogg",
        ".oga",
        ".opus",
        ".wv",
        ".aif",
        ".aiff",
        ".caf",
        ".mka",
        ".webm",
        ".wma",
    }
)
ROLES = (
    "host",
    "co-host",
    "guest",
    "guest host",
    "moderator",
    "reporter",
    "narrator",
    "announcer",
    "cameo",
)
LICENSE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]{1,63}")
LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
FILE_NAME = re.compile(r"[^/\\\x00-\x1f]+")
EpisodeType = Literal["full", "trailer", "bonus"]
_EPISODE_TYPES: dict[str, EpisodeType] = {"full": "full", "trailer": "trailer", "bonus": "bonus"}
ShowType = Literal["episodic", "serial"]

SHOW_KEYS = (
    "title",
    "description",
    "language",
    "author",
    "owner",
    "artwork",
    "categories",
    "explicit",
    "license",
    "type",
    "seasons",
    "hosts",
    "intro",
    "outro",
    "website",
    "copyright",
    "locked",
    "txt",
    "rhythm",
    "podroll",
    "publisher",
)
SESSION_KEYS = (
    "id",
    "guid",
    "title",
    "date",
    "season",
    "episode",
    "episode_type",
    "description",
    "venue",
    "speakers",
    "topics",
    "resources",
    "recording",
    "trim",
    "redactions",
    "chapters",
    "transcript",
    "license",
    "explicit",
    "artwork",
    "turns",
    "microphones",
    "transcription",
)
TURN_KEYS = ("start", "speaker")
TRANSCRIPTION_KEYS = ("engine", "model", "language")
SPEAKER_KEYS = ("name", "role", "affiliation", "publish_name", "url")
VENUE_KEYS = ("name", "address", "geo", "url")
RESOURCE_KEYS = ("title", "url")
CHAPTER_KEYS = ("start", "title", "url")
REDACTION_KEYS = ("start", "end", "reason")
TRIM_KEYS = ("start", "end")
HOST_KEYS = ("name", "role", "url")
OWNER_KEYS = ("name", "email")
#: The id of ``init``'s example session: validated, never published, never numbered.
EXAMPLE_SESSION_ID = "example-meeting"
_NUMBERED = re.compile(r"^(.*?)(\d+)(\.[A-Za-z0-9]+)$")
EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")


# --- models ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    role: str = "guest"
    affiliation: str | None = None
    publish_name: bool = True
    url: str | None = None

    @property
    def public_name(self) -> str | None:
        """The name as public outputs may show it: ``None`` when it must not appear."""
        return self.name if self.publish_name else None


Speaker = Person


@dataclass(frozen=True)
class Owner:
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Venue:
    name: str
    address: str | None = None
    geo: tuple[float, float] | None = None
    url: str | None = None


@dataclass(frozen=True)
class Resource:
    title: str
    url: str


@dataclass(frozen=True)
class Chapter:
    start: float  # seconds on the raw recording
    title: str
    url: str | None = None
    line: int | None = field(default=None, compare=False)  # in the session file, for messages

    def label(self, number: int) -> str:
        """How messages name it: 'chapter 2 "Questions" (line 31)' (counted from 1)."""
        where = f" (line {self.line})" if self.line else ""
        return f"chapter {number} {describe(self.title)}{where}"


@dataclass(frozen=True)
class Redaction:
    start: float  # seconds on the raw recording
    end: float
    reason: str | None = None


@dataclass(frozen=True)
class Trim:
    """``None`` for a side means: find it automatically. ``enabled=False``: keep everything."""

    start: float | None = None
    end: float | None = None
    enabled: bool = True


@dataclass(frozen=True)
class Show:
    title: str
    description: str
    language: str
    author: str
    owner: Owner
    artwork: Path
    categories: tuple[str, ...]
    explicit: bool = False
    license: str | None = None
    type: ShowType = "episodic"
    seasons: Mapping[int, str] = field(default_factory=dict)
    hosts: tuple[Person, ...] = ()
    intro: Path | None = None
    outro: Path | None = None
    website: str | None = None
    copyright: str | None = None
    locked: bool = True
    txt: tuple[TxtRecord, ...] = ()  # podcast:txt
    rhythm: Rhythm | None = None  # podcast:updateFrequency
    podroll: tuple[RemoteFeed, ...] = ()  # podcast:podroll
    publisher: RemoteFeed | None = None  # podcast:publisher


@dataclass(frozen=True)
class SpeakerTurn:
    """From ``start`` (raw recording time) on, ``speaker`` (one of the session's) speaks."""

    start: float
    speaker: str


@dataclass(frozen=True)
class TranscriptionChoice:
    """A session's own transcription settings; ``None`` fields keep ``[transcripts]``'s."""

    engine: str | None = None
    model: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Session:
    id: str
    title: str
    source: Path  # the session file
    date: datetime | None = None
    season: int | None = None
    episode: int | None = None
    episode_type: EpisodeType = "full"
    description: str = ""
    venue: Venue | None = None
    speakers: tuple[Person, ...] = ()
    topics: tuple[str, ...] = ()
    resources: tuple[Resource, ...] = ()
    recording: tuple[Path, ...] = ()  # resolved parts, in order
    trim: Trim = field(default_factory=Trim)
    redactions: tuple[Redaction, ...] = ()
    chapters: tuple[Chapter, ...] = ()
    transcript: Path | None = None
    license: str | None = None
    explicit: bool | None = None
    artwork: Path | None = None
    recording_declared: bool = False  # the file lists its parts (else: every audio file)
    guid: str | None = None  # the item's guid in an imported feed (default: the id)

    @property
    def feed_guid(self) -> str:
        """The feed item's ``guid``: the imported one, else the session id."""
        return self.guid or self.id

    turns: tuple[SpeakerTurn, ...] = ()  # who speaks from when (raw time), for transcripts
    microphones: tuple[str, ...] = ()  # the speaker on each channel of the recording
    transcription: TranscriptionChoice | None = None  # overrides [transcripts]

    @property
    def recorded(self) -> bool:
        """True when the meeting has audio: it becomes an episode."""
        return bool(self.recording)

    @property
    def public_speakers(self) -> tuple[Person, ...]:
        return tuple(s for s in self.speakers if s.publish_name)

    def past(self, now: datetime) -> bool:
        """Whether the meeting's date has passed (an undated meeting is still to come)."""
        return self.date is not None and self.date <= now


@dataclass(frozen=True)
class Workspace:
    settings: Settings
    show: Show
    sessions: tuple[Session, ...]  # oldest first; undated (upcoming) last
    example: Session | None = None  # init's example session, still there: never published

    @property
    def paths(self) -> Paths:
        return self.settings.paths

    @property
    def episodes(self) -> tuple[Session, ...]:
        """Sessions with a recording, oldest first."""
        return tuple(s for s in self.sessions if s.recorded)

    @property
    def upcoming(self) -> tuple[Session, ...]:
        """Sessions without a recording whose date is still to come, or not set yet."""
        now = datetime.now(UTC)
        return tuple(s for s in self.sessions if not s.recorded and not s.past(now))

    @property
    def unrecorded(self) -> tuple[Session, ...]:
        """Sessions whose date has passed with no recording (not yet ingested, or never made)."""
        now = datetime.now(UTC)
        return tuple(s for s in self.sessions if not s.recorded and s.past(now))

    def session(self, session_id: str) -> Session:
        for session in self.sessions:
            if session.id == session_id:
                return session
        hint = did_you_mean(session_id, [s.id for s in self.sessions])
        raise InputError(
            f'no session "{session_id}" in metadata/sessions/{hint}',
            hint=None if hint else "audioarchive list shows the sessions",
        )


# --- loading -----------------------------------------------------------------------------------


def load_workspace(
    root: Path, settings: Settings | None = None, *, unchanged: Mapping[Path, Session] | None = None
) -> Workspace:
    """Load and validate the workspace at ``root``; raise ``ConfigError``/``SessionError``.

    ``unchanged``: sessions loaded earlier from files that did not change since (nor any
    file they depend on), by session file: taken as they are instead of reading their file
    again; the checks that span files are made as always.
    """
    settings = settings or load_settings(root)
    known = unchanged or {}
    paths = settings.paths
    problems: list[Problem] = []
    show = _load_show(paths.podcast, paths.metadata, paths.rel(paths.podcast), problems)
    sessions: list[Session] = []
    if not paths.sessions.is_dir():
        problems.append(
            Problem(
                paths.rel(paths.sessions), "", "missing folder; expected one YAML file per meeting"
            )
        )
    else:
        for path in sorted(paths.sessions.glob("*.y*ml")):
            if path.suffix not in (".yaml", ".yml"):
                continue
            session = known.get(path) or _load_session(path, settings, problems)
            if session is not None:
                sessions.append(session)
    _check_collection(sessions, settings, problems)
    if problems or show is None:
        raise SessionError(problems)
    sessions.sort(key=_session_order)
    example = next((s for s in sessions if s.id == EXAMPLE_SESSION_ID), None)
    kept = tuple(s for s in sessions if s is not example)
    return Workspace(settings, show, kept, example)


def check_session_file(path: Path, settings: Settings) -> list[Problem]:
    """Every problem of one session file as :func:`load_workspace` finds them (not those that
    span files, such as duplicate episode numbers)."""
    problems: list[Problem] = []
    _load_session(path, settings, problems)
    return problems


def _session_order(session: Session) -> tuple[int, float, str]:
    if session.date is None:
        return (1, 0.0, session.id)
    return (0, session.date.timestamp(), session.id)


def _safe_loader() -> Any:
    """libyaml's parser: ten times faster, which counts for hundreds of session files.

    PyYAML is imported on first use: a command answered from the collection cache reads
    no YAML."""
    import yaml  # noqa: PLC0415

    try:
        from yaml import CSafeLoader  # noqa: PLC0415
    except ImportError:  # pragma: no cover (PyYAML built without libyaml)
        return yaml.SafeLoader
    return CSafeLoader


def read_yaml(path: Path, label: str, problems: list[Problem]) -> Mapping[str, Any] | None:
    """Parse one YAML file safely; report why it cannot be read."""
    import yaml  # noqa: PLC0415 (see _safe_loader)

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(label, "", "missing file"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        problems.append(
            Problem(label, f"line {line}", "not UTF-8 text; expected a YAML file in UTF-8")
        )
        return None
    try:
        data = yaml.load(text.removeprefix("\ufeff"), Loader=_safe_loader())  # noqa: S506 (safe)
    except yaml.YAMLError as err:
        problems.append(yaml_problem(label, text, err))
        return None
    if not isinstance(data, Mapping):
        problems.append(Problem(label, "", f"found {describe(data)}; expected a mapping of keys"))
        return None
    return data


def yaml_problem(label: str, text: str, err: yaml.YAMLError) -> Problem:
    """The YAML error in words: where, the line as written, and how to fix it."""
    mark = getattr(err, "problem_mark", None)
    reason = getattr(err, "problem", None) or "syntax error"
    if mark is None:
        return Problem(label, "", f"invalid YAML ({reason}); expected YAML syntax")
    lines = text.removeprefix("\ufeff").splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    shown = f"the line reads {describe(line.strip())}" if line.strip() else "the line is empty"
    return Problem(
        label, where, f"invalid YAML ({reason}): {shown}; {_yaml_hint(reason, line, mark.column)}"
    )


def _yaml_hint(reason: str, line: str, column: int) -> str:
    """A plain-language fix for the YAML errors people meet."""
    indentation = (
        "the indentation is uneven: the keys of one block must start in the same column "
        "(indent with spaces), and what belongs to a key is indented more than the key"
    )
    if "mapping values are not allowed" in reason:
        key, colon, value = line.partition(":")
        if not colon or column <= len(key):  # the line's own key: it is indented wrongly
            return indentation
        value = value.split(" #", 1)[0].strip()
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'a text that contains ": " must be put in quotes, as in {key.strip()}: "{quoted}"'
    if "'\\t'" in reason or "tab character" in reason:
        return "YAML indents with spaces, never tabs: replace the tabs by spaces"
    if any(words in reason for words in ("block end", "expected key", "'-' indicator")):
        return indentation
    if "could not find expected ':'" in reason:
        return "a key needs a colon and a space after it (key: value)"
    return "expected YAML syntax; put a text that contains special characters in quotes"


def _resolve_file(
    reader: FieldReader, key: str, folder: Path, *, kinds: tuple[str, ...] = ()
) -> Path | None:
    name = reader.text(key)
    if name is None:
        return None
    path = (folder / name).resolve()
    if ".." in Path(name).parts or Path(name).is_absolute():
        reader.problem(key, f'found "{name}"; expected a path inside {folder.name}/')
        return None
    if kinds and path.suffix.lower() not in kinds:
        reader.problem(key, f'found "{name}"; expected a {" or ".join(kinds)} file')
        return None
    if not path.is_file():
        reader.problem(key, f'"{name}" does not exist in {folder.name}/; expected an existing file')
        return None
    return path


def _load_show(path: Path, metadata: Path, label: str, problems: list[Problem]) -> Show | None:
    data = read_yaml(path, label, problems)
    if data is None:
        return None
    r = FieldReader(problems, label, data)
    r.check_keys(SHOW_KEYS)
    title = r.text("title", required=True, max_len=255)
    description = r.text("description", required=True, multiline=True, max_len=4000)
    language = r.pattern(
        "language", LANGUAGE, 'a language code such as "fr" or "en-GB"', required=True
    )
    author = r.text("author", required=True)
    owner = _read_owner(r)
    artwork = _resolve_file(r, "artwork", metadata, kinds=(".jpg", ".jpeg", ".png"))
    if not r.has("artwork"):
        r.problem("artwork", "missing; expected a square JPEG or PNG in metadata/ (1400-3000 px)")
    categories = _read_categories(r)
    seasons = _read_seasons(r)
    hosts = tuple(p for p in map(_read_host, r.mappings("hosts")) if p)
    show_type = r.choice("type", ("episodic", "serial")) or "episodic"
    license_ = r.pattern("license", LICENSE, 'an SPDX license id such as "CC-BY-SA-4.0"')
    txt, rhythm = read_txt(r), read_rhythm(r)
    podroll, publisher = read_remote_feeds(r, "podroll"), read_publisher(r)
    if not (title and description and language and author and owner and artwork):
        return None
    return Show(
        title=title,
        description=description,
        language=language,
        author=author,
        owner=owner,
        artwork=artwork,
        categories=categories,
        explicit=bool(r.boolean("explicit")),
        license=license_,
        type="serial" if show_type == "serial" else "episodic",
        seasons=seasons,
        hosts=hosts,
        intro=_resolve_file(r, "intro", metadata),
        outro=_resolve_file(r, "outro", metadata),
        website=r.url("website"),
        copyright=r.text("copyright"),
        locked=r.boolean("locked") is not False,
        txt=txt,
        rhythm=rhythm,
        podroll=podroll,
        publisher=publisher,
    )


def _read_categories(r: FieldReader) -> tuple[str, ...]:
    categories = r.text_list("categories")
    valid = all_category_names()
    for index, name in enumerate(categories):
        if name not in valid:
            r.problem(
                f"categories[{index}]",
                f'found "{name}"; expected an Apple Podcasts category such as '
                f'"Government" or "News > Politics"{did_you_mean(name, valid)}',
            )
    if not categories:
        r.problem("categories", "missing; expected at least one Apple Podcasts category")
    return categories


def _read_seasons(r: FieldReader) -> dict[int, str]:
    """``seasons:``, season number → name."""
    seasons: dict[int, str] = {}
    season_reader = r.mapping("seasons")
    if season_reader is not None:
        for key, value in season_reader.data.items():
            number: object = key
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                season_reader.problem(str(key), "expected a season number (1, 2, ...) as key")
            elif not isinstance(value, str) or not value.strip():
                season_reader.problem(str(key), f"found {describe(value)}; expected a season name")
            else:
                seasons[number] = value.strip()
    return seasons


def _read_owner(r: FieldReader) -> Owner | None:
    owner = r.mapping("owner", required=True)
    if owner is None:
        return None
    owner.check_keys(OWNER_KEYS)
    name = owner.text("name", required=True)
    email = owner.pattern("email", EMAIL, "an e-mail address such as podcast@example.org")
    return Owner(name, email) if name else None


def _read_speaker(r: FieldReader) -> Person | None:
    r.check_keys(SPEAKER_KEYS)
    name = r.text("name", required=True, max_len=200)
    role = r.choice("role", ROLES) or "guest"
    affiliation = r.text("affiliation", max_len=200)
    publish = r.boolean("publish_name")
    url = r.url("url")
    if name is None:
        return None
    return Person(name, role, affiliation, publish_name=publish is not False, url=url)


def _read_host(r: FieldReader) -> Person | None:
    r.check_keys(HOST_KEYS)
    name = r.text("name", required=True, max_len=200)
    role = r.choice("role", ("host", "co-host")) or "host"
    url = r.url("url")
    return Person(name, role, url=url) if name else None


def _load_session(path: Path, settings: Settings, problems: list[Problem]) -> Session | None:
    label = settings.paths.rel(path)
    data = read_yaml(path, label, problems)
    if data is None:
        return None
    count = len(problems)
    r = FieldReader(problems, label, data)
    r.check_keys(SESSION_KEYS)
    session_id = r.pattern(
        "id",
        SLUG,
        "an ASCII slug of lowercase letters, digits and hyphens, "
        f"e.g. {suggest_session_id(r.raw('id'), path.stem)}",
        required=True,
    )
    if session_id and session_id != path.stem:
        r.problem("id", f'found "{session_id}"; expected "{path.stem}", the file\'s name')
    title = r.text("title", required=True, max_len=255)
    folder = settings.paths.recordings / (session_id or path.stem)
    recording, declared = _read_recording(r, folder)
    date = r.datetime_tz("date")
    if recording and date is None and not r.has("date"):
        r.problem("date", "missing; expected the date and time of the recorded meeting")
    trim = _read_trim(r)
    redactions = _read_redactions(r)
    chapters = _read_chapters(r, _item_lines(path, "chapters") if r.has("chapters") else [])
    episode_type = r.choice("episode_type", ("full", "trailer", "bonus")) or "full"
    session = Session(
        id=session_id or path.stem,
        title=title or "",
        source=path,
        date=date,
        season=r.integer("season", minimum=1),
        episode=r.integer("episode", minimum=1),
        episode_type=_EPISODE_TYPES.get(episode_type, "full"),
        description=r.text("description", multiline=True, max_len=20000) or "",
        venue=_read_venue(r),
        speakers=tuple(p for p in map(_read_speaker, r.mappings("speakers")) if p),
        topics=r.text_list("topics"),
        resources=_read_resources(r),
        recording=recording,
        trim=trim,
        redactions=redactions,
        chapters=chapters,
        transcript=_resolve_file(r, "transcript", folder, kinds=(".vtt", ".srt")),
        license=r.pattern("license", LICENSE, 'an SPDX license id such as "CC-BY-SA-4.0"'),
        explicit=r.boolean("explicit"),
        artwork=_resolve_file(
            r, "artwork", settings.paths.metadata, kinds=(".jpg", ".jpeg", ".png")
        ),
        recording_declared=declared,
        guid=r.text("guid", max_len=1000),
        turns=_read_turns(r),
        microphones=_read_microphones(r),
        transcription=_read_transcription(r),
    )
    return session if len(problems) == count else None


def suggest_session_id(value: object, fallback: str = "") -> str:
    """A valid id made from an invalid one, quoted for a message ("Réunion 16 mars" →
    "reunion-16-mars"); the usual example when nothing usable is left."""
    for text in (value, fallback):
        if isinstance(text, str | int) and not isinstance(text, bool):
            slug = slugify(str(text))
            if SLUG.fullmatch(slug):
                return f'"{slug}"'
    return '"2022-10-25-non-recours"'


def _read_turns(r: FieldReader) -> tuple[SpeakerTurn, ...]:
    """``turns:``: the speaker of each stretch of the recording, named as in ``speakers:``."""
    known = _speaker_names(r)
    turns: list[SpeakerTurn] = []
    for index, item in enumerate(r.mappings("turns")):
        item.check_keys(TURN_KEYS)
        start = item.time("start", required=True)
        speaker = item.text("speaker", required=True, max_len=200)
        if speaker is not None and speaker.strip() not in known:
            item.problem(
                "speaker",
                f'found "{speaker}"; expected the name of one of this session\'s speakers'
                f"{did_you_mean(speaker, known)}",
            )
            continue
        if start is not None and speaker is not None:
            if turns and start < turns[-1].start:
                r.problem(f"turns[{index}]", "starts before the turn above; expected time order")
            turns.append(SpeakerTurn(start, speaker.strip()))
    return tuple(turns)


def _read_microphones(r: FieldReader) -> tuple[str, ...]:
    """``microphones:``: the speaker on each channel, when the recorder kept one per track."""
    known = _speaker_names(r)
    names = r.text_list("microphones", expected="a list of speaker names, one per channel")
    for index, name in enumerate(names):
        if name.strip() not in known:
            r.problem(
                f"microphones[{index}]",
                f'found "{name}"; expected the name of one of this session\'s speakers'
                f"{did_you_mean(name, known)}",
            )
            return ()
    return tuple(n.strip() for n in names)


def _speaker_names(r: FieldReader) -> set[str]:
    return {
        str(s.get("name")).strip()
        for s in (r.raw("speakers") or [])
        if isinstance(s, Mapping) and s.get("name")
    }


def _read_transcription(r: FieldReader) -> TranscriptionChoice | None:
    """``transcription:``: this session's engine, model or language (else ``[transcripts]``)."""
    item = r.mapping("transcription")
    if item is None:
        return None
    item.check_keys(TRANSCRIPTION_KEYS)
    return TranscriptionChoice(
        engine=item.choice("engine", TRANSCRIPT_ENGINES),
        model=item.text("model"),
        language=item.pattern("language", LANGUAGE_CODE, 'a language code such as "en"'),
    )


def list_audio_files(folder: Path) -> list[Path]:
    """Every audio file in ``folder``, in the recorder's natural order."""
    if not folder.is_dir():
        return []
    names = [
        p.name
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS and not p.name.startswith(".")
    ]
    return [folder / name for name in natural_sorted(names)]


def missing_parts(names: list[str]) -> list[str]:
    """Names missing from numbered series (ZOOM0001, ZOOM0003: ZOOM0002), in natural order."""
    series: dict[tuple[str, str, int], list[int]] = {}
    for name in names:
        match = _NUMBERED.match(name)
        if match:
            prefix, number, suffix = match.groups()
            series.setdefault((prefix, suffix, len(number)), []).append(int(number))
    gaps = []
    for (prefix, suffix, width), numbers in series.items():
        present = set(numbers)
        for number in range(min(numbers), max(numbers)):
            if number not in present:
                gaps.append(f"{prefix}{number:0{width}d}{suffix}")
    return natural_sorted(gaps)


def _read_recording(r: FieldReader, folder: Path) -> tuple[tuple[Path, ...], bool]:
    if not r.has("recording"):
        found = list_audio_files(folder)
        gaps = missing_parts([p.name for p in found])
        if gaps:
            r.problem(
                "recording",
                f"recordings/{folder.name}/ has no {', '.join(gaps)} between the recorder's "
                "numbered parts; expected every part (copy it), or list the parts to publish in "
                "'recording:'",
            )
        return tuple(found), False
    names = r.text_list("recording", expected="a list of file names in recordings/<id>/")
    parts: list[Path] = []
    for index, name in enumerate(names):
        if not FILE_NAME.fullmatch(name) or name in (".", ".."):
            r.problem(
                f"recording[{index}]", f'found "{name}"; expected a file name without folders'
            )
            continue
        part = folder / name
        if not part.is_file():
            r.problem(
                f"recording[{index}]",
                f'"{name}" is not in recordings/{folder.name}/; expected an existing audio file'
                + _closest_file(name, folder),
            )
            continue
        parts.append(part)
    if len(set(names)) != len(names):
        r.problem("recording", "lists the same file twice; expected each part once")
    return tuple(parts), True


def _closest_file(name: str, folder: Path) -> str:
    """ "; did you mean ..." for a part's name: the same name in another case first (file names
    are case-sensitive), else a close one; else what the folder holds."""
    present = [p.name for p in list_audio_files(folder)]
    same = [p for p in present if p.casefold() == name.casefold()]
    if same:
        return f'; did you mean "{same[0]}"? (file names are case-sensitive)'
    by_fold = {p.casefold(): p for p in present}
    close = difflib.get_close_matches(name.casefold(), list(by_fold), n=1, cutoff=0.6)
    if close:
        return f'; did you mean "{by_fold[close[0]]}"?'
    if present:
        shown = ", ".join(present[:6]) + (", ..." if len(present) > 6 else "")
        return f" (recordings/{folder.name}/ holds {shown})"
    return ""


def _read_trim(r: FieldReader) -> Trim:
    if r.raw("trim") is False:
        return Trim(enabled=False)
    trim = r.mapping("trim")
    if trim is None:
        return Trim()
    trim.check_keys(TRIM_KEYS)
    start, end = trim.time("start"), trim.time("end")
    if start is not None and end is not None and end <= start:
        trim.problem("end", f"found {describe(trim.raw('end'))}; expected a time after start")
    return Trim(start, end)


def _read_redactions(r: FieldReader) -> tuple[Redaction, ...]:
    out: list[Redaction] = []
    for item in r.mappings("redactions"):
        item.check_keys(REDACTION_KEYS)
        start, end = item.time("start", required=True), item.time("end", required=True)
        reason = item.text("reason", max_len=500)
        if start is None or end is None:
            continue
        if end <= start:
            item.problem("end", f"found {describe(item.raw('end'))}; expected a time after start")
            continue
        out.append(Redaction(start, end, reason))
    out.sort(key=lambda x: x.start)
    for before, after in itertools.pairwise(out):
        if after.start < before.end:
            r.problem("redactions", "two ranges overlap; expected separate ranges (merge them)")
    return tuple(out)


def _read_chapters(r: FieldReader, lines: list[int]) -> tuple[Chapter, ...]:
    out: list[Chapter] = []
    for index, item in enumerate(r.mappings("chapters", label=_chapter_label(lines))):
        item.check_keys(CHAPTER_KEYS)
        start = item.time("start", required=True)
        title = item.text("title", required=True, max_len=255)
        url = item.url("url")
        if start is None or title is None:
            continue
        if out and start <= out[-1].start:
            item.problem(
                "start",
                f"found {describe(item.raw('start'))}; expected a time after the previous "
                f"chapter's ({out[-1].label(len(out))} starts at {format_time(out[-1].start)})",
            )
            continue
        line = lines[index] if index < len(lines) else None
        out.append(Chapter(start, title, url, line))
    return tuple(out)


def _chapter_label(lines: list[int]) -> Callable[[int, Mapping[str, Any]], str]:
    """'chapter 2 "Questions" (line 31), ': chapters named as the person wrote them."""

    def label(index: int, item: Mapping[str, Any]) -> str:
        title = item.get("title")
        shown = f" {describe(title)}" if isinstance(title, str) and title.strip() else ""
        where = f" (line {lines[index]})" if index < len(lines) else ""
        return f"chapter {index + 1}{shown}{where}, "

    return label


def _item_lines(path: Path, key: str) -> list[int]:
    """The line (from 1) of each item of the top-level list ``key`` in a YAML file."""
    import yaml  # noqa: PLC0415 (see _safe_loader)

    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=_safe_loader())
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key_node, value in root.value:
        if getattr(key_node, "value", None) == key and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _read_venue(r: FieldReader) -> Venue | None:
    venue = r.mapping("venue")
    if venue is None:
        return None
    venue.check_keys(VENUE_KEYS)
    name = venue.text("name", required=True, max_len=200)
    geo = _read_geo(venue)
    if name is None:
        return None
    return Venue(name, venue.text("address", max_len=300), geo, venue.url("url"))


def _read_geo(r: FieldReader) -> tuple[float, float] | None:
    value = r.raw("geo")
    if value is None:
        return None
    parts: list[Any] = (
        value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    )
    try:
        lat, lon = (float(p) for p in parts)
    except (TypeError, ValueError):
        lat = lon = float("nan")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        r.wrong("geo", 'latitude and longitude in degrees, e.g. "48.8697,2.3731"')
        return None
    return (lat, lon)


def _read_resources(r: FieldReader) -> tuple[Resource, ...]:
    out: list[Resource] = []
    for item in r.mappings("resources"):
        item.check_keys(RESOURCE_KEYS)
        title, url = item.text("title", required=True, max_len=300), item.url("url", required=True)
        if title and url:
            out.append(Resource(title, url))
    return tuple(out)


def _check_collection(sessions: list[Session], settings: Settings, problems: list[Problem]) -> None:
    """Problems that span files: duplicate ids and episode numbers."""
    ids: dict[str, Session] = {}
    for session in sessions:
        if session.id in ids:
            problems.append(
                Problem(
                    settings.paths.rel(session.source),
                    "id",
                    f'found "{session.id}", already used by '
                    f"{settings.paths.rel(ids[session.id].source)}; expected one file per session",
                )
            )
        ids.setdefault(session.id, session)
    seen: dict[tuple[int | None, int], Session] = {}
    for session in sessions:
        if session.episode is None or session.id == EXAMPLE_SESSION_ID:
            continue  # the example is never published: its number (older templates) is free
        key = (session.season, session.episode)
        if key in seen:
            problems.append(
                Problem(
                    settings.paths.rel(session.source),
                    "episode",
                    f"found {session.episode} (season {session.season}), already used by "
                    f"{settings.paths.rel(seen[key].source)}; expected a number not yet used",
                )
            )
        else:
            seen[key] = session
