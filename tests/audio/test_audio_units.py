"""Pure parts of the audio stage: parsers, gating, speech detection, the limiter."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from audioarchive.audio.analyse import STEP, Speech, auto_trim, detect_speech, runs
from audioarchive.audio.assemble import join_graph, master_format
from audioarchive.audio.level import integrated, plan_gain
from audioarchive.audio.limit import TruePeakLimiter, TruePeakMeter
from audioarchive.audio.process import _excerpts
from audioarchive.audio.render import tee_escape
from audioarchive.ffmpeg import AudioInfo, parse_ebur128_frame, parse_sample_peak

FRAME = (
    "[Parsed_ebur128_1 @ 0x55d5c] t: 12.3       TARGET:-23 LUFS    M: -25.1 S: -26.3     "
    "I: -25.7 LUFS       LRA:   3.2 LU  FSPK: -11.0 dBFS  SPK: -9.9 dBFS"
)


def _info(name: str, rate: int = 48000, channels: int = 2, **extra: object) -> AudioInfo:
    fields: dict[str, object] = {
        "path": Path(name),
        "duration": 10.0,
        "sample_rate": rate,
        "channels": channels,
        "channel_layout": "stereo" if channels == 2 else "mono",
        "codec": "pcm_s24le",
        "sample_fmt": "s32",
        "bits": 24,
        "format_name": "wav",
    }
    fields.update(extra)
    return AudioInfo(**fields)  # type: ignore[arg-type]


def test_parse_ebur128_frame() -> None:
    frame = parse_ebur128_frame(FRAME)
    assert frame is not None
    assert (frame.t, frame.momentary, frame.short_term) == (12.3, -25.1, -26.3)
    silent = parse_ebur128_frame(
        FRAME.replace("M: -25.1", "M:-120.7").replace("S: -26.3", "S:-inf")
    )
    assert silent is not None
    assert silent.momentary == -120.7
    assert math.isinf(silent.short_term)
    assert parse_ebur128_frame("[mp3 @ 0x1] Estimating duration from bitrate") is None


def test_parse_sample_peak() -> None:
    assert parse_sample_peak("  Sample peak:\n    Peak:      -51.3 dBFS\n") == -51.3
    assert parse_sample_peak("  Sample peak:\n    Peak:       -inf dBFS\n") == -math.inf
    assert parse_sample_peak("nothing") is None


def test_integrated_gating_matches_bs1770() -> None:
    steady = np.full(100, -20.0)
    assert integrated(steady) == pytest.approx(-20.0)
    # quiet blocks below the relative gate (-10 LU) do not count; silence neither
    mixed = np.concatenate((steady, np.full(100, -45.0), np.full(50, -np.inf)))
    assert integrated(mixed) == pytest.approx(-20.0)
    assert integrated(np.full(10, -80.0)) == -np.inf


def test_speech_detection_and_trim() -> None:
    room = np.full(300, -60.0)
    room[100:200] = -25.0  # ten seconds of speech from 10 s
    room[250:252] = -30.0  # a cough: too short to count
    speech = detect_speech(room)
    assert runs(speech.active) == [(100, 200)]
    start, end = auto_trim(speech, 30.0)
    assert start == pytest.approx((101 * STEP - 0.4) - 1.0, abs=1e-6)
    assert end == pytest.approx(200 * STEP + 1.5, abs=1e-6)


def test_a_quiet_guest_in_a_noise_gated_recording_is_speech() -> None:
    # pauses gated to digital silence: no room tone to compare speech with
    frames = np.full(900, -np.inf)
    for start in range(100, 700, 100):
        frames[start : start + 80] = -20.0  # the host, in turns
    frames[720:860] = -36.0  # the guest, 16 dB below, speaks last
    speech = detect_speech(frames)
    assert speech.active[720:860].all()
    assert not speech.active[860:].any()
    _, end = auto_trim(speech, 90.0)
    assert end >= 86.0  # the guest's last words are kept
    times = np.arange(1, frames.size + 1, dtype=np.float64) * STEP - 0.2
    plan = plan_gain(
        frames, times, speech, (0.0, 90.0), (), target=-16.0, levelling=True, max_range=8.0
    )
    out = frames + plan.gain_db
    assert abs(out[120:170].mean() - out[740:840].mean()) <= 2.5  # the guest is raised


def test_a_muted_lead_in_does_not_make_room_tone_speech() -> None:
    frames = np.full(400, -60.0)  # room tone
    frames[:60] = -np.inf  # the recorder started muted
    frames[100:300] = -25.0
    speech = detect_speech(frames)
    assert speech.floor == pytest.approx(-60.0)
    assert runs(speech.active) == [(100, 300)]


def test_a_recording_without_pauses_is_all_speech() -> None:
    even = np.full(100, -30.0) + np.sin(np.arange(100)) * 0.5
    assert detect_speech(even).active.all()
    assert not detect_speech(np.full(50, -np.inf)).active.any()


def test_levelling_brings_speakers_together_and_holds_in_pauses() -> None:
    frames = 600
    momentary = np.full(frames, -60.0)
    momentary[50:250] = -20.0  # host
    momentary[270:550] = -35.0  # guest, 15 dB below
    times = np.arange(1, frames + 1, dtype=np.float64) * STEP - 0.2
    speech = detect_speech(momentary)
    plan = plan_gain(
        momentary,
        times,
        speech,
        (0.0, 60.0),
        (),
        target=-16.0,
        levelling=True,
        max_range=8.0,
    )
    out = momentary + plan.gain_db
    host, guest = out[80:230], out[300:520]
    assert abs(host.mean() - guest.mean()) <= 2.5
    assert plan.predicted_lufs == pytest.approx(-16.0, abs=0.05)
    assert np.ptp(plan.gain_db[80:230]) < 0.5  # steady within a turn
    assert out[560:].max() <= -16.0 - 32.0 + 0.5  # trailing room tone not raised


def test_limiter_holds_the_ceiling_and_keeps_length() -> None:
    rng = np.random.default_rng(7)
    rate = 44100
    signal = (rng.standard_normal(rate * 3) * 0.3).astype(np.float32).reshape(-1, 1)
    limiter = TruePeakLimiter(rate, 1, -2.0)
    blocks = [limiter.push(signal[i : i + 10000]) for i in range(0, len(signal), 10000)]
    out = np.concatenate([*blocks, limiter.flush()])
    assert out.shape == signal.shape
    meter = TruePeakMeter(1)
    meter.push(out)
    meter.flush()
    assert meter.dbtp <= -2.0 + 0.05
    assert limiter.max_reduction_db > 3
    quiet = signal * 0.1
    gentle = TruePeakLimiter(rate, 1, -2.0)
    passed = np.concatenate([gentle.push(quiet), gentle.flush()])
    np.testing.assert_array_equal(passed, quiet)  # under the ceiling: untouched, not shifted


def test_true_peak_meter_sees_inter_sample_peaks() -> None:
    rate = 44100
    t = np.arange(rate) / rate
    # a quarter-rate sine sampled at 45° phase: samples at 0.707, true peak 1.0
    sine = np.sin(2 * np.pi * (rate / 4) * t + np.pi / 4).astype(np.float32).reshape(-1, 1)
    meter = TruePeakMeter(1)
    meter.push(sine)
    meter.flush()
    assert 20 * np.log10(np.abs(sine).max()) == pytest.approx(-3.0, abs=0.1)
    assert meter.dbtp == pytest.approx(0.0, abs=0.3)


def test_master_format() -> None:
    assert master_format([_info("a.wav", bits=16, sample_fmt="s16")]).bits == 16
    deep = master_format([_info("a.wav")])
    assert (deep.bits, deep.exact) == (24, True)
    floating = master_format([_info("f.wav", sample_fmt="flt", codec="pcm_f32le", bits=0)])
    assert (floating.bits, floating.exact) == (24, False)
    lossy = master_format([_info("p.m4a", sample_fmt="fltp", codec="aac", bits=0)])
    assert "lossy aac" in lossy.notes[0]


def test_join_graph_converts_mismatched_parts() -> None:
    graph = join_graph([_info("1.wav"), _info("2.wav", rate=44100, channels=1)])
    assert "[0:a:0]anull[p0]" in graph
    assert "[1:a:0]aresample=48000,aformat=channel_layouts=stereo[p1]" in graph
    assert graph.endswith("concat=n=2:v=0:a=1[joined]")
    assert join_graph([_info("1.wav")]) == "[0:a:0]anull[joined]"


def test_excerpts_stay_inside_one_part() -> None:
    parts = (_info("1.wav", duration=100.0), _info("2.wav", duration=100.0))
    found = _excerpts(parts, 10.0, 190.0)
    assert len(found) == 3
    for part, offset, raw, length in found:
        assert offset >= 0
        assert offset + length <= 100.0
        assert raw == pytest.approx(part * 100.0 + offset)


def test_tee_escape() -> None:
    assert tee_escape(Path("/a|b/[c]/d.mp3")) == "/a\\|b/\\[c\\]/d.mp3"


def test_speech_dataclass_seconds() -> None:
    speech = Speech(np.array([True, True, False]), -60.0, -20.0, -52.0)
    assert speech.seconds == pytest.approx(0.2)
