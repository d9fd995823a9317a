"""The fixity history: ingest, build and verify append PREMIS-like events; show gives the last
of each file; verify --older-than checks only what was not checked recently."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from audioarchive.config import load_settings
from audioarchive.errors import InputError
from audioarchive.events import check_chain, parse_age, read_events
from audioarchive.preserve import verify_and_record
from tests.helpers import make_tone, new_workspace, run_cli

SID = "2026-03-12-budget"
LOG = f"archive/{SID}/{SID}.events.jsonl"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace after 'ingest' (which builds): one recording, one episode."""
    root = tmp_path_factory.mktemp("events")
    ws = new_workspace(root)
    card = make_tone(root.parent / f"{root.name}-card" / "ZOOM0001.WAV", 4.0)
    result = ws.run("ingest", SID, str(card))
    assert result.exit_code == 0, result.output
    return root


def _events(root: Path) -> list[dict[str, Any]]:
    return read_events(root / LOG)


def test_ingest_and_build_are_in_the_session_log(ingested: Path) -> None:
    events = _events(ingested)
    assert [(e["type"], e["file"]) for e in events[:1]] == [
        ("ingestion", f"recordings/{SID}/ZOOM0001.WAV")
    ]
    created = {e["file"]: e for e in events if e["type"] == "creation"}
    assert f"archive/{SID}/{SID}.flac" in created
    assert any(f.startswith(f"feed/episodes/{SID}/") and f.endswith(".mp3") for f in created)
    sums = (ingested / "recordings" / SID / "SHA256SUMS").read_text().split()[0]
    first = events[0]
    assert first["checksum"] == f"sha256:{sums}"
    assert first["outcome"] == "success"
    assert first["agent"].startswith("audioarchive ")
    assert datetime.fromisoformat(first["date"].replace("Z", "+00:00")) <= datetime.now(UTC)
    assert check_chain(ingested / LOG) == []
    # the log is not in the manifest, and verify does not call it untracked
    assert SID + ".events.jsonl" not in (ingested / "archive/manifest-sha256.txt").read_text()


def test_verify_appends_checks_show_gives_the_last_and_older_than_skips(ingested: Path) -> None:
    before = len(_events(ingested))
    result = run_cli(["-w", str(ingested), "verify"])
    assert result.exit_code == 0, result.output
    assert "untracked" not in result.output
    checks = _events(ingested)[before:]
    assert checks
    assert all(e["type"] == "fixity check" for e in checks)
    assert all(e["outcome"] == "success" for e in checks)
    files = {e["file"] for e in checks}
    assert f"recordings/{SID}/ZOOM0001.WAV" in files
    assert f"archive/{SID}/{SID}.flac" in files

    shown = json.loads(run_cli(["-w", str(ingested), "show", SID, "--json"]).output)
    last = shown["fixity"][f"archive/{SID}/{SID}.flac"]
    assert last["type"] == "fixity check"
    assert last["outcome"] == "success"

    # everything was checked a moment ago: --older-than 90d checks nothing
    count = len(_events(ingested))
    result = run_cli(["-w", str(ingested), "verify", "--older-than", "90d", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["verified"] == 0
    assert f"archive/{SID}/{SID}.flac" in report["skipped"]
    assert len(_events(ingested)) == count

    # a damaged recording: found, logged as a failure, and re-checked by --older-than
    part = ingested / "recordings" / SID / "ZOOM0001.WAV"
    data = bytearray(part.read_bytes())
    data[-100] ^= 0xFF
    part.write_bytes(bytes(data))
    try:
        result = run_cli(["-w", str(ingested), "verify"])
        assert result.exit_code == 1
        assert f"recordings/{SID}/ZOOM0001.WAV: CHANGED" in result.output
        failure = [e for e in _events(ingested) if e["outcome"] == "failure"]
        assert [e["file"] for e in failure] == [f"recordings/{SID}/ZOOM0001.WAV"]
        assert "differs from the recordings SHA256SUMS" in failure[0]["detail"]
        report = verify_and_record(load_settings(ingested), older_than=timedelta(days=90))
        assert [c.path for c in report.checks] == [f"recordings/{SID}/ZOOM0001.WAV"]
        assert report.checks[0].status == "changed"
    finally:
        data[-100] ^= 0xFF
        part.write_bytes(bytes(data))
    assert check_chain(ingested / LOG) == []


def test_an_edited_line_breaks_the_chain(tmp_path: Path, ingested: Path) -> None:
    copy = tmp_path / "copy.jsonl"
    lines = (ingested / LOG).read_text().splitlines()
    lines[0] = lines[0].replace('"success"', '"failure"')
    copy.write_text("\n".join(lines) + "\n")
    assert check_chain(copy) == [2]


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("12w", 84), ("36h", 1.5), (" 7D", 7)])
def test_ages(text: str, days: float) -> None:
    assert parse_age(text) == timedelta(days=days)


def test_a_bad_age_is_refused() -> None:
    with pytest.raises(InputError, match=r'--older-than "3 months": expected a number of days'):
        parse_age("3 months")
