"""``Settings``: the single typed configuration object, built once per run.

Precedence: defaults < ``audioarchive.toml`` < ``AUDIOARCHIVE_<SECTION>_<KEY>``
environment variables < CLI flags (applied by the caller with
:func:`dataclasses.replace`). This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from audioarchive.common.validation import FieldReader, did_you_mean
from audioarchive.errors import ConfigError, Problem

_T = TypeVar("_T")
CONFIG_FILE = "audioarchive.toml"
#: The recorder's checksums that builds and ``ingest`` write in each ``recordings/<id>/``.
RECORDING_SUMS = "SHA256SUMS"
ENV_PREFIX = "AUDIOARCHIVE_"
DEFAULT_BASE_URL = "http://localhost:8000"
PROVIDERS = (
    "aws",
    "scaleway",
    "ovh",
    "b2",
    "r2",
    "wasabi",
    "minio",
    "garage",
    "seaweedfs",
    "generic",
)
ACLS = ("public-read", "none")
ADDRESSING_STYLES = ("path", "virtual")
EXTRA_FORMATS = ("opus",)
_BITRATE = re.compile(r"^(\d{2,3})k$")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
LANGUAGE_CODE = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$")
_MP3_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


@dataclass(frozen=True)
class Paths:
    """Where everything of one workspace lives (docs/explanation/architecture.md, "A workspace")."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def metadata(self) -> Path:
        return self.root / "metadata"

    @property
    def podcast(self) -> Path:
        return self.metadata / "podcast.yaml"

    @property
    def sessions(self) -> Path:
        return self.metadata / "sessions"

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    @property
    def feed(self) -> Path:
        return self.root / "feed"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def state(self) -> Path:
        """Private build state and caches: never published, never committed."""
        return self.root / ".audioarchive"

    def rel(self, path: Path) -> str:
        """``path`` relative to the workspace when inside it, for messages."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class SiteSettings:
    base_url: str = DEFAULT_BASE_URL
    new_feed_url: str | None = None
    podcast_guid: str | None = None  # default: derived from the feed URL (feed_podcast2)
    time_zone: str | None = None  # IANA name, e.g. "Europe/Paris"; None: the machine's zone
    feed_items: int | None = None  # the newest N episodes in feed.xml (default: all)

    @property
    def zone(self) -> tzinfo | None:
        """The workspace's time zone (recorder clocks, file times); ``None``: the machine's."""
        return ZoneInfo(self.time_zone) if self.time_zone else None

    def url(self, relpath: str) -> str:
        """The public URL of a path inside ``feed/``."""
        return f"{self.base_url.rstrip('/')}/{relpath.lstrip('/')}"

    @property
    def feed_url(self) -> str:
        return self.url("feed.xml")


@dataclass(frozen=True)
class AudioSettings:
    target_lufs: float = -16.0
    true_peak: float = -1.0
    loudness_range: float = 8.0
    channels: int = 1
    sample_rate: int = 44100
    bitrate: str = "96k"
    extra_formats: tuple[str, ...] = ()
    opus_bitrate: str = "48k"
    levelling: bool = True
    denoise: bool = True  # hum notches, rumble high-pass, room-noise gate (public files only)
    denoise_strength: float = 12.0  # dB: the most the room noise is lowered

    @property
    def bitrate_kbps(self) -> int:
        return int(self.bitrate.removesuffix("k"))


@dataclass(frozen=True)
class StorageSettings:
    """One S3 target: ``url = "s3://bucket/prefix"`` plus its endpoint."""

    url: str
    bucket: str
    prefix: str
    endpoint_url: str | None = None
    region: str | None = None
    provider: str = "generic"
    public_url: str | None = None
    acl: str | None = None  # None: the provider's preset
    addressing_style: str | None = None  # None: the provider's preset
    concurrency: int = 4
    timeout: float = 20.0  # seconds, per connection attempt and per read
    profile: str | None = None  # a profile of ~/.aws/credentials and ~/.aws/config


@dataclass(frozen=True)
class ToolSettings:
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"


MasterFormat = Literal["flac", "bwf", "both"]  # FLAC, Broadcast WAV, or both
MASTER_FORMATS: dict[str, MasterFormat] = {"flac": "flac", "bwf": "bwf", "both": "both"}


@dataclass(frozen=True)
class ArchiveSettings:
    master: MasterFormat = "flac"


TRANSCRIPT_ENGINES = ("none", "pocketsphinx", "faster-whisper")


@dataclass(frozen=True)
class TranscriptSettings:
    """Machine transcription (``[transcripts]``): off unless an engine is chosen."""

    engine: str = "none"
    model: str | None = None  # a name (a folder of models_dir) or a folder; None: the default
    language: str | None = None  # None: the show's language
    models_dir: str = ".audioarchive/models"  # relative to the workspace, or absolute


@dataclass(frozen=True)
class Settings:
    paths: Paths
    site: SiteSettings = field(default_factory=SiteSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    storage: StorageSettings | None = None
    archive_storage: StorageSettings | None = None
    tools: ToolSettings = field(default_factory=ToolSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    transcripts: TranscriptSettings = field(default_factory=TranscriptSettings)


SECTIONS: dict[str, tuple[str, ...]] = {
    "site": ("base_url", "new_feed_url", "podcast_guid", "time_zone", "feed_items"),
    "audio": (
        "target_lufs",
        "true_peak",
        "loudness_range",
        "channels",
        "sample_rate",
        "bitrate",
        "extra_formats",
        "opus_bitrate",
        "levelling",
        "denoise",
        "denoise_strength",
    ),
    "storage": (
        "url",
        "endpoint_url",
        "region",
        "provider",
        "public_url",
        "acl",
        "addressing_style",
        "concurrency",
        "timeout",
        "profile",
    ),
    "archive_storage": (
        "url",
        "endpoint_url",
        "region",
        "provider",
        "addressing_style",
        "concurrency",
        "timeout",
        "profile",
    ),
    "tools": ("ffmpeg", "ffprobe"),
    "archive": ("master",),  # after archive_storage: AUDIOARCHIVE_ARCHIVE_STORAGE_* is not ours
    "transcripts": ("engine", "model", "language", "models_dir"),
}


def load_settings(root: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``audioarchive.toml`` (optional) and the environment; raise ``ConfigError``."""
    environ = os.environ if environ is None else environ
    paths = Paths(root.resolve())
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    if paths.config.is_file():
        try:
            data = tomllib.loads(paths.config.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(
                [Problem(CONFIG_FILE, "", "not UTF-8 text; expected a TOML file in UTF-8")]
            ) from None
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(
                [Problem(CONFIG_FILE, "", f"not valid TOML ({err}); expected TOML syntax")]
            ) from None
    sources = _apply_environment(data, environ, problems)
    settings = _read_settings(paths, data, problems)
    if problems:
        raise ConfigError([_attribute(p, sources) for p in problems])
    return settings


def _apply_environment(
    data: dict[str, Any], environ: Mapping[str, str], problems: list[Problem]
) -> dict[str, str]:
    """Overlay ``AUDIOARCHIVE_<SECTION>_<KEY>`` variables; return field → variable name."""
    sources: dict[str, str] = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name == f"{ENV_PREFIX}WORKSPACE":
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        section = next((s for s in SECTIONS if rest.startswith(f"{s}_")), None)
        key = rest[len(section) + 1 :] if section else ""
        if section is None or key not in SECTIONS[section]:
            problems.append(
                Problem(name, "", "unknown setting variable; see docs/reference/config.md")
            )
            continue
        table = data.setdefault(section, {})
        if isinstance(table, dict):
            table[key] = _parse_env_value(raw)
            sources[f"{section}.{key}"] = name
    return sources


def _parse_env_value(raw: str) -> Any:
    """A TOML value when it parses as one (numbers, booleans, lists), else the text."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _attribute(problem: Problem, sources: dict[str, str]) -> Problem:
    if problem.file == CONFIG_FILE and problem.field in sources:
        return Problem(f"${sources[problem.field]}", "", problem.message)
    return problem


def _read_settings(paths: Paths, data: dict[str, Any], problems: list[Problem]) -> Settings:
    top = FieldReader(problems, CONFIG_FILE, data)
    top.check_keys(SECTIONS)
    site = _read_site(top.mapping("site"))
    audio = _read_audio(top.mapping("audio"))
    storage = _read_storage(top.mapping("storage"))
    archive_storage = _read_storage(top.mapping("archive_storage"))
    tools_reader = top.mapping("tools")
    tools = ToolSettings()
    if tools_reader is not None:
        tools_reader.check_keys(SECTIONS["tools"])
        tools = ToolSettings(
            ffmpeg=tools_reader.text("ffmpeg") or "ffmpeg",
            ffprobe=tools_reader.text("ffprobe") or "ffprobe",
        )
    archive_reader = top.mapping("archive")
    archive = ArchiveSettings()
    if archive_reader is not None:
        archive_reader.check_keys(SECTIONS["archive"])
        choice = archive_reader.choice("master", MASTER_FORMATS) or "flac"
        archive = ArchiveSettings(master=MASTER_FORMATS[choice])
    transcripts = _read_transcripts(top.mapping("transcripts"))
    return Settings(paths, site, audio, storage, archive_storage, tools, archive, transcripts)


def _read_transcripts(reader: FieldReader | None) -> TranscriptSettings:
    if reader is None:
        return TranscriptSettings()
    reader.check_keys(SECTIONS["transcripts"])
    return TranscriptSettings(
        engine=reader.choice("engine", TRANSCRIPT_ENGINES) or "none",
        model=reader.text("model"),
        language=reader.pattern("language", LANGUAGE_CODE, 'a language code such as "en" or "fr"'),
        models_dir=reader.text("models_dir") or TranscriptSettings.models_dir,
    )


def _read_site(reader: FieldReader | None) -> SiteSettings:
    if reader is None:
        return SiteSettings()
    reader.check_keys(SECTIONS["site"])
    base_url = reader.url("base_url") or DEFAULT_BASE_URL
    guid = reader.pattern(
        "podcast_guid", _UUID, 'a UUID such as "917393e3-1b1e-5cef-ace4-edaa54e1f810"'
    )
    return SiteSettings(
        base_url=base_url.rstrip("/"),
        new_feed_url=reader.url("new_feed_url"),
        podcast_guid=guid.lower() if guid else None,
        time_zone=_read_time_zone(reader),
        feed_items=reader.integer("feed_items", minimum=1),
    )


def _read_time_zone(reader: FieldReader) -> str | None:
    name = reader.text("time_zone", expected='a time zone name such as "Europe/Paris"')
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        known = available_timezones()
        hint = did_you_mean(name, known) or did_you_mean(name.replace(" ", "_").title(), known)
        reader.wrong("time_zone", f'a time zone name such as "Europe/Paris"{hint}')
        return None
    return name


def _read_audio(reader: FieldReader | None) -> AudioSettings:
    default = AudioSettings()
    if reader is None:
        return default
    reader.check_keys(SECTIONS["audio"])
    bitrate = reader.text("bitrate") or default.bitrate
    match = _BITRATE.match(bitrate)
    if match is None or int(match.group(1)) not in _MP3_BITRATES:
        reader.wrong("bitrate", 'an MP3 bitrate such as "64k", "96k" or "128k"')
        bitrate = default.bitrate
    formats = reader.text_list("extra_formats")
    for name in formats:
        if name not in EXTRA_FORMATS:
            reader.problem(
                "extra_formats", f'found "{name}"; expected a list of: {", ".join(EXTRA_FORMATS)}'
            )
    opus_bitrate = reader.text("opus_bitrate") or default.opus_bitrate
    if not _BITRATE.match(opus_bitrate):
        reader.wrong("opus_bitrate", 'a bitrate such as "32k" or "48k"')
        opus_bitrate = default.opus_bitrate
    return AudioSettings(
        target_lufs=_or(reader.number("target_lufs", minimum=-40, maximum=-5), default.target_lufs),
        true_peak=_or(reader.number("true_peak", minimum=-9, maximum=0), default.true_peak),
        loudness_range=_or(
            reader.number("loudness_range", minimum=3, maximum=30), default.loudness_range
        ),
        channels=_or(reader.integer("channels", minimum=1, maximum=2), default.channels),
        sample_rate=_or(
            reader.integer("sample_rate", minimum=22050, maximum=48000), default.sample_rate
        ),
        bitrate=bitrate,
        extra_formats=tuple(f for f in formats if f in EXTRA_FORMATS),
        opus_bitrate=opus_bitrate,
        levelling=_or(reader.boolean("levelling"), default.levelling),
        denoise=_or(reader.boolean("denoise"), default.denoise),
        denoise_strength=_or(
            reader.number("denoise_strength", minimum=0, maximum=24), default.denoise_strength
        ),
    )


def _read_storage(reader: FieldReader | None) -> StorageSettings | None:
    if reader is None:
        return None
    section = reader.prefix.rstrip(".")
    reader.check_keys(SECTIONS[section])
    url = reader.text("url", required=True, expected='an "s3://bucket/prefix" URL')
    provider = reader.choice("provider", PROVIDERS) or "generic"
    endpoint = reader.url("endpoint_url")
    region = reader.text("region")
    public_url = reader.url("public_url") if section == "storage" else None
    acl = reader.choice("acl", ACLS) if section == "storage" else None
    addressing_style = reader.choice("addressing_style", ADDRESSING_STYLES)
    concurrency = reader.integer("concurrency", minimum=1, maximum=32)
    timeout = reader.number("timeout", minimum=1, maximum=600)
    profile = reader.text("profile")
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        reader.wrong("url", 'an "s3://bucket/prefix" URL')
        return None
    return StorageSettings(
        url=url,
        bucket=parts.netloc,
        prefix=parts.path.strip("/"),
        endpoint_url=endpoint,
        region=region,
        provider=provider,
        public_url=public_url,
        acl=acl,
        addressing_style=addressing_style,
        concurrency=_or(concurrency, StorageSettings.concurrency),
        timeout=float(_or(timeout, StorageSettings.timeout)),
        profile=profile,
    )


def _or(value: _T | None, default: _T) -> _T:
    return default if value is None else value
