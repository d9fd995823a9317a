"""``publish --dry-run`` names the files the real publish then sends (#19)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helpers import Ws
from tests.storage.helpers import stdout_json

pytestmark = pytest.mark.s3

RETAGGED = "2022-11-24-b"
RENDERED = "2023-01-19-c"


def _changes(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["path"]: (c["action"], c["reason"]) for c in data["storage"]["changes"]}


def _edit(ws: Ws, session_id: str, **fields: Any) -> None:
    path = ws.sessions / f"{session_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(fields)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_dry_run_names_the_media_the_publish_sends(s3_ws: Ws) -> None:
    # built locally, then the metadata and the audio of two sessions change before the
    # first publish: the previous build's MP3 names are not the ones that will be sent
    _edit(s3_ws, RETAGGED, title="Un nouveau titre")
    _edit(s3_ws, RENDERED, trim={"start": "0:00:01"})
    old = {
        p.relative_to(s3_ws.root / "feed").as_posix() for p in (s3_ws.root / "feed").rglob("*.mp3")
    }

    planned = s3_ws.run("publish", "--dry-run", "--json")
    assert planned.exit_code == 0, planned.output
    plan = _changes(stdout_json(planned))
    sent = s3_ws.run("publish", "--json")
    assert sent.exit_code == 0, sent.output
    real = _changes(stdout_json(sent))

    plan_media = {p for p in plan if p.endswith(".mp3")}
    real_media = {p for p in real if p.endswith(".mp3")}
    # the re-tagged episode: the exact name, size and action
    retagged = {p for p in real_media if p.startswith(f"episodes/{RETAGGED}/")}
    (name,) = retagged
    assert name not in old
    assert name in plan_media
    # the re-rendered one: its name is a hash known after rendering, and the dry run says so
    (pending,) = (p for p in plan_media if p.startswith(f"episodes/{RENDERED}/"))
    assert pending == f"episodes/{RENDERED}/{RENDERED}-<hash>.mp3"
    assert plan[pending] == ("upload", "new audio: named by its content once rendered")
    # no previous build's name of a changed episode is announced
    assert not {
        p
        for p in plan_media
        if p in old and p.startswith((f"episodes/{RETAGGED}/", f"episodes/{RENDERED}/"))
    }
    # everything else the dry run names is what the publish sent
    known = plan_media - {pending}
    assert known == real_media - {p for p in real_media if p.startswith(f"episodes/{RENDERED}/")}
    assert plan["feed.xml"][0] == "upload"
    assert human_output_names(s3_ws, name)


def human_output_names(ws: Ws, name: str) -> bool:
    """The plain output names the file too (what a person reads)."""
    _edit(ws, RETAGGED, title="Encore un autre titre")
    result = ws.run("publish", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if f"episodes/{RETAGGED}/" in line]
    assert any(line.startswith("would send") and name not in line for line in lines), lines
    assert any(line.startswith("would remove") and name in line for line in lines), lines
    return True
