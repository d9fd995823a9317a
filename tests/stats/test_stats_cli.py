"""``audioarchive stats`` on a built workspace, from the log ``audioarchive serve`` writes."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from pathlib import Path

from audioarchive.inspect.server import ServeConfig, serve_in_thread
from tests.helpers import Ws, held_by_another

OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
ANTENNAPOD = "AntennaPod/3.4.0 (Linux; Android 14) ExoPlayerLib/2.19.1"
CURL = "curl/8.5.0"


def _get(port: int, method: str, path: str, agent: str, range_: str = "") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"User-Agent": agent, **({"Range": range_} if range_ else {})}
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _serve_and_listen(built: Ws, log: Path) -> list[str]:
    """Requests whose true count is 2 downloads (episode 1 and 2, by Overcast)."""
    media = sorted((built.root / "feed" / "episodes").glob("*/*.mp3"))
    assert len(media) == 3
    paths = ["/" + m.relative_to(built.root / "feed").as_posix() for m in media]
    size = media[1].stat().st_size
    config = ServeConfig(root=built.root / "feed", base_url="http://x", access_log=log)
    httpd, thread = serve_in_thread(config)
    port = int(httpd.server_address[1])
    try:
        assert _get(port, "GET", paths[0], OVERCAST) == 200  # whole file: 1
        assert _get(port, "GET", paths[0], OVERCAST) == 200  # same listener, same day
        third = size // 3
        for first, last in ((0, third - 1), (third, 2 * third - 1), (2 * third, size - 1)):
            assert _get(port, "GET", paths[1], OVERCAST, f"bytes={first}-{last}") == 206  # 1
        assert _get(port, "GET", paths[2], ANTENNAPOD, "bytes=0-999") == 206  # too little
        assert _get(port, "HEAD", paths[2], OVERCAST) == 200  # HEAD: never
        assert _get(port, "GET", paths[2], CURL) == 200  # a bot
        assert _get(port, "GET", "/feed.xml", ANTENNAPOD) == 200  # not an episode
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
    return [p.rsplit("/", 2)[1] for p in paths]


def _personal(blob: bytes) -> list[str]:
    return [t for t in ("127.0.0.1", OVERCAST, ANTENNAPOD, CURL) if t.encode() in blob]


def test_serve_log_counted_and_nothing_personal_kept(built: Ws, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    ids = _serve_and_listen(built, log)
    lines = log.read_text().splitlines()
    assert len(lines) == 9
    size = next((built.root / "feed" / "episodes" / ids[0]).glob("*.mp3")).stat().st_size
    assert f'HTTP/1.1" 200 {size} "-" "{OVERCAST}"' in lines[0]
    assert '"HEAD ' in lines[6]
    assert '" 200 0 "-"' in lines[6]  # HEAD: no body sent
    assert lines[2].startswith("127.0.0.1 - - [")
    assert '" 206 ' in lines[2]

    counted = built.run("stats", str(log))
    assert counted.exit_code == 0, counted.output
    assert "access.log: combined, 9 lines, 2 new downloads" in counted.output
    again = built.run("stats", str(log))
    assert "access.log: already counted, skipped" in again.output

    as_json = built.run("stats", "--json")
    data = json.loads(as_json.output)
    totals = {e["id"]: e["total"] for e in data["episodes"]}
    assert totals == {ids[0]: 1, ids[1]: 1, ids[2]: 0}
    assert data["apps"] == {"Overcast": 2}
    as_csv = built.run("stats", "--csv")
    assert as_csv.output.splitlines()[0].startswith("episode,title,date,first_day,first_7_days")
    assert len(as_csv.output.splitlines()) == 4

    chart = tmp_path / "report.png"
    pages = built.run("stats", "--chart", str(chart), "--page")
    assert pages.exit_code == 0, pages.output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = built.root / "stats" / "index.html"
    assert (built.root / "stats" / "downloads.png").is_file()
    assert not list((built.root / "feed").rglob("*downloads*"))

    state = built.root / ".audioarchive" / "stats"
    outputs = [r.output.encode() for r in (counted, again, as_json, as_csv, pages)]
    stored = [p.read_bytes() for p in state.iterdir()]
    images = [chart.read_bytes(), (built.root / "stats" / "downloads.png").read_bytes()]
    for blob in [*outputs, *stored, page.read_bytes(), *images]:
        assert _personal(blob) == []
    assert _personal(log.read_bytes()) != []  # the scan can find them where they are


def test_malformed_lines_shown_unknown_format_named(built: Ws, tmp_path: Path) -> None:
    log = tmp_path / "mixed.log"
    good = '192.0.2.1 - - [01/Mar/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 10 "-" "a"'
    log.write_text("\n".join([good] * 5 + ["broken line 6", good, "broken 8"]) + "\n")
    result = built.run("stats", str(log))
    assert result.exit_code == 0, result.output
    assert "2 malformed lines skipped (lines 6, 8)" in result.output
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello\nworld\n")
    refused = built.run("stats", str(unknown))
    assert refused.exit_code == 2
    assert "notes.txt: unknown log format; expected one of: S3 server access log" in refused.output


def test_a_workspace_never_built_is_refused(workspace: Ws, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text('192.0.2.1 - - [01/Mar/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "a"\n')
    result = workspace.run("stats", str(log))
    assert result.exit_code == 2
    assert "no built episode in this workspace" in result.output


def test_one_stats_run_at_a_time(workspace: Ws) -> None:
    # another run holds the lock: flock on another open file, as another process would
    with held_by_another(workspace.root / ".audioarchive" / "stats" / "lock", "stats (pid 1)"):
        refused = workspace.run("stats")
    assert refused.exit_code == 2
    assert "another audioarchive stats (pid 1) is working in this workspace" in refused.output
    assert workspace.run("stats").exit_code == 0  # released


def test_a_folder_of_many_logs(built: Ws, tmp_path: Path) -> None:
    # S3 writes thousands of small files: a folder, one summary, only problems named
    [mp3] = sorted((built.root / "feed" / "episodes").glob("2022-11-24-b/*.mp3"))
    path = "/" + mp3.relative_to(built.root / "feed").as_posix()
    folder = tmp_path / "logs"
    (folder / "2026" / ".hidden").mkdir(parents=True)
    for n in range(12):
        line = (
            f'192.0.2.{n} - - [01/Mar/2026:10:00:00 +0000] "GET {path} HTTP/1.1" 200 '
            f'{mp3.stat().st_size} "-" "AntennaPod/3.4.0"'
        )
        extra = "\nnot a request" if n == 7 else ""
        (folder / "2026" / f"access-{n:02d}.log").write_text(line + extra + "\n")
    (folder / "2026" / ".hidden" / "x.log").write_text("not a log at all\n")
    result = built.run("stats", str(folder))
    assert result.exit_code == 0, result.output
    assert "access-07.log: combined, 2 lines, 1 new downloads; 1 malformed line skipped" in (
        result.output
    )
    assert "access-03.log" not in result.output
    assert "12 files read (13 lines): 12 new downloads" in result.output


def test_chart_without_matplotlib_says_how_to_install(workspace: Ws, tmp_path: Path) -> None:
    # matplotlib is optional: hide it from a real process, as on an install without the extra
    code = (
        "import sys; sys.modules['matplotlib'] = None; from audioarchive.cli import main; "
        f"main(['-w', {str(workspace.root)!r}, 'stats', '--chart', {str(tmp_path / 'c.png')!r}])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 3, done.stderr
    assert "the chart needs matplotlib, which is not installed" in done.stderr
    assert "pip install 'audioarchive[stats]'" in done.stderr
