"""``find_tools`` with a cache: what ffmpeg answered is kept by the program's path, size and
time, so that a build with nothing to encode starts no process."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from audioarchive.config import ToolSettings
from audioarchive.errors import ToolNotFoundError
from audioarchive.ffmpeg import _find_tools, find_tools


def _counting_ffmpeg(folder: Path) -> tuple[Path, Path]:
    """A program that notes each start in a log, then runs the real ffmpeg."""
    real = shutil.which("ffmpeg")
    assert real is not None
    log = folder / "starts.log"
    program = folder / "ffmpeg"
    program.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n')
    program.chmod(0o755)
    return program, log


def _starts(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_ffmpeg_is_asked_once_then_again_when_it_changes(tmp_path: Path) -> None:
    program, log = _counting_ffmpeg(tmp_path)
    settings = ToolSettings(ffmpeg=str(program))
    cache = tmp_path / "state" / "tools.json"
    first = find_tools(settings, cache=cache)
    assert _starts(log) == 2  # -version, -encoders
    assert json.loads(cache.read_text())["ffmpeg_version"] == first.version
    _find_tools.cache_clear()  # a new run
    assert find_tools(settings, cache=cache) == first
    assert _starts(log) == 2  # answered from the cache: no process
    _find_tools.cache_clear()
    with pytest.raises(ToolNotFoundError, match="lacks the encoder"):  # checked on the cache
        find_tools(settings, encoders=["no-such-encoder"], cache=cache)
    assert _starts(log) == 2
    _find_tools.cache_clear()
    program.write_text(program.read_text() + "# updated\n")  # a new ffmpeg: new size and time
    os.utime(program, ns=(1, 1))
    assert find_tools(settings, cache=cache) == first
    assert _starts(log) == 4
    _find_tools.cache_clear()
    assert find_tools(settings) == first  # without a cache: asked every time
    assert _starts(log) == 6


def test_a_damaged_cache_is_asked_again(tmp_path: Path) -> None:
    program, log = _counting_ffmpeg(tmp_path)
    cache = tmp_path / "tools.json"
    cache.write_text("{not json")
    tools = find_tools(ToolSettings(ffmpeg=str(program)), cache=cache)
    assert _starts(log) == 2
    assert json.loads(cache.read_text())["ffmpeg_version"] == tools.version
