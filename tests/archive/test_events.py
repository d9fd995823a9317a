"""The fixity history: ingest, build and verify append PREMIS-like events; show gives the last
of each file; verify --older-than checks only what was not checked recently."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from audioarchive.archive.events import check_chain, parse_age, read_events
from audioarchive.archive.preserve import archive_problems, verify_and_record
from audioarchive.config import load_settings
from audioarchive.errors import InputError
from tests.helpers import Ws, make_tone, new_workspace, run_cli

SID = "2022-10-25-a"  # of the built workspace (conftest)
LOG = f"archive/{SID}/{SID}.events.jsonl"
MASTER = f"archive/{SID}/{SID}.flac"


def _events(root: Path, log: str = LOG) -> list[dict[str, Any]]:
    return read_events(root / log)


def test_build_writes_creation_events(built: Ws) -> None:
    events = _events(built.root)
    created = {e["file"]: e for e in events if e["type"] == "creation"}
    record = json.loads((built.root / "archive" / SID / f"{SID}.json").read_text())
    master = next(f for f in record["files"] if f["role"] == "master")
    assert created[MASTER]["checksum"] == f"sha256:{master['sha256']}"
    assert created[MASTER]["outcome"] == "success"
    assert created[MASTER]["agent"].startswith("audioarchive ")
    when = datetime.fromisoformat(created[MASTER]["date"].replace("Z", "+00:00"))
    assert when <= datetime.now(UTC)
    assert any(f.startswith(f"feed/episodes/{SID}/") and f.endswith(".mp3") for f in created)
    assert check_chain(built.root / LOG) == []
    # the log is not in the manifest, and verify does not call it untracked
    assert ".events.jsonl" not in (built.root / "archive/manifest-sha256.txt").read_text()


def test_ingest_writes_ingestion_events(built: Ws, tmp_path: Path) -> None:
    card = make_tone(tmp_path / "card" / "ZOOM0001.WAV", 1.0)
    result = built.run("ingest", "2026-03-12-budget", str(card), "--no-build")
    assert result.exit_code == 0, result.output
    log = "archive/2026-03-12-budget/2026-03-12-budget.events.jsonl"
    (event,) = _events(built.root, log)
    sums = (built.root / "recordings/2026-03-12-budget/SHA256SUMS").read_text().split()[0]
    assert event["type"] == "ingestion"
    assert event["file"] == "recordings/2026-03-12-budget/ZOOM0001.WAV"
    assert event["checksum"] == f"sha256:{sums}"
    assert event["previous"] == "0" * 64


def test_a_history_before_any_build_is_not_a_missing_manifest(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    card = make_tone(tmp_path / "card" / "ZOOM0001.WAV", 1.0)
    assert ws.run("ingest", "2026-03-12-budget", str(card), "--no-build").exit_code == 0
    result = ws.run("verify")
    assert result.exit_code == 0, result.output
    assert "OK: 1 file(s) match their checksums." in result.output


def test_verify_appends_checks_show_gives_the_last_and_older_than_skips(built: Ws) -> None:
    root = built.root
    before = len(_events(root))
    result = run_cli(["-w", str(root), "verify"])
    assert result.exit_code == 0, result.output
    assert "untracked" not in result.output
    checks = _events(root)[before:]
    assert checks
    assert all(e["type"] == "fixity check" for e in checks)
    assert all(e["outcome"] == "success" for e in checks)
    assert MASTER in {e["file"] for e in checks}

    shown = json.loads(run_cli(["-w", str(root), "show", SID, "--json"]).output)
    last = shown["fixity"][MASTER]
    assert last["type"] == "fixity check"
    assert last["outcome"] == "success"

    # everything was checked a moment ago: --older-than 90d checks nothing
    count = len(_events(root))
    result = run_cli(["-w", str(root), "verify", "--older-than", "90d", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["verified"] == 0
    assert MASTER in report["skipped"]
    assert len(_events(root)) == count

    # a damaged master: found, logged as a failure, and re-checked by --older-than
    master = root / MASTER
    data = bytearray(master.read_bytes())
    data[-100] ^= 0xFF
    master.write_bytes(bytes(data))
    result = run_cli(["-w", str(root), "verify"])
    assert result.exit_code == 1
    assert f"{MASTER}: CHANGED" in result.output
    failure = [e for e in _events(root) if e["outcome"] == "failure"]
    assert [e["file"] for e in failure] == [MASTER]
    assert "differs from the archive manifest" in failure[0]["detail"]
    report_ = verify_and_record(load_settings(root), older_than=timedelta(days=90))
    assert [c.path for c in report_.checks] == [MASTER]
    assert report_.checks[0].status == "changed"
    assert check_chain(root / LOG) == []


def test_validate_names_an_edited_history_line(built: Ws) -> None:
    log = built.root / LOG
    lines = log.read_text().splitlines()
    lines[0] = lines[0].replace('"success"', '"failure"')
    log.write_text("\n".join(lines) + "\n")
    problems = [str(p) for p in archive_problems(load_settings(built.root).paths, [SID])]
    expected = (
        f"{LOG}: line 2: does not follow the line before (an edited or removed event); "
        "expected an append-only history"
    )
    assert problems == [expected]


def test_an_edited_line_breaks_the_chain(tmp_path: Path, built: Ws) -> None:
    copy = tmp_path / "copy.jsonl"
    lines = (built.root / LOG).read_text().splitlines()
    lines[0] = lines[0].replace('"success"', '"failure"')
    copy.write_text("\n".join(lines) + "\n")
    assert check_chain(copy) == [2]


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("12w", 84), ("36h", 1.5), (" 7D", 7)])
def test_ages(text: str, days: float) -> None:
    assert parse_age(text) == timedelta(days=days)


def test_a_bad_age_is_refused() -> None:
    with pytest.raises(InputError, match=r'--older-than "3 months": expected a number of days'):
        parse_age("3 months")
