"""``list`` and ``search`` read the collection from a cache, and every change is seen."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import time
from pathlib import Path

import pytest

from audioarchive.config import load_settings
from audioarchive.inspect.browse import CACHE_FILE, load_collection
from audioarchive.metadata.session import load_workspace
from tests.helpers import Ws, make_tone, new_workspace


def _age(root: Path, seconds: float = 60) -> None:
    """Date every file back: a cache is not written over files changed a moment ago."""
    then = time.time_ns() - int(seconds * 1e9)
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(then, then))


def _list(ws: Ws) -> dict[str, dict[str, object]]:
    result = ws.run("list", "--json")
    assert result.exit_code == 0, result.output
    return {row["id"]: row for row in json.loads(result.stdout)}


@pytest.fixture
def cached(tmp_path: Path) -> Ws:
    ws = new_workspace(tmp_path / "ws")
    ws.write_session("2023-05-02-a", title="Budget", date="2023-05-02T19:00:00+02:00")
    ws.write_session("2023-06-06-b", title="Voirie", date="2023-06-06T19:00:00+02:00")
    (ws.root / ".audioarchive").mkdir()
    _age(ws.root)
    assert _list(ws)["2023-05-02-a"]["title"] == "Budget"
    assert (ws.root / ".audioarchive" / CACHE_FILE).is_file()
    return ws


def test_the_cache_answers_the_same(cached: Ws) -> None:
    cache = cached.root / ".audioarchive" / CACHE_FILE
    written = cache.stat().st_mtime_ns
    first = cached.run("search", "voirie").stdout
    assert "2023-06-06-b" in first
    assert _list(cached)["2023-06-06-b"]["title"] == "Voirie"
    assert cache.stat().st_mtime_ns == written  # read, not written again


def test_an_edited_session_file_is_seen(cached: Ws) -> None:
    cached.write_session("2023-05-02-a", title="Budget 2024", date="2023-05-02T19:00:00+02:00")
    assert _list(cached)["2023-05-02-a"]["title"] == "Budget 2024"
    assert "2023-05-02-a" in cached.run("search", "2024").stdout


def test_an_edit_with_the_same_size_and_an_old_time_is_seen(cached: Ws) -> None:
    """The file's time is set back after the edit (a copy that keeps times): still seen,
    since its time differs from the cached one."""
    path = cached.write_session("2023-05-02-a", title="Bidget", date="2023-05-02T19:00:00+02:00")
    _age(path, seconds=30)
    assert _list(cached)["2023-05-02-a"]["title"] == "Bidget"


def test_a_new_recording_and_a_new_session_are_seen(cached: Ws) -> None:
    assert _list(cached)["2023-05-02-a"]["status"] == "unrecorded"
    make_tone(cached.root / "recordings" / "2023-05-02-a" / "ZOOM0001.WAV", seconds=0.5)
    cached.write_session("2023-07-04-c", title="Culture", date="2023-07-04T19:00:00+02:00")
    rows = _list(cached)
    assert rows["2023-05-02-a"]["status"] == "recorded"
    assert "2023-07-04-c" in rows


def test_a_broken_session_file_is_reported_not_hidden_by_the_cache(cached: Ws) -> None:
    (cached.sessions / "2023-06-06-b.yaml").write_text("id: 2023-06-06-b\ntitle: [\n", "utf-8")
    result = cached.run("list")
    assert result.exit_code == 2
    assert "2023-06-06-b.yaml" in result.output


def test_a_damaged_cache_is_loaded_again(cached: Ws) -> None:
    (cached.root / ".audioarchive" / CACHE_FILE).write_bytes(b"not a pickle")
    assert _list(cached)["2023-06-06-b"]["title"] == "Voirie"


class _Payload:
    """Unpickled, it would create the marker file: what a hostile cache would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("key", [None, b"someone else's key, not this user's"])
def test_a_cache_not_sealed_by_this_user_is_never_unpickled(
    cached: Ws, tmp_path: Path, key: bytes | None
) -> None:
    """A workspace received from someone else may carry a state folder made to run code
    when loaded: the cache is read only when sealed with this user's own key."""
    marker = tmp_path / "code-ran"
    blob = pickle.dumps(_Payload(marker))
    seal = hmac.new(key, blob, hashlib.sha256).digest() if key else b""
    (cached.root / ".audioarchive" / CACHE_FILE).write_bytes(seal + blob)
    assert _list(cached)["2023-06-06-b"]["title"] == "Voirie"
    assert not marker.exists()
    # control: the same payload sealed with this user's key is what the cache reads
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    own = (Path(home) / "audioarchive" / "cache-key").read_bytes()
    sealed = hmac.new(own, blob, hashlib.sha256).digest() + blob
    (cached.root / ".audioarchive" / CACHE_FILE).write_bytes(sealed)
    _list(cached)
    assert marker.exists()


def test_validate_reads_every_file_and_refreshes_the_cache(cached: Ws) -> None:
    cache = cached.root / ".audioarchive" / CACHE_FILE
    cache.unlink()
    result = cached.run("validate")
    assert result.exit_code == 0, result.output
    written = cache.stat().st_mtime_ns  # validate's full load, cached for list
    assert _list(cached)["2023-06-06-b"]["title"] == "Voirie"
    assert cache.stat().st_mtime_ns == written


def test_a_dry_run_writes_no_cache(cached: Ws) -> None:
    cache = cached.root / ".audioarchive" / CACHE_FILE
    cache.unlink()
    result = cached.run("build", "--dry-run")
    assert result.exit_code == 0, result.output
    assert not cache.exists()
    assert cached.run("build").exit_code == 0
    assert cache.is_file()  # the same build, for real, does


# --- one session changed: only its file is read again ------------------------------------------


def test_only_the_changed_session_file_is_read_again(cached: Ws) -> None:
    """The cache trusts a file's size and time (as ``make`` does): session a rewritten with
    the same size and time keeps its cached title, which shows it was not read again,
    while b, edited, is."""
    a = cached.sessions / "2023-05-02-a.yaml"
    before = a.stat()
    a.write_text(a.read_text(encoding="utf-8").replace("Budget", "Bxdget"), encoding="utf-8")
    os.utime(a, ns=(before.st_atime_ns, before.st_mtime_ns))
    cached.write_session("2023-06-06-b", title="Voirie 2", date="2023-06-06T19:00:00+02:00")
    rows = _list(cached)
    assert rows["2023-06-06-b"]["title"] == "Voirie 2"
    assert rows["2023-05-02-a"]["title"] == "Budget"  # from the cache
    full = load_workspace(cached.root)  # what reading every file gives
    assert full.session("2023-05-02-a").title == "Bxdget"


def test_the_checks_across_sessions_see_a_changed_session(cached: Ws) -> None:
    cached.write_session(
        "2023-05-02-a", title="Budget", date="2023-05-02T19:00:00+02:00", episode=1
    )
    _age(cached.root)
    assert _list(cached)["2023-05-02-a"]["title"] == "Budget"  # cached with its number
    cached.write_session(
        "2023-06-06-b", title="Voirie", date="2023-06-06T19:00:00+02:00", episode=1
    )
    result = cached.run("list")
    assert result.exit_code == 2
    assert "already used by metadata/sessions/2023-05-02-a.yaml" in result.output


def test_a_partly_cached_collection_is_the_collection(cached: Ws) -> None:
    """After a change to one session, a removal and an addition: what a full load gives."""
    _age(cached.root)
    _list(cached)  # cached again, after the fixture's own files
    make_tone(cached.root / "recordings" / "2023-05-02-a" / "ZOOM0001.WAV", seconds=0.5)
    cached.write_session("2023-07-04-c", title="Culture", date="2023-07-04T19:00:00+02:00")
    (cached.sessions / "2023-06-06-b.yaml").unlink()
    settings = load_settings(cached.root)
    partly = load_collection(cached.root, settings)
    assert partly == load_workspace(cached.root, settings)
    assert [s.id for s in partly.sessions] == ["2023-05-02-a", "2023-07-04-c"]
    assert partly.sessions[0].recorded
