"""[archive] master = "bwf" / "both": the Broadcast WAV master read back by mediainfo (bext,
INFO), its PCM compared with the decoded recorder parts, its cue points by a RIFF walk written
here (independent of bwf.py); RF64 sizes; the recorder's files untouched."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from audioarchive.archive.bwf import CuePoint, append_chunks, chunk_ids, cue_chunks
from audioarchive.config import load_settings
from audioarchive.errors import ConfigError
from tests.helpers import Ws, ffmpeg, new_workspace

SID = "2026-03-12-budget"
RATE = 48000
TOML = '[site]\nbase_url = "http://localhost:8000"\n[archive]\nmaster = "{mode}"\n'
needs_mediainfo = pytest.mark.skipif(
    shutil.which("mediainfo") is None, reason="mediainfo not installed (make setup-test)"
)


def _workspace(root: Path, mode: str) -> Ws:
    ws = new_workspace(root, toml=TOML.format(mode=mode))
    ws.recording(SID, "ZOOM0001.WAV", seconds=3.0, frequency=300)
    ws.recording(SID, "ZOOM0002.WAV", seconds=2.0, frequency=500)
    ws.write_session(
        SID,
        title="Le budget participatif",
        date="2026-03-12T19:30:00+01:00",
        chapters=[
            {"start": "0:00", "title": "Accueil"},
            {"start": "0:03.5", "title": "Débat"},
        ],
    )
    result = ws.run("build")
    assert result.exit_code == 0, result.output
    return ws


@pytest.fixture(scope="module")
def bwf_ws(tmp_path_factory: pytest.TempPathFactory) -> Ws:
    return _workspace(tmp_path_factory.mktemp("bwf"), "bwf")


def _pcm(*inputs: Path) -> str:
    """MD5 of the decoded samples (s16) of the inputs joined in order."""
    args: list[str] = []
    for path in inputs:
        args += ["-i", str(path)]
    graph = "".join(f"[{i}:a:0]" for i in range(len(inputs))) + f"concat=n={len(inputs)}:v=0:a=1"
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", *args, "-filter_complex", graph, "-f", "s16le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return hashlib.md5(out).hexdigest()  # noqa: S324 (a fingerprint, not security)


def riff_chunks(data: bytes) -> dict[bytes, list[bytes]]:
    """Every top-level chunk of a RIFF/RF64 WAVE file, by fourcc (a minimal reader)."""
    assert data[:4] in (b"RIFF", b"RF64")
    assert data[8:12] == b"WAVE"
    chunks: dict[bytes, list[bytes]] = {}
    offset = 12
    while offset + 8 <= len(data):
        fourcc, size = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        if size == 0xFFFFFFFF and fourcc == b"data":  # RF64: the size is in ds64
            size = struct.unpack_from("<Q", chunks[b"ds64"][0], 8)[0]
        chunks.setdefault(fourcc, []).append(data[offset + 8 : offset + 8 + size])
        offset += 8 + size + (size % 2)
    return chunks


def read_cues(data: bytes) -> list[tuple[int, str]]:
    chunks = riff_chunks(data)
    (cue,) = chunks[b"cue "]
    count = struct.unpack_from("<I", cue)[0]
    positions = {}
    for index in range(count):
        name, _, chunk, _, _, sample = struct.unpack_from("<II4sIII", cue, 4 + 24 * index)
        assert chunk == b"data"
        positions[name] = sample
    labels = {}
    for listed in chunks[b"LIST"]:
        if listed[:4] != b"adtl":
            continue
        offset = 4
        while offset < len(listed):
            size = struct.unpack_from("<I", listed, offset + 4)[0]
            body = listed[offset + 8 : offset + 8 + size]
            labels[struct.unpack_from("<I", body)[0]] = body[4:].rstrip(b"\0").decode()
            offset += 8 + size + (size % 2)
    return [(positions[n], labels[n]) for n in sorted(positions)]


def _mediainfo(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["mediainfo", "--Output=JSON", str(path)], capture_output=True, check=True, text=True
    ).stdout
    general: dict[str, Any] = json.loads(out)["media"]["track"][0]
    return general


def test_the_bwf_master_holds_the_parts_samples_exactly(bwf_ws: Ws) -> None:
    master = bwf_ws.root / "archive" / SID / f"{SID}.wav"
    parts = [bwf_ws.root / "recordings" / SID / f"ZOOM000{n}.WAV" for n in (1, 2)]
    assert _pcm(master) == _pcm(*parts)
    assert not (bwf_ws.root / "archive" / SID / f"{SID}.flac").exists()
    sums = (bwf_ws.root / "archive" / "manifest-sha256.txt").read_text()
    assert f"  {SID}/{SID}.wav\n" in sums
    record = json.loads((bwf_ws.root / "archive" / SID / f"{SID}.json").read_text())
    masters = [f for f in record["files"] if f["role"] == "master"]
    assert [m["path"] for m in masters] == [f"archive/{SID}/{SID}.wav"]


@needs_mediainfo
def test_mediainfo_reads_the_bext_and_info_chunks(bwf_ws: Ws) -> None:
    general = _mediainfo(bwf_ws.root / "archive" / SID / f"{SID}.wav")
    assert general["extra"]["bext_Present"] == "Yes"
    assert general["Description"] == "Le budget participatif"  # bext Description
    assert general["Producer"] == "Test association"  # bext Originator
    assert general["extra"]["Producer_Reference"] == SID  # bext OriginatorReference
    assert general["Encoded_Date"] == "2026-03-12 19:30:00"  # bext OriginationDate/Time
    history = general["Encoded_Library_Settings"]
    assert "A=PCM,F=48000,W=16,M=stereo,T=ZOOM0001.WAV" in history
    assert "T=ZOOM0002.WAV" in history
    assert "2 parts joined in order, sample-exactly" in history
    assert general["Title"] == "Le budget participatif"  # INFO INAM
    assert general["Recorded_Date"] == "2026-03-12"  # INFO ICRD


def test_chapters_come_back_as_cue_points_at_their_samples(bwf_ws: Ws) -> None:
    master = bwf_ws.root / "archive" / SID / f"{SID}.wav"
    data = master.read_bytes()
    assert read_cues(data) == [(0, "Accueil"), (round(3.5 * RATE), "Débat")]
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(master)],
        capture_output=True,
        text=True,
        check=True,
    )
    chapters = json.loads(probe.stdout)["chapters"]  # ffprobe reads cue + labl as chapters
    assert [(c["time_base"], c["start"], c["tags"]["title"]) for c in chapters] == [
        (f"1/{RATE}", 0, "Accueil"),
        (f"1/{RATE}", round(3.5 * RATE), "Débat"),
    ]
    bext = riff_chunks(data)[b"bext"][0]
    time_reference = struct.unpack_from("<Q", bext, 256 + 32 + 32 + 10 + 8)[0]
    assert time_reference == (19 * 3600 + 30 * 60) * RATE  # samples since midnight


def test_validate_checks_the_chunks(bwf_ws: Ws) -> None:
    master = bwf_ws.root / "archive" / SID / f"{SID}.wav"
    assert {"bext", "data", "cue ", "LIST"} <= set(chunk_ids(master))
    result = bwf_ws.run("validate")
    assert result.exit_code == 0, result.output


def test_recorder_files_stay_unchanged_and_a_rebuild_is_idle(bwf_ws: Ws) -> None:
    part = bwf_ws.root / "recordings" / SID / "ZOOM0001.WAV"
    before = part.read_bytes()
    result = bwf_ws.run("build")
    assert result.exit_code == 0, result.output
    assert f"{SID}  up to date" in result.output
    assert part.read_bytes() == before
    assert bwf_ws.run("verify").exit_code == 0


def test_switching_to_both_adds_the_bwf_without_rendering_again(built: Ws) -> None:
    """The built workspace (conftest) has FLAC masters; with "both", a build derives the
    Broadcast WAV from each FLAC (no audio render), sample for sample."""
    sid = "2022-10-25-a"
    (built.root / "audioarchive.toml").write_text(TOML.format(mode="both"))
    result = built.run("build")
    assert result.exit_code == 0, result.output
    assert f"{sid}  re-tagged" in result.output
    folder = built.root / "archive" / sid
    assert _pcm(folder / f"{sid}.wav") == _pcm(folder / f"{sid}.flac")
    assert _pcm(folder / f"{sid}.wav") == _pcm(
        *(built.root / "recordings" / sid / f"ZOOM000{n}.WAV" for n in (1, 2))
    )
    sums = (built.root / "archive" / "manifest-sha256.txt").read_text()
    assert f"  {sid}/{sid}.wav\n" in sums
    assert f"  {sid}/{sid}.flac\n" in sums
    assert built.run("verify").exit_code == 0
    again = built.run("build")
    assert f"{sid}  up to date" in again.output


def test_cue_chunks_in_an_rf64_file_update_ds64(tmp_path: Path) -> None:
    wav = tmp_path / "rf64.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-rf64", "always", "-c:a", "pcm_s16le", str(wav))
    assert wav.read_bytes()[:4] == b"RF64"
    append_chunks(wav, cue_chunks([CuePoint(4410, "Deux")]))
    data = wav.read_bytes()
    assert struct.unpack_from("<Q", data, 20)[0] == len(data) - 8  # ds64 riffSize
    assert read_cues(data) == [(4410, "Deux")]
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(wav)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(probe.stdout) == pytest.approx(1.0, abs=0.01)  # still a readable file


def test_the_master_setting_is_read_from_the_file_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / "audioarchive.toml").write_text('[archive]\nmaster = "both"\n')
    assert load_settings(tmp_path, environ={}).archive.master == "both"
    environ = {
        "AUDIOARCHIVE_ARCHIVE_MASTER": "bwf",
        "AUDIOARCHIVE_ARCHIVE_STORAGE_URL": "s3://masters/archive",
    }
    settings = load_settings(tmp_path, environ=environ)
    assert settings.archive.master == "bwf"
    assert settings.archive_storage is not None
    assert settings.archive_storage.bucket == "masters"
    (tmp_path / "audioarchive.toml").write_text('[archive]\nmaster = "wav"\n')
    with pytest.raises(ConfigError, match=r"archive\.master: found \"wav\""):
        load_settings(tmp_path, environ={})
