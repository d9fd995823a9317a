"""``bag``: BagIt bags checked by the bagit library's own command; damage found and named by
bagit.py and by ``verify``; a damaged source is never bagged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bagit  # type: ignore[import-untyped]

from tests.helpers import Ws

SID = "2022-10-25-a"  # of the built workspace (conftest): two parts, chapters
BAGIT = str(Path(sys.executable).parent / "bagit.py")


def _bagit_validate(bag: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, BAGIT, "--validate", str(bag)],
        capture_output=True,
        text=True,
        check=False,
    )


def _flip(path: Path, offset: int = -50) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_session_bag_is_valid_for_bagit_and_complete(built: Ws, tmp_path: Path) -> None:
    ws = built
    result = ws.run("bag", SID, str(tmp_path / "bags"))
    assert result.exit_code == 0, result.output
    bag_dir = tmp_path / "bags" / SID
    assert result.output.splitlines()[0] == str(bag_dir)
    checked = _bagit_validate(bag_dir)
    assert checked.returncode == 0, checked.stderr
    assert "is valid" in checked.stderr
    bag = bagit.Bag(str(bag_dir))
    assert bag.version_info == (1, 0)
    assert set(bag.algorithms) == {"sha256", "sha512"}
    for name in ("manifest", "tagmanifest"):
        for algorithm in ("sha256", "sha512"):
            assert (bag_dir / f"{name}-{algorithm}.txt").is_file()
    info = bag.info
    assert info["Source-Organization"] == "Test association"
    assert info["Contact-Name"] == "Test association"
    assert info["Contact-Email"] == "owner@example.org"
    assert info["External-Description"] == f"Test meetings: Session {SID} (2022-10-25)."
    assert info["External-Identifier"] == SID
    assert info["Audioarchive-Sidecar-Version"] == "1"
    assert len(info["Bagging-Date"]) == 10
    payload = set(bag.payload_files())
    original = ws.root / "recordings" / SID / "ZOOM0001.WAV"
    assert (bag_dir / "data" / "recordings" / SID / "ZOOM0001.WAV").read_bytes() == (
        original.read_bytes()
    )
    octets = sum((bag_dir / p).stat().st_size for p in payload)
    assert info["Payload-Oxum"] == f"{octets}.{len(payload)}"
    for expected in (
        f"data/archive/{SID}/{SID}.flac",
        f"data/archive/{SID}/{SID}.json",
        f"data/archive/{SID}/{SID}.events.jsonl",
        f"data/recordings/{SID}/ZOOM0002.WAV",
    ):
        assert expected in payload
    assert any(p.startswith(f"data/feed/episodes/{SID}/") and p.endswith(".mp3") for p in payload)

    again = ws.run("bag", SID, str(tmp_path / "bags"))
    assert again.exit_code == 2
    assert f"{bag_dir}: exists already" in again.output


def test_one_changed_payload_byte_is_named_by_bagit_and_by_verify(
    built: Ws, tmp_path: Path
) -> None:
    ws = built
    assert ws.run("bag", SID, str(tmp_path / "bags")).exit_code == 0
    bag_dir = tmp_path / "bags" / SID
    damaged = bag_dir / "data" / "recordings" / SID / "ZOOM0001.WAV"
    _flip(damaged)
    checked = _bagit_validate(bag_dir)
    assert checked.returncode != 0
    assert f"data/recordings/{SID}/ZOOM0001.WAV sha256 validation failed" in checked.stderr
    result = ws.run("verify")
    assert result.exit_code == 1
    assert f"{damaged}: CHANGED" in result.output
    _flip(damaged)  # repaired: both agree again
    assert _bagit_validate(bag_dir).returncode == 0
    result = ws.run("verify")
    assert result.exit_code == 0, result.output


def test_the_collection_bag(built: Ws, tmp_path: Path) -> None:
    ws = built
    result = ws.run("bag", str(tmp_path / "bags"))
    assert result.exit_code == 0, result.output
    bag_dir = tmp_path / "bags" / "collection"
    assert _bagit_validate(bag_dir).returncode == 0
    payload = set(bagit.Bag(str(bag_dir)).payload_files())
    assert {"data/archive/catalog.json", "data/feed/feed.xml"} <= payload
    assert f"data/recordings/{SID}/ZOOM0001.WAV" in payload
    assert "data/recordings/2023-01-19-c/phone.m4a" in payload
    assert bagit.Bag(str(bag_dir)).info["External-Identifier"].endswith("/feed.xml")


def test_a_damaged_source_is_not_bagged(built: Ws, tmp_path: Path) -> None:
    ws = built
    master = ws.root / "archive" / SID / f"{SID}.flac"
    _flip(master)
    try:
        result = ws.run("bag", SID, str(tmp_path / "bags"))
    finally:
        _flip(master)
    assert result.exit_code == 1
    assert f"archive/{SID}/{SID}.flac: sha256" in result.output
    assert "differs from the checksum recorded for it" in result.output
    assert not (tmp_path / "bags").exists() or not any((tmp_path / "bags").iterdir())


def test_an_unbuilt_or_unknown_session_is_refused(built: Ws, tmp_path: Path) -> None:
    result = built.run("bag", "2099-01-01-nothing", str(tmp_path / "bags"))
    assert result.exit_code == 2
    assert 'no session "2099-01-01-nothing"' in result.output
