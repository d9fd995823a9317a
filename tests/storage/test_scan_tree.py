"""``scan_tree`` walks the tree with os.scandir: the same files, headers and order as a walk
with pathlib (what it did before), on a tree with the odd cases."""

from __future__ import annotations

from pathlib import Path

from audioarchive.common.mediatypes import cache_control, media_type
from audioarchive.common.text import sha256_file
from audioarchive.common.writing import TEMP_PREFIX
from audioarchive.storage.manifest import LocalHash
from audioarchive.storage.plan import LocalFile, phase_of, scan_tree


def _with_pathlib(root: Path, *, public: bool) -> dict[str, LocalFile]:
    files = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith((TEMP_PREFIX, ".")):
            continue
        relpath = path.relative_to(root).as_posix()
        files[relpath] = LocalFile(
            relpath=relpath,
            path=path,
            size=path.stat().st_size,
            sha256=sha256_file(path),
            content_type=media_type(relpath),
            cache_control=cache_control(relpath) if public else None,
            phase=phase_of(relpath),
        )
    return files


def test_the_same_files_as_pathlib_finds(tmp_path: Path) -> None:
    root = tmp_path / "feed"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "linked.mp3").write_bytes(b"linked")
    names = [
        "feed.xml",
        "a/x.html",
        "a-b/x.html",  # "-" sorts before "/" as text, after it as path parts
        "a.b/y.JSON",
        "episodes/s1/s1-0123456789.MP3",
        "episodes/s1/index.html",
        "images/show-0123456789.png",
        ".well-known/security.txt",  # a hidden folder is walked
        ".hidden.html",  # a hidden file is not sent
        f"episodes/{TEMP_PREFIX}feed.xml",
        "odd.",
        "noext",
    ]
    for number, name in enumerate(names):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(f"{number}".encode())
    (root / "episodes" / "link.mp3").symlink_to(outside / "linked.mp3")
    (root / "linked-folder").symlink_to(outside, target_is_directory=True)  # not followed
    (root / "broken.mp3").symlink_to(tmp_path / "nothing.mp3")
    for public in (True, False):
        hashes: dict[str, LocalHash] = {}
        found = scan_tree(root, hashes, public=public)
        expected = _with_pathlib(root, public=public)
        assert list(found) == list(expected)  # the same order too
        assert found == expected
    assert "episodes/link.mp3" in found
    assert "linked-folder/linked.mp3" not in found
    assert ".well-known/security.txt" in found
    assert list(found).index("a/x.html") < list(found).index("a-b/x.html")
