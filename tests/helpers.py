"""Test helpers: workspaces, recordings made with ffmpeg lavfi, CLI runs."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from audioarchive.cli import cli

PACKAGE_ARTWORK = (
    Path(__file__).resolve().parents[1]
    / "src/audioarchive/templates/workspace/metadata/artwork.png"
)

SHOW: dict[str, Any] = {
    "title": "Test meetings",
    "description": "Recordings of *test* meetings.",
    "language": "fr",
    "author": "Test association",
    "owner": {"name": "Test association", "email": "owner@example.org"},
    "artwork": "artwork.png",
    "categories": ["Government", "News > Politics"],
    "explicit": False,
    "license": "CC-BY-SA-4.0",
}


def examples(count: int) -> int:
    """``count`` Hypothesis examples in `make test`; the fuzz profile's number in `make fuzz`."""
    if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz":
        return int(os.environ.get("FUZZ_EXAMPLES", "2000"))
    return count


def name_encodings(name: str) -> dict[str, bytes]:
    """Every byte form a name can take in a file: UTF-8 (feeds, pages, JSON, Vorbis comments,
    ID3v2.4), UTF-16LE and UTF-16BE (ID3v2.3 text frames, MP4 and Windows tools), each in
    Unicode's composed (NFC) and decomposed (NFD) forms ("é" as one code point or two)."""
    forms: dict[str, bytes] = {}
    for normal in ("NFC", "NFD"):
        text = unicodedata.normalize(normal, name)
        for codec in ("utf-8", "utf-16-le", "utf-16-be"):
            forms.setdefault(f"{codec} {normal}", text.encode(codec))
    return {label: data for label, data in forms.items() if data not in _distinct(forms, label)}


def _distinct(forms: dict[str, bytes], label: str) -> list[bytes]:
    """The byte forms listed before ``label`` (NFD of an ASCII name is its NFC: one check)."""
    keys = list(forms)
    return [forms[k] for k in keys[: keys.index(label)]]


def assert_never_named(name: str, paths: Iterable[Path]) -> int:
    """Fail naming the file and the encoding when any of ``paths`` holds ``name`` in any byte
    form (:func:`name_encodings`); return how many files were scanned."""
    forms = name_encodings(name)
    scanned = 0
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes()
        found = [label for label, encoded in forms.items() if encoded in data]
        assert not found, f"{path}: names {name!r} ({', '.join(found)})"
        scanned += 1
    return scanned


def ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *args],
        check=True,
        capture_output=True,
    )


def make_tone(
    path: Path,
    seconds: float = 6.0,
    *,
    rate: int = 48000,
    channels: int = 2,
    volume_db: float = -20.0,
    frequency: int = 440,
    codec: Sequence[str] = ("-c:a", "pcm_s16le"),
    noise: float = 0.003,
) -> Path:
    """A tone with a syllable-like tremolo over pink room tone: speech-ish, fast to make."""
    path.parent.mkdir(parents=True, exist_ok=True)
    layout = "stereo" if channels == 2 else "mono"
    graph = (
        f"sine=frequency={frequency}:sample_rate={rate}:duration={seconds},volume={volume_db}dB,"
        f"tremolo=f=3:d=0.6[s];"
        f"anoisesrc=color=pink:amplitude={noise}:sample_rate={rate}:duration={seconds}:seed=3[n];"
        f"[s][n]amix=inputs=2:normalize=0,aformat=channel_layouts={layout}"
    )
    ffmpeg("-filter_complex", graph, "-ar", str(rate), *codec, str(path))
    return path


@dataclass
class Ws:
    root: Path

    @property
    def sessions(self) -> Path:
        return self.root / "metadata" / "sessions"

    def write_session(self, session_id: str, **fields: Any) -> Path:
        data: dict[str, Any] = {"id": session_id, "title": f"Session {session_id}"}
        data.update(fields)
        path = self.sessions / f"{session_id}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    def recording(self, session_id: str, name: str = "ZOOM0001.WAV", **tone: Any) -> Path:
        return make_tone(self.root / "recordings" / session_id / name, **tone)

    def run(self, *args: str, **kwargs: Any) -> Result:
        return run_cli(["--workspace", str(self.root), *args], **kwargs)


@contextlib.contextmanager
def held_by_another(lock: Path, holder: str) -> Iterator[None]:
    """The lock file ``lock`` held as another process holds it (a lock on a file opened
    apart: this process's own locks are re-entrant), ``holder`` written as the refusal
    names it ("publish (pid 4242)")."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"{holder}\n".encode())
        yield
    finally:
        os.close(fd)


def copy_workspace(template: Path, root: Path) -> Ws:
    """A private copy at ``root`` of a workspace built once (links kept as links)."""
    shutil.copytree(template, root, symlinks=True)
    return Ws(root)


def new_workspace(root: Path, show: dict[str, Any] | None = None, toml: str = "") -> Ws:
    (root / "metadata" / "sessions").mkdir(parents=True, exist_ok=True)
    (root / "recordings").mkdir(exist_ok=True)
    shutil.copyfile(PACKAGE_ARTWORK, root / "metadata" / "artwork.png")
    (root / "metadata" / "podcast.yaml").write_text(
        yaml.safe_dump(show or SHOW, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    (root / "audioarchive.toml").write_text(toml or '[site]\nbase_url = "http://localhost:8000"\n')
    return Ws(root)


def run_cli(args: Sequence[str], input: str | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)
