"""Sound for real rooms: harsh-room meetings, measured on the decoded MP3.

The meeting (:func:`audioarchive.samples.harsh.harsh_spec`, five turns, about 40 s) has a host at
-26 LUFS, a second speaker 6 dB under, a guest far from the microphone only about
3.5 LU above the room (ventilation noise and a 50 Hz hum with two harmonics), a door
slam and applause. Its clean voices are known, so intelligibility is measured too.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from audioarchive.audio import AudioJob, AudioResult, process_audio
from audioarchive.audio.denoise import SpectralGate
from audioarchive.audio.voice import Listener
from audioarchive.config import AudioSettings
from audioarchive.errors import AudioInputError
from audioarchive.ffmpeg import Tools, probe
from audioarchive.metadata.session import Trim
from audioarchive.samples import Meeting, MeetingSpec, Room, synthesize_meeting
from audioarchive.samples.harsh import RoomFigures, harsh_spec, harsh_turns, measure_room
from tests.helpers import ffmpeg

TARGET = -16.0


def _job(meeting: Meeting, tools: Tools, workdir: Path, **profile: object) -> AudioJob:
    return AudioJob(
        session_id="harsh",
        parts=tuple(probe(tools, p) for p in meeting.parts),
        trim=Trim(),
        redactions=(),
        profile=replace(AudioSettings(), **profile),  # type: ignore[arg-type]
        workdir=workdir,
        want_master=False,
    )


def _figures(tools: Tools, result: AudioResult, meeting: Meeting) -> RoomFigures:
    return measure_room(
        tools, result.public["mp3"], meeting, offset=result.timeline.start, stoi=True
    )


@pytest.fixture(scope="module")
def harsh(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Meeting:
    spec = harsh_spec()
    spec = replace(spec, turns=spec.turns[:5])  # about 40 s: the door and applause included
    return synthesize_meeting(tools, tmp_path_factory.mktemp("harsh") / "DEBAT.WAV", spec)


@pytest.fixture(scope="module")
def raw(harsh: Meeting, tools: Tools) -> RoomFigures:
    return measure_room(tools, harsh.parts[0], harsh)


@pytest.fixture(scope="module")
def built(harsh: Meeting, tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> AudioResult:
    return process_audio(tools, _job(harsh, tools, tmp_path_factory.mktemp("built")))


@pytest.fixture(scope="module")
def out(built: AudioResult, harsh: Meeting, tools: Tools) -> RoomFigures:
    return _figures(tools, built, harsh)


def test_the_meeting_is_as_harsh_as_the_issue_says(raw: RoomFigures) -> None:
    assert raw.speakers["host"] == pytest.approx(-26, abs=1.5)
    assert raw.speakers["guest"] - raw.floor_lufs < 5  # a voice a few LU above the room
    assert raw.spread > 10


def test_every_speaker_ends_within_3_lu_of_the_others(out: RoomFigures) -> None:
    assert out.spread <= 3.0, out.speakers


def test_loudness_targets_hold_on_the_decoded_mp3(out: RoomFigures) -> None:
    assert out.loudness.integrated == pytest.approx(TARGET, abs=0.5)
    assert out.loudness.true_peak <= -1.0
    assert out.loudness.lra <= 8.0


@pytest.fixture(scope="module")
def plain(harsh: Meeting, tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> RoomFigures:
    """The same meeting levelled without noise reduction."""
    workdir = tmp_path_factory.mktemp("plain")
    return _figures(tools, process_audio(tools, _job(harsh, tools, workdir, denoise=False)), harsh)


def test_noise_in_the_pauses_is_10_db_further_under_the_speech(
    raw: RoomFigures, out: RoomFigures
) -> None:
    assert out.floor_below_speech >= raw.floor_below_speech + 10


def test_hum_is_20_db_further_under_the_speech(raw: RoomFigures, out: RoomFigures) -> None:
    assert out.hum_below_speech >= raw.hum_below_speech + 20


def test_noise_reduction_keeps_the_voices_intelligible(
    raw: RoomFigures, out: RoomFigures, plain: RoomFigures
) -> None:
    assert raw.stoi is None  # measured on the outputs only
    assert out.stoi is not None
    assert plain.stoi is not None
    assert out.stoi >= plain.stoi
    assert plain.hum_below_speech < raw.hum_below_speech + 5  # levelling alone leaves the hum


def test_the_quiet_guest_is_kept_by_the_trim(built: AudioResult, harsh: Meeting) -> None:
    assert built.timeline.start <= harsh.cues[0].start
    assert built.timeline.end >= harsh.cues[-1].end


def test_a_voice_3_lu_above_the_room_is_speech(tools: Tools, tmp_path: Path) -> None:
    host, _, _, _, guest, *_ = harsh_turns()
    room = Room(noise="pink", noise_lufs=-43.0, hum_dbfs=-60.0)
    # the room measures about -42.5 LUFS with its hum: the guest 3 LU above it
    spec = MeetingSpec(
        turns=(host, replace(guest, loudness=-41.2), replace(host, text=guest.text)),
        lead=3.0,
        tail=2.0,
        room=room,
    )
    meeting = synthesize_meeting(tools, tmp_path / "quiet.wav", spec)
    result = process_audio(tools, _job(meeting, tools, tmp_path / "work"))
    figures = _figures(tools, result, meeting)
    raw = measure_room(tools, meeting.parts[0], meeting)
    assert raw.speakers["guest"] - raw.floor_lufs == pytest.approx(3.0, abs=1.0)
    assert figures.spread <= 3.0, figures.speakers


def test_a_recording_of_room_noise_only_is_refused(tools: Tools, tmp_path: Path) -> None:
    noise = tmp_path / "room.wav"
    ffmpeg(
        "-f", "lavfi", "-i", "anoisesrc=color=brown:amplitude=0.02:duration=10,lowpass=f=900",
        "-f", "lavfi", "-i", "sine=f=50:d=10,volume=-12dB",
        "-filter_complex", "[0][1]amix=inputs=2:normalize=0", str(noise),
    )  # fmt: skip
    meeting = Meeting((noise,), (), 10.0, False)
    with pytest.raises(AudioInputError, match="no speech found"):
        process_audio(tools, _job(meeting, tools, tmp_path / "work"))


def test_the_report_lists_speech_and_the_room_before_and_after(
    built: AudioResult, harsh: Meeting
) -> None:
    data = built.report.as_dict()
    segments = data["speech"]["segments"]
    for cue in harsh.cues:  # every turn lies in the speech found, the quiet guest's too
        covered = sum(
            max(0.0, min(end, cue.end) - max(start, cue.start)) for start, end in segments
        )
        assert covered >= 0.8 * (cue.end - cue.start), (cue, segments)
    room = data["room"]
    assert room["hum"]["frequency_hz"] == pytest.approx(50.0, abs=0.1)
    assert room["denoise"]["notches_hz"][:3] == pytest.approx([50, 100, 150], abs=0.2)
    before, after = room["before"], room["after"]
    assert after["room_tone_under_speech_lu"] >= before["room_tone_under_speech_lu"] + 10
    assert not any("LU under the rest" in note for note in data["notes"])


def test_a_speaker_left_far_from_the_others_is_named(
    harsh: Meeting, tools: Tools, tmp_path: Path
) -> None:
    job = _job(harsh, tools, tmp_path, levelling=False)
    notes = process_audio(tools, job).report.notes
    assert any("LU under the rest of the speech" in note for note in notes), notes


def _pcm(samples: npt.NDArray[np.float64]) -> bytes:
    return (samples * 32767).astype("<i2").tobytes()


def test_the_hum_is_found_not_assumed() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(16000 * 12) / 16000
    noise = 0.02 * rng.standard_normal(t.size)
    sixty = 0.01 * np.sin(2 * np.pi * 59.95 * t) + 0.005 * np.sin(2 * np.pi * 119.9 * t)
    listener = Listener()
    listener.push(_pcm(noise + sixty))
    hum = listener.hum()
    assert hum is not None
    assert hum.frequency == pytest.approx(59.95, abs=0.05)
    assert hum.harmonics[:2] == (1, 2)
    quiet = Listener()
    quiet.push(_pcm(noise))
    assert quiet.hum() is None


def test_a_long_recording_is_heard_for_hum_in_evenly_spread_segments() -> None:
    """Past 20 minutes, not every 4 s segment is analysed: the same hum is found, pushed in
    uneven blocks, from a third of the segments (a one-hour recording averages 600)."""
    rng = np.random.default_rng(4)
    t = np.arange(16000 * 40) / 16000
    fifty = 0.01 * np.sin(2 * np.pi * 50.04 * t) + 0.004 * np.sin(2 * np.pi * 150.12 * t)
    data = _pcm(0.02 * rng.standard_normal(t.size) + fifty)
    every, spread = Listener(), Listener(duration=3600.0)
    every.push(data)
    for start in range(0, len(data), 70_001 * 2):  # blocks that split segments anywhere
        spread.push(data[start : start + 70_001 * 2])
    assert (every._segments, spread._segments) == (19, 7)  # segments 0, 3, 6 … 18
    found, heard = every.hum(), spread.hum()
    assert found is not None
    assert heard is not None
    assert heard.frequency == pytest.approx(found.frequency, abs=0.02)
    assert heard.harmonics == found.harmonics == (1, 3)
    assert heard.level_db == pytest.approx(found.level_db, abs=0.5)


def test_the_gate_keeps_every_sample_in_place() -> None:
    """Before it has learned any room tone the gate hands back its input, aligned."""
    rng = np.random.default_rng(2)
    block = (0.1 * rng.standard_normal((44100 * 3, 2))).astype(np.float32)
    gate = SpectralGate(44100, 2, 12.0, ())
    times = np.arange(len(block)) / 44100
    out = np.concatenate(
        [
            gate.push(block[:50000], times[:50000]),
            gate.push(block[50000:], times[50000:]),
            gate.flush(),
        ]
    )
    assert out.shape == block.shape
    assert np.abs(out - block).max() < 1e-5
