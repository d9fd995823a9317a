"""The command contract: exit codes, messages, streams.

The contract: docs/explanation/architecture.md, "Commands" and "Exit codes".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from PIL import Image

from audioarchive._version import __version__
from tests.helpers import Ws, make_tone, new_workspace, run_cli

DATA = Path(__file__).parents[1] / "data" / "sessions"


def test_validate_bad_sessions_exit_2_one_line_per_problem(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    for name in ("missing-title", "naive-date", "typo-key", "missing-recording", "bad-yaml"):
        shutil.copyfile(DATA / f"{name}.yaml", ws.sessions / f"{name}.yaml")
    result = ws.run("validate")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: 5 problems found:"
    body = [line.strip() for line in lines[1:]]
    assert body == sorted(body)
    assert len(body) == 5
    for name, field in [
        ("bad-yaml", "line 3, column 5"),
        ("missing-recording", "recording[0]"),
        ("missing-title", "title"),
        ("naive-date", "date"),
        ("typo-key", "speekers"),
    ]:
        assert any(line.startswith(f"metadata/sessions/{name}.yaml: {field}: ") for line in body), (
            name
        )
    assert "Traceback" not in result.stderr


def test_validate_ok_on_a_built_workspace(built: Ws) -> None:
    result = built.run("validate")
    assert result.exit_code == 0, result.output
    assert "OK: 4 sessions, 3 with a recording." in result.stderr


def test_validate_finds_an_enclosure_that_no_longer_matches(built: Ws) -> None:
    mp3 = next((built.root / "feed").glob("episodes/2022-11-24-b/*.mp3"))
    with mp3.open("ab") as handle:
        handle.write(b"\0")
    result = built.run("validate")
    assert result.exit_code == 1
    assert f"feed/{mp3.relative_to(built.root / 'feed').as_posix()}:" in result.output


def test_a_broken_recording_is_bad_input_naming_the_file(built: Ws) -> None:
    (built.root / "recordings" / "2022-11-24-b" / "meeting.flac").write_bytes(b"fLaC garbage")
    result = built.run("build")
    assert result.exit_code == 2
    assert "recordings/2022-11-24-b/meeting.flac: not a readable audio file" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_ffmpeg_exits_3_with_a_hint(built: Ws) -> None:
    toml = built.root / "audioarchive.toml"
    toml.write_text(toml.read_text() + '[tools]\nffmpeg = "no-such-ffmpeg"\n')
    result = built.run("build")
    assert result.exit_code == 3
    assert "no-such-ffmpeg was not found on PATH" in result.stderr
    assert "Hint: install it with 'apt-get install ffmpeg'" in result.stderr


def test_unknown_session_suggests_a_close_one(built: Ws) -> None:
    result = built.run("show", "2022-10-25-b")
    assert result.exit_code == 2
    assert 'no session "2022-10-25-b"' in result.stderr
    assert 'did you mean "2022-10-25-a"' in result.stderr


def test_list_and_show_results_on_stdout_as_json(built: Ws) -> None:
    listed = json.loads(built.run("list", "--json").stdout)
    assert [(r["id"], r["status"]) for r in listed] == [
        ("2022-10-25-a", "built"),
        ("2022-11-24-b", "built"),
        ("2023-01-19-c", "built"),
        ("2023-02-d", "upcoming"),
    ]
    assert listed[0]["speakers"] == ["Clara Deville"]
    shown = json.loads(built.run("show", "2022-10-25-a", "--json").stdout)
    assert shown["files"][0]["sha256"]
    assert shown["master"]["size"] > 0
    assert shown["loudness"]["output"]["integrated_lufs"] is not None


def test_version_and_help() -> None:
    assert run_cli(["--version"]).stdout.strip() == f"audioarchive, version {__version__}"
    assert "Example:" in run_cli(["build", "--help"]).stdout


def test_bad_usage_exits_2() -> None:
    result = run_cli(["build", "--no-such-option"])
    assert result.exit_code == 2
    assert "No such option" in result.stderr


def test_init_creates_a_workspace_that_validates(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = run_cli(["init", str(target)])
    assert result.exit_code == 0
    assert "created metadata/podcast.yaml" in result.stdout
    assert (target / ".gitignore").is_file()
    assert (target / "metadata" / "artwork.png").is_file()
    check = run_cli(["--workspace", str(target), "validate"])
    assert check.exit_code == 0, check.stderr
    again = run_cli(["init", str(target)])
    assert "kept metadata/podcast.yaml (already there)" in again.stderr


def test_publish_without_storage_builds_into_feed(built: Ws) -> None:
    result = built.run("publish")
    assert result.exit_code == 0
    assert "published to: feed/" in result.stdout
    assert "feed URL: http://localhost:8000/feed.xml" in result.stdout


def test_init_says_what_to_replace_and_its_example_never_takes_a_number(
    tmp_path: Path, tools: object
) -> None:
    target = tmp_path / "new"
    result = run_cli(["init", str(target)])
    assert result.exit_code == 0
    for todo in (
        "metadata/podcast.yaml: replace every value",
        "metadata/artwork.png: replace with your own",
        "metadata/sessions/example-meeting.yaml: an example: copy it to",
    ):
        assert todo in result.stderr
    ws = Ws(target)
    check = ws.run("validate")
    assert check.exit_code == 0, check.stderr
    assert "warning: metadata/sessions/example-meeting.yaml: the example session" in check.stderr
    assert "warning: podcast.yaml: artwork: metadata/artwork.png is still the placeholder" in (
        check.stderr
    )

    card = make_tone(tmp_path / "card" / "ZOOM0001.WAV", 3)
    ingest = ws.run("ingest", "--no-build", "2026-12-01-premiere", str(card))
    assert ingest.exit_code == 0, ingest.stderr
    first = yaml.safe_load((ws.sessions / "2026-12-01-premiere.yaml").read_text())
    assert (first["season"], first["episode"]) == (1, 1)  # the example took no number

    published = ws.run("publish")
    assert published.exit_code == 0, published.stderr
    assert "warning: metadata/sessions/example-meeting.yaml" in published.stderr
    assert "is still the placeholder" in published.stderr
    tree = target / "feed"
    public = b"".join(p.read_bytes() for p in tree.rglob("*") if p.suffix in (".html", ".xml"))
    assert b"Our first public meeting" not in public  # neither upcoming nor an episode
    assert b"2026-12-01-premiere" in public

    (ws.sessions / "example-meeting.yaml").unlink()
    Image.new("RGB", (1400, 1400), (20, 90, 160)).save(target / "metadata" / "artwork.png")
    clean = ws.run("validate")
    assert "warning" not in clean.stderr


def test_an_older_example_session_numbered_1_does_not_collide(tmp_path: Path) -> None:
    """Workspaces made by earlier versions have an example numbered season 1, episode 1."""
    ws = new_workspace(tmp_path / "ws")
    ws.write_session("example-meeting", title="Our first public meeting", season=1, episode=1)
    ws.write_session("2026-12-01-a", date="2026-12-01T19:00:00+01:00", season=1, episode=1)
    result = ws.run("list")
    assert result.exit_code == 0, result.stderr
    assert "2026-12-01-a" in result.stdout
    assert "example-meeting" not in result.stdout
