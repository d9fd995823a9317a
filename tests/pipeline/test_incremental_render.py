"""A build renders only the generated files whose inputs changed, and writes exactly what a
forced full build writes (:mod:`audioarchive.pipeline.stamps`, its groups)."""

from __future__ import annotations

import yaml

from audioarchive.archive.events import is_event_log
from tests.helpers import Ws

A, B, C = "2022-10-25-a", "2022-11-24-b", "2023-01-19-c"  # oldest first: B is A's and C's neighbour
B_FIELDS = {"date": "2022-11-24T19:00:00+01:00", "season": 1, "episode": 2}


def _build(ws: Ws, *args: str) -> str:
    result = ws.run("build", *args)
    assert result.exit_code == 0, result.output
    return result.output


def _tree(ws: Ws) -> dict[str, bytes]:
    """Every file of ``feed/`` and ``archive/`` but the fixity logs (a forced build adds a
    "creation" event for each file it writes again)."""
    files: dict[str, bytes] = {}
    for top in ("feed", "archive"):
        for path in (ws.root / top).rglob("*"):
            relpath = path.relative_to(ws.root / top).as_posix()
            if path.is_file() and not (top == "archive" and is_event_log(relpath)):
                files[f"{top}/{relpath}"] = path.read_bytes()
    return files


def _times(ws: Ws) -> dict[str, int]:
    return {
        path.relative_to(ws.root).as_posix(): path.stat().st_mtime_ns
        for top in ("feed", "archive")
        for path in (ws.root / top).rglob("*")
        if path.is_file()
    }


def _assert_as_forced(ws: Ws) -> None:
    """What the incremental build wrote is byte for byte what ``build --force`` writes."""
    incremental = _tree(ws)
    _build(ws, "--force")
    forced = _tree(ws)
    assert sorted(incremental) == sorted(forced)
    assert [path for path, data in forced.items() if incremental[path] != data] == []


def _rewritten(ws: Ws, before: dict[str, int]) -> set[str]:
    return {path for path, time in _times(ws).items() if before.get(path) != time}


def _page(ws: Ws, session_id: str) -> str:
    return (ws.root / "feed" / "episodes" / session_id / "index.html").read_text(encoding="utf-8")


def test_an_incremental_build_writes_what_a_forced_build_writes(built: Ws) -> None:
    """A title changed, then a speaker named in it withheld, then the show's title changed:
    after each, the build renders what the change affects, and writes what ``--force``
    writes. (The first build is forced too: a forced build makes each master again, and
    its record says so.)"""
    _build(built, "--force")

    # a title: its episode, its neighbour's page (it shows the title) and the lists
    before = _times(built)
    speaker = {"name": "Marc Dupont", "role": "guest"}
    built.write_session(B, title="Séance avec Marc Dupont", speakers=[speaker], **B_FIELDS)
    _build(built)
    rewritten = _rewritten(built, before)
    assert {f"feed/episodes/{s}/index.html" for s in (A, B, C)} <= rewritten
    assert {"feed/feed.xml", "feed/index.html", "feed/catalog.json"} <= rewritten
    assert rewritten.isdisjoint([f"archive/{A}/{A}.json", f"archive/{C}/{C}.json"])
    assert "Séance avec Marc Dupont" in _page(built, A)
    _assert_as_forced(built)

    # the speaker withheld: out of B's files, the lists, and A's and C's pages
    built.write_session(
        B,
        title="Séance avec Marc Dupont",
        speakers=[{**speaker, "publish_name": False}],
        **B_FIELDS,
    )
    _build(built)
    for session_id in (A, C):
        assert "Séance avec […]" in _page(built, session_id)
    public = [path for path in _tree(built) if path.startswith("feed/")]
    assert [path for path in public if b"Dupont" in (built.root / path).read_bytes()] == []
    _assert_as_forced(built)

    # the show: every file
    before = _times(built)
    podcast = built.root / "metadata" / "podcast.yaml"
    show = yaml.safe_load(podcast.read_text(encoding="utf-8"))
    show["title"] = "Conseil de quartier"
    podcast.write_text(yaml.safe_dump(show, allow_unicode=True), encoding="utf-8")
    _build(built)
    rewritten = _rewritten(built, before)
    for session_id in (A, B, C):
        assert "Conseil de quartier" in _page(built, session_id)
        assert f"archive/{session_id}/{session_id}.json" in rewritten
    _assert_as_forced(built)


def test_a_title_change_leaves_the_pages_that_do_not_show_it(built: Ws) -> None:
    _build(built)  # the copy's first build: its files are at new paths
    before = _times(built)
    built.write_session(A, title="Un titre neuf", date="2022-10-25T19:00:00+02:00")
    _build(built)
    rewritten = _rewritten(built, before)
    assert {f"feed/episodes/{A}/index.html", f"feed/episodes/{B}/index.html"} <= rewritten
    assert "Un titre neuf" in _page(built, B)  # its older neighbour's link
    untouched = [f"feed/episodes/{C}/index.html", f"archive/{B}/{B}.json", f"archive/{C}/{C}.json"]
    assert rewritten.isdisjoint(untouched)


def test_a_file_edited_by_hand_is_the_only_one_rendered_again(built: Ws) -> None:
    _build(built)
    page = built.root / "feed" / "episodes" / C / "index.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"</main>", b"<p>defaced</p></main>"))
    before = _times(built)
    _build(built)
    assert page.read_bytes() == good
    assert _rewritten(built, before) == {f"feed/episodes/{C}/index.html"}
