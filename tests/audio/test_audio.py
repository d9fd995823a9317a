"""The audio stage on generated meetings: figures measured on the decoded outputs.

Every figure is measured the way the issue states it: ffmpeg's
``ebur128=peak=true:dualmono=true`` on the decoded file.
"""

from __future__ import annotations

import logging
import math
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from audioarchive.audio import AudioJob, AudioResult, process_audio
from audioarchive.config import AudioSettings
from audioarchive.errors import AudioInputError
from audioarchive.ffmpeg import Loudness, Tools, measure_loudness, probe
from audioarchive.metadata.session import Redaction, Trim
from audioarchive.samples import (
    Meeting,
    MeetingSpec,
    Turn,
    default_turns,
    steady_turns,
    synthesize_meeting,
)
from tests.helpers import ffmpeg, make_tone

TARGET = -16.0


def _job(parts: list[Path], tools: Tools, workdir: Path, **fields: object) -> AudioJob:
    job = AudioJob(
        session_id="test",
        parts=tuple(probe(tools, p) for p in parts),
        trim=Trim(),
        redactions=(),
        profile=AudioSettings(),
        workdir=workdir,
    )
    return replace(job, **fields)  # type: ignore[arg-type]


def _decode(path: Path, fmt: str = "s32le", rate: int | None = None) -> bytes:
    args = ["ffmpeg", "-v", "error", "-i", str(path)]
    if rate:
        args += ["-ar", str(rate)]
    return subprocess.run([*args, "-f", fmt, "-"], capture_output=True, check=True).stdout


def _assert_on_target(loudness: Loudness, *, lra: float | None = 8.0) -> None:
    assert loudness.integrated == pytest.approx(TARGET, abs=0.5)
    assert loudness.true_peak <= -1.0
    if lra is not None:
        assert loudness.lra <= lra


@pytest.fixture(scope="module")
def meeting(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Meeting:
    """About 45 s: host and guest 15 dB apart, room tone, 8 s lead-in, two 24-bit parts."""
    out = tmp_path_factory.mktemp("meeting") / "ZOOM.WAV"
    spec = MeetingSpec(
        turns=default_turns(quiet_db=15.0), lead=8.0, tail=5.0, minutes=0.75, parts=2
    )
    return synthesize_meeting(tools, out, spec)


@pytest.fixture(scope="module")
def built(meeting: Meeting, tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> AudioResult:
    workdir = tmp_path_factory.mktemp("built")
    return process_audio(tools, _job(list(meeting.parts), tools, workdir))


def test_meeting_lands_on_loudness_peak_and_range(built: AudioResult, tools: Tools) -> None:
    measured = measure_loudness(tools, built.public["mp3"])
    _assert_on_target(measured)
    report = built.report.as_dict()
    assert report["output"]["integrated_lufs"] == pytest.approx(measured.integrated, abs=0.15)
    assert report["output"]["true_peak_dbtp"] == pytest.approx(measured.true_peak, abs=0.15)
    assert report["input"]["integrated_lufs"] < -20  # the raw meeting was quiet
    assert report["gain_db"]["max"] - report["gain_db"]["min"] > 8  # the guest was raised


def test_mp3_is_cbr_mono_44k(built: AudioResult, tools: Tools) -> None:
    info = probe(tools, built.public["mp3"])
    assert (info.codec, info.channels, info.sample_rate) == ("mp3", 1, 44100)
    size = built.public["mp3"].stat().st_size
    assert size == pytest.approx(96_000 / 8 * info.duration, rel=0.03)


def test_master_is_sample_identical_to_the_joined_parts(
    built: AudioResult, meeting: Meeting
) -> None:
    assert built.master is not None
    joined = b"".join(_decode(p) for p in meeting.parts)
    assert _decode(built.master) == joined
    assert built.report.master == {"bits": 24, "sample_identical": True, "notes": []}


def test_automatic_trim_cuts_the_lead_in_and_tail(built: AudioResult, meeting: Meeting) -> None:
    first_word, last_word = meeting.cues[0].start, meeting.cues[-1].end
    assert first_word - 1.6 <= built.timeline.start <= first_word - 0.4
    assert last_word + 0.5 <= built.timeline.end <= last_word + 2.5
    trim = built.report.as_dict()["trim"]
    assert trim["automatic"] is True
    assert trim["cut_at_start_s"] == pytest.approx(built.timeline.start, abs=0.001)
    assert trim["cut_at_end_s"] > 1.0


def test_explicit_trim_and_redaction(meeting: Meeting, tools: Tools, tmp_path: Path) -> None:
    job = _job(
        list(meeting.parts),
        tools,
        tmp_path,
        trim=Trim(start=5.0, end=35.0),
        redactions=(Redaction(20.0, 23.0, "asked"),),
        want_master=False,
    )
    result = process_audio(tools, job)
    assert (result.timeline.start, result.timeline.end) == (5.0, 35.0)
    assert result.master is None
    assert result.report.as_dict()["trim"]["automatic"] is False
    info = probe(tools, result.public["mp3"])
    assert info.duration == pytest.approx(30.0, abs=0.1)
    samples = np.frombuffer(_decode(result.public["mp3"], "f32le"), dtype="<f4")
    rate = 44100
    inside = samples[int(15.15 * rate) : int(17.85 * rate)]  # raw 20-23 s, less the fades
    assert np.sqrt(np.mean(inside**2)) < 10 ** (-70 / 20)
    around = samples[int(10 * rate) : int(14.5 * rate)]
    assert np.sqrt(np.mean(around**2)) > 10 ** (-50 / 20)
    _assert_on_target(measure_loudness(tools, result.public["mp3"]), lra=None)


def test_steady_speaker_keeps_a_near_constant_gain(tools: Tools, tmp_path: Path) -> None:
    meeting = synthesize_meeting(
        tools, tmp_path / "steady.wav", MeetingSpec(turns=steady_turns(6), lead=3.0, tail=2.0)
    )
    result = process_audio(tools, _job(list(meeting.parts), tools, tmp_path / "work"))
    gain = result.report.as_dict()["gain_db"]
    assert gain["max"] - gain["min"] < 2.0
    _assert_on_target(measure_loudness(tools, result.public["mp3"]))


def test_silence_is_refused_with_a_clear_message(tools: Tools, tmp_path: Path) -> None:
    silent = tmp_path / "silence.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "6", str(silent))
    with pytest.raises(AudioInputError, match=r"test: the recording is silent \(silence.wav"):
        process_audio(tools, _job([silent], tools, tmp_path / "work"))


def test_faint_hum_without_speech_is_refused(tools: Tools, tmp_path: Path) -> None:
    faint = make_tone(tmp_path / "faint.wav", 8, volume_db=-75, noise=0.0003)
    with pytest.raises(AudioInputError, match="silent"):
        process_audio(tools, _job([faint], tools, tmp_path / "work"))


def test_steady_hiss_without_speech_is_refused(tools: Tools, tmp_path: Path) -> None:
    hiss = tmp_path / "hiss.wav"
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.01:duration=8", str(hiss))
    with pytest.raises(AudioInputError, match="only a steady background"):
        process_audio(tools, _job([hiss], tools, tmp_path / "work"))


def test_a_few_seconds_are_handled(tools: Tools, tmp_path: Path) -> None:
    short = synthesize_meeting(
        tools,
        tmp_path / "short.wav",
        MeetingSpec(turns=(Turn("Bonsoir à toutes et à tous.", gain_db=-20),), lead=0.5, tail=0.5),
    )
    assert short.duration < 5
    result = process_audio(tools, _job(list(short.parts), tools, tmp_path / "work"))
    measured = measure_loudness(tools, result.public["mp3"])
    assert measured.integrated == pytest.approx(TARGET, abs=0.5)
    assert measured.true_peak <= -1.0


def test_mismatched_parts_are_converted_with_a_warning(
    tools: Tools, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    one = make_tone(tmp_path / "ZOOM0001.WAV", 6, rate=48000, channels=2)
    two = make_tone(tmp_path / "ZOOM0002.WAV", 6, rate=44100, channels=1, frequency=300)
    with caplog.at_level(logging.WARNING, logger="audioarchive"):
        result = process_audio(tools, _job([one, two], tools, tmp_path / "work"))
    assert "ZOOM0002.WAV (44100 Hz, 1 ch) converted" in caplog.text
    assert any("converted" in note for note in result.report.notes)
    assert result.report.master["sample_identical"] is False
    assert result.master is not None
    assert probe(tools, result.master).duration == pytest.approx(12.0, abs=0.05)
    _assert_on_target(measure_loudness(tools, result.public["mp3"]), lra=None)


def test_five_one_input_is_downmixed(tools: Tools, tmp_path: Path) -> None:
    surround = synthesize_meeting(
        tools,
        tmp_path / "film.wav",
        MeetingSpec(turns=default_turns(quiet_db=6)[:3], lead=2.0, tail=2.0, channels=6),
    )
    info = probe(tools, surround.parts[0])
    assert (info.channels, info.channel_layout) == (6, "5.1")
    result = process_audio(tools, _job(list(surround.parts), tools, tmp_path / "work"))
    assert probe(tools, result.public["mp3"]).channels == 1
    assert result.master is not None
    assert probe(tools, result.master).channels == 6
    _assert_on_target(measure_loudness(tools, result.public["mp3"]))


def test_jingles_are_level_matched_and_in_the_timeline(
    meeting: Meeting, tools: Tools, tmp_path: Path
) -> None:
    intro = make_tone(tmp_path / "intro.wav", 3, volume_db=-30, frequency=660, noise=0.0)
    outro = make_tone(tmp_path / "outro.flac", 2, volume_db=-8, codec=("-c:a", "flac"))
    job = _job(
        list(meeting.parts), tools, tmp_path / "work", intro=intro, outro=outro, want_master=False
    )
    result = process_audio(tools, job)
    assert result.timeline.intro == pytest.approx(3.0, abs=0.01)
    assert result.timeline.outro == pytest.approx(2.0, abs=0.01)
    info = probe(tools, result.public["mp3"])
    assert info.duration == pytest.approx(result.timeline.duration, abs=0.1)
    _assert_on_target(measure_loudness(tools, result.public["mp3"]), lra=None)
    head = tmp_path / "head.wav"
    ffmpeg("-i", str(result.public["mp3"]), "-t", "3", str(head))
    assert measure_loudness(tools, head).integrated == pytest.approx(TARGET, abs=1.0)


def test_opus_is_rendered_on_target_too(meeting: Meeting, tools: Tools, tmp_path: Path) -> None:
    profile = replace(AudioSettings(), extra_formats=("opus",))
    job = _job(list(meeting.parts), tools, tmp_path / "work", profile=profile, want_master=False)
    result = process_audio(tools, job)
    opus = result.public["opus"]
    info = probe(tools, opus)
    assert (info.codec, info.sample_rate) == ("opus", 48000)
    _assert_on_target(measure_loudness(tools, opus))
    assert set(result.report.as_dict()["outputs"]) == {"mp3", "opus"}


def test_report_is_json_ready(built: AudioResult) -> None:
    data = built.report.as_dict()
    assert set(data) >= {"input", "output", "gain_db", "trim", "redactions", "limiter", "notes"}
    for value in (data["output"]["integrated_lufs"], data["limiter"]["ceiling_dbtp"]):
        assert isinstance(value, float)
        assert math.isfinite(value)


def test_stereo_output(meeting: Meeting, tools: Tools, tmp_path: Path) -> None:
    profile = replace(AudioSettings(), channels=2, bitrate="128k")
    intro = make_tone(tmp_path / "intro.wav", 2, volume_db=-20, channels=1, noise=0.0)
    job = _job(
        list(meeting.parts),
        tools,
        tmp_path / "work",
        profile=profile,
        intro=intro,
        redactions=(Redaction(20.0, 22.0),),
        want_master=False,
    )
    result = process_audio(tools, job)
    info = probe(tools, result.public["mp3"])
    assert info.channels == 2
    assert result.timeline.intro == pytest.approx(2.0, abs=0.01)
    _assert_on_target(measure_loudness(tools, result.public["mp3"]), lra=None)


def test_a_quiet_guest_in_a_noise_gated_recording_is_kept_and_raised(
    tools: Tools, tmp_path: Path
) -> None:
    host = "Bonsoir à toutes et à tous, bienvenue à cette rencontre sur la dématérialisation."
    guest = "Et pour conclure, je remercie toutes les personnes présentes ce soir, au revoir."
    gated = synthesize_meeting(
        tools,
        tmp_path / "gated.wav",
        MeetingSpec(
            turns=(Turn(host, gain_db=-18), Turn(host, gain_db=-18), Turn(guest, gain_db=-34)),
            room_amplitude=0.0,  # pauses are digital silence, as a noise gate leaves them
            lead=3,
            tail=3,
        ),
    )
    result = process_audio(tools, _job(list(gated.parts), tools, tmp_path / "work"))
    trim = result.report.trim
    last = gated.cues[-1]
    assert trim.end >= last.end  # the guest's last words are kept
    mp3 = result.public["mp3"]

    def segment(start: float, end: float) -> float:
        cut = tmp_path / f"{start:.1f}.wav"
        ffmpeg(
            "-ss", f"{start - trim.start:.3f}", "-t", f"{end - start:.3f}", "-i", str(mp3), str(cut)
        )
        return measure_loudness(tools, cut).integrated

    host_level = segment(gated.cues[0].start, gated.cues[1].end)
    guest_level = segment(last.start, last.end)
    assert abs(host_level - guest_level) <= 3.0  # 16 dB apart in the recording
