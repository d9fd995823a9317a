"""The probe cache's keys: each part's real path, found with each folder resolved once, is
what ``Path.resolve`` gives (the cache of earlier runs stays valid)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioarchive.metadata.recordings import real_path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """recordings/ on "another disk" (a link), a session folder that is a link, a part
    that is a link, a link to a missing file."""
    disk = tmp_path / "disk"
    (disk / "a").mkdir(parents=True)
    (disk / "a" / "ZOOM0001.WAV").write_bytes(b"x")
    elsewhere = tmp_path / "other" / "elsewhere"
    elsewhere.mkdir(parents=True)
    (elsewhere / "part.wav").write_bytes(b"y")
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "recordings").symlink_to(disk)
    (disk / "b").symlink_to(elsewhere)
    (disk / "a" / "ZOOM0002.WAV").symlink_to(elsewhere / "part.wav")
    (disk / "a" / "gone.wav").symlink_to(disk / "nothing.wav")
    return ws


@pytest.mark.parametrize(
    "relpath",
    [
        "recordings/a/ZOOM0001.WAV",
        "recordings/a/ZOOM0002.WAV",  # a link
        "recordings/b/part.wav",  # in a linked folder
        "recordings/a/gone.wav",  # a link to nothing
        "recordings/a/missing.wav",
        "recordings/b/../c.wav",  # ".." after a link: the parent of where it leads
        "recordings/./a//ZOOM0001.WAV",
    ],
)
def test_the_real_path_is_what_resolve_gives(
    tree: Path, relpath: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    folders: dict[str, str] = {}
    for path in (f"{tree}/{relpath}", relpath):  # absolute, and relative to the workspace
        assert real_path(path, folders) == str(Path(path).resolve())
        assert real_path(path, folders) == str(Path(path).resolve())  # from the folders known


def test_each_folder_is_resolved_once(tree: Path) -> None:
    folders: dict[str, str] = {}
    real_path(f"{tree}/recordings/a/ZOOM0001.WAV", folders)
    assert folders[f"{tree}/recordings/a"] == str((tree / "recordings" / "a").resolve())
    assert folders[f"{tree}/recordings"] == str(tree.parent / "disk")
