"""Fixity: ``verify`` finds a single flipped byte, a missing file, an untracked one."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from audioarchive.archive.fixity import parse_manifest, render_manifest, verify_local
from audioarchive.config import load_settings
from tests.helpers import Ws

MASTER = "archive/2022-10-25-a/2022-10-25-a.flac"


def _flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if offset is None else offset
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_verify_passes_on_a_fresh_build(built: Ws) -> None:
    result = built.run("verify")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    report = verify_local(load_settings(built.root))
    sources = {c.source for c in report.checks}
    assert sources == {"archive manifest", "build record", "recordings SHA256SUMS"}
    assert f"OK: {len(report.verified)} file(s) match their checksums." in result.stderr
    # flac, json, loudness; catalog; 3 MP3s; the 4 recorder's files (copied by hand, recorded
    # by the first build)
    assert len(report.verified) == 3 * 3 + 1 + 3 + 4


def test_a_single_flipped_byte_in_a_master_is_found(built: Ws) -> None:
    _flip_byte(built.root / MASTER)
    result = built.run("verify")
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"{MASTER}: CHANGED (sha256 ")
    assert "from the archive manifest)" in line
    assert "1 problem(s);" in result.stderr
    data = json.loads(built.run("verify", "--json").stdout)
    assert data["ok"] is False
    assert [f["path"] for f in data["failed"]] == [MASTER]


def test_missing_and_untracked_files(built: Ws) -> None:
    (built.root / "archive" / "2022-11-24-b" / "2022-11-24-b.loudness.json").unlink()
    (built.root / "archive" / "notes.txt").write_text("mine\n")
    mp3 = next((built.root / "feed").glob("episodes/2023-01-19-c/*.mp3"))
    _flip_byte(mp3, offset=mp3.stat().st_size - 10)
    result = built.run("verify")
    assert result.exit_code == 1
    missing, changed = result.stdout.splitlines()
    assert missing == (
        "archive/2022-11-24-b/2022-11-24-b.loudness.json: MISSING (listed in the archive manifest)"
    )
    assert changed.startswith(f"feed/{mp3.relative_to(built.root / 'feed').as_posix()}: CHANGED")
    assert changed.endswith("from the build record)")
    assert "warning: archive/notes.txt: untracked (not in the manifest)" in result.stderr


def test_recordings_are_checked_against_their_sha256sums(built: Ws) -> None:
    folder = built.root / "recordings" / "2022-11-24-b"
    digest = hashlib.sha256((folder / "meeting.flac").read_bytes()).hexdigest()
    (folder / "SHA256SUMS").write_text(f"{digest}  meeting.flac\n{'0' * 64}  gone.wav\n")
    result = built.run("verify")
    assert result.exit_code == 1
    assert result.stdout == (
        "recordings/2022-11-24-b/gone.wav: MISSING (listed in the recordings SHA256SUMS)\n"
    )


def test_verify_works_when_the_metadata_no_longer_loads(built: Ws) -> None:
    (built.sessions / "broken.yaml").write_text("id: [unclosed\n")
    assert built.run("build").exit_code == 2
    assert built.run("verify").exit_code == 0


def test_a_damaged_master_is_never_retagged(built: Ws) -> None:
    """A metadata change would re-tag the master and record new checksums: refused when the
    master no longer matches, so the damage stays visible; --force rebuilds it."""
    _flip_byte(built.root / MASTER)
    built.write_session(
        "2022-10-25-a", title="Renamed", date="2022-10-25T19:00:00+02:00", season=1, episode=1
    )
    result = built.run("build")
    assert result.exit_code == 1
    assert f"2022-10-25-a: {MASTER}: differs from the checksum recorded" in result.stderr
    assert built.run("verify").exit_code == 1
    assert built.run("build", "--force", "2022-10-25-a").exit_code == 0
    assert built.run("verify").exit_code == 0


def test_a_removed_sessions_master_keeps_its_checksum(built: Ws) -> None:
    (built.sessions / "2022-11-24-b.yaml").unlink()
    assert built.run("build").exit_code == 0
    manifest = (built.root / "archive" / "manifest-sha256.txt").read_text()
    assert "  2022-11-24-b/2022-11-24-b.flac\n" in manifest
    _flip_byte(built.root / "archive" / "2022-11-24-b" / "2022-11-24-b.flac")
    assert built.run("verify").exit_code == 1


def test_a_missing_manifest_and_bad_lines_are_problems(built: Ws) -> None:
    manifest = built.root / "archive" / "manifest-sha256.txt"
    text = manifest.read_text()
    manifest.write_text(text + "not a checksum line\n")
    result = built.run("verify")
    assert result.exit_code == 1
    assert f"archive/manifest-sha256.txt: line {len(text.splitlines()) + 1}: expected" in (
        result.stdout
    )
    manifest.unlink()
    result = built.run("verify")
    assert result.exit_code == 1
    assert "archive/manifest-sha256.txt: missing; expected the checksums" in result.stdout


def test_manifest_format_round_trips() -> None:
    entries = {"b/x.flac": "a" * 64, "a.json": "b" * 64}
    text = render_manifest(entries).decode()
    assert text == f"{'b' * 64}  a.json\n{'a' * 64}  b/x.flac\n"
    assert parse_manifest(text, "m") == (entries, [])
    assert parse_manifest(f"{'c' * 64} *binary.flac\n", "m")[0] == {"binary.flac": "c" * 64}
    assert parse_manifest(f"{'c' * 64}  ../escape\n", "m")[1][0].field == "line 1"


def test_nothing_to_verify_in_an_empty_workspace(workspace: Ws) -> None:
    result = workspace.run("verify")
    assert result.exit_code == 0
    assert "Nothing to verify yet" in result.stderr


def test_a_recording_copied_by_hand_is_checked_after_its_first_build(built: Ws) -> None:
    """The README allows copying into recordings/ by hand: such a file is checked too."""
    part = built.root / "recordings" / "2022-10-25-a" / "ZOOM0002.WAV"
    sums = (built.root / "recordings" / "2022-10-25-a" / "SHA256SUMS").read_text()
    assert sums.splitlines() == [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}"
        for p in sorted(part.parent.glob("ZOOM*.WAV"))
    ]
    _flip_byte(part, offset=part.stat().st_size - 100)  # one bit of one sample
    result = built.run("verify")
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("recordings/2022-10-25-a/ZOOM0002.WAV: CHANGED (sha256 ")
    assert "from the recordings SHA256SUMS)" in line
