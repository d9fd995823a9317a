from __future__ import annotations

from pathlib import Path

import pytest

from audioarchive.config import AudioSettings, load_settings
from audioarchive.errors import ConfigError


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings.site.base_url == "http://localhost:8000"
    assert settings.audio == AudioSettings()
    assert settings.storage is None
    assert settings.paths.feed == tmp_path.resolve() / "feed"


def test_file_then_environment_precedence(tmp_path: Path) -> None:
    (tmp_path / "audioarchive.toml").write_text(
        '[site]\nbase_url = "https://a.example/"\n[audio]\ntarget_lufs = -18\nbitrate = "128k"\n'
        '[storage]\nurl = "s3://bucket/some/prefix"\nprovider = "scaleway"\n'
    )
    settings = load_settings(
        tmp_path,
        environ={
            "AUDIOARCHIVE_AUDIO_TARGET_LUFS": "-14.5",
            "AUDIOARCHIVE_AUDIO_EXTRA_FORMATS": '["opus"]',
            "AUDIOARCHIVE_WORKSPACE": "/ignored",
            "HOME": "/root",
        },
    )
    assert settings.site.base_url == "https://a.example"
    assert settings.audio.target_lufs == -14.5
    assert settings.audio.bitrate == "128k"
    assert settings.audio.extra_formats == ("opus",)
    assert settings.storage is not None
    assert (settings.storage.bucket, settings.storage.prefix) == ("bucket", "some/prefix")
    assert settings.storage.provider == "scaleway"


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    (tmp_path / "audioarchive.toml").write_text(
        '[site]\nbase_url = "ftp://x"\n[audio]\ntarget_lufs = 3\nbitrate = "97k"\nchanels = 1\n'
        '[storage]\nurl = "https://not-s3"\nprovider = "awz"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, environ={"AUDIOARCHIVE_AUDIO_TRUE_PEAK": "5"})
    lines = [str(p) for p in caught.value.problems]
    assert any(line.startswith("audioarchive.toml: site.base_url: found") for line in lines)
    assert any("audio.target_lufs" in line and "from -40 to -5" in line for line in lines)
    assert any("audio.bitrate" in line for line in lines)
    assert 'audioarchive.toml: audio.chanels: unknown key; did you mean "channels"?' in lines
    assert any("storage.provider" in line and 'did you mean "aws"' in line for line in lines)
    assert any(line.startswith("$AUDIOARCHIVE_AUDIO_TRUE_PEAK: found 5") for line in lines)
    assert any("storage.url" in line for line in lines)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "audioarchive.toml").write_text("[site\n")
    with pytest.raises(ConfigError, match=r"audioarchive.toml: not valid TOML"):
        load_settings(tmp_path, environ={})


def test_unknown_environment_variable_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\$?AUDIOARCHIVE_SITE_BASEURL"):
        load_settings(tmp_path, environ={"AUDIOARCHIVE_SITE_BASEURL": "x"})


def test_denoise_settings(tmp_path: Path) -> None:
    (tmp_path / "audioarchive.toml").write_text("[audio]\ndenoise = false\ndenoise_strength = 6\n")
    audio = load_settings(tmp_path, environ={}).audio
    assert (audio.denoise, audio.denoise_strength) == (False, 6.0)
    assert (AudioSettings().denoise, AudioSettings().denoise_strength) == (True, 12.0)
    with pytest.raises(ConfigError, match=r"DENOISE_STRENGTH: found 40; expected a number from 0"):
        load_settings(tmp_path, environ={"AUDIOARCHIVE_AUDIO_DENOISE_STRENGTH": "40"})
