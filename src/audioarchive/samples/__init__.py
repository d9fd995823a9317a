"""Synthetic meeting recordings, for the sample workspace, the tests and the benchmarks.

A meeting is a list of turns (text, voice, level) rendered with espeak-ng when
it is installed (a speech-like noise otherwise), separated by pauses, over a
pink-noise room tone, with an early start and a late stop, written as one file
or split sample-exactly into parts the way field recorders do. The spoken
turns come back as cues on the raw timeline, for transcripts.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from audioarchive.common.formats import clock_time
from audioarchive.ffmpeg import Tools, measure_loudness, probe, run_ffmpeg, speak

HOST_TEXTS = (
    "Bonsoir à toutes et à tous, et bienvenue à cette rencontre du Mouton Numérique.",
    (
        "Quand les guichets ferment et que tout passe par un site internet, les personnes "
        "les plus éloignées du numérique renoncent à leurs droits."
    ),
    "Merci beaucoup. Nous passons maintenant aux questions de la salle.",
)
GUEST_TEXTS = (
    "Merci. Les caisses utilisent des algorithmes de notation pour cibler les contrôles.",
    (
        "Ces scores de risque visent d'abord les personnes les plus précaires. "
        "Il faut rendre ces règles publiques et discutables."
    ),
)
CODECS: dict[str, list[str]] = {
    ".wav": ["-c:a", "pcm_s{bits}le", "-rf64", "auto"],
    ".flac": ["-c:a", "flac"],
    ".m4a": ["-c:a", "aac", "-b:a", "128k"],
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
}


@dataclass(frozen=True)
class Turn:
    text: str
    speaker: str = "host"
    voice: str = "fr"
    gain_db: float = -3.0
    pause: float = 1.5  # seconds of room tone after the turn
    #: when set, the turn is brought to this integrated loudness (LUFS, dual-mono) instead
    loudness: float | None = None
    #: an event ("applause", "door") at the start of the pause after the turn (harsh rooms);
    #: the pause is lengthened to hold it
    then: str | None = None


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    speaker: str
    text: str


@dataclass(frozen=True)
class MeetingSpec:
    turns: tuple[Turn, ...]
    lead: float = 4.0  # room tone before the first word
    tail: float = 3.0  # room tone after the last word
    minutes: float | None = None  # loop the turns to reach this length
    rate: int = 48000
    channels: int = 2
    bits: int = 24
    room_amplitude: float = 0.004
    parts: int = 1
    seed: int = 1
    room: Room | None = None  # a harsh room instead of the quiet pink room tone


@dataclass(frozen=True)
class Room:
    """A harsh room: broadband noise at a known loudness, mains hum, loud events.

    ``noise`` is "pink" (hiss) or "ventilation" (a low, brown-ish rumble with a whistle);
    the hum is a sine at ``hum_hz`` with its second and third harmonics 6 and 10 dB under
    it; the events are the turns' ``then``. Levels are those of the
    recording downmixed to mono, as the analysis and the public file measure them.
    """

    noise: str = "pink"
    noise_lufs: float = -43.0
    hum_hz: float = 50.0
    hum_dbfs: float = -42.0  # peak level of the fundamental (dBFS)


#: Length of each event (s) and the room tone kept after it before the next turn.
EVENT_SECONDS = {"applause": 3.0, "door": 0.6}
EVENT_AFTER = 1.0


@dataclass(frozen=True)
class Meeting:
    parts: tuple[Path, ...]
    cues: tuple[Cue, ...]
    duration: float
    speech: bool  # True when espeak-ng spoke, False for the noise fallback
    clean: Path | None = None  # the voices alone, mono (harsh rooms): the reference for STOI
    events: tuple[tuple[str, float], ...] = ()  # (kind, raw seconds) of applause, doors…


@dataclass
class _Rendered:
    clips: list[Path] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    speech: bool = True


def default_turns(quiet_db: float = 12.0) -> tuple[Turn, ...]:
    """Host and guest alternating, the guest ``quiet_db`` below the host."""
    return (
        Turn(HOST_TEXTS[0], "host", "fr", -3.0, 1.0),
        Turn(GUEST_TEXTS[0], "guest", "fr+m3", -3.0 - quiet_db, 1.5),
        Turn(HOST_TEXTS[1], "host", "fr", -3.0, 1.0),
        Turn(GUEST_TEXTS[1], "guest", "fr+m3", -3.0 - quiet_db, 1.5),
        Turn(HOST_TEXTS[2], "host", "fr", -3.0, 1.0),
    )


def steady_turns(count: int = 4, gain_db: float = -6.0) -> tuple[Turn, ...]:
    """One speaker at an even level: levelling must leave the gain nearly constant."""
    texts = (*HOST_TEXTS, *GUEST_TEXTS)
    return tuple(Turn(texts[i % len(texts)], "host", "fr", gain_db, 0.8) for i in range(count))


def bench_spec(hours: float = 1.0) -> MeetingSpec:
    """The benchmark's meeting: 48 kHz/24-bit stereo, guest 15 dB below the host, room tone,
    a minute of lead-in and half a minute of tail."""
    return MeetingSpec(
        turns=default_turns(quiet_db=15.0),
        lead=60.0,
        tail=30.0,
        minutes=hours * 60,
        rate=48000,
        channels=2,
        bits=24,
    )


def synthesize_meeting(tools: Tools, out: Path, spec: MeetingSpec) -> Meeting:
    """Write the meeting to ``out`` (or ``out-1``, ``out-2``… for parts); return its cues."""
    suffix = out.suffix.lower()
    if suffix not in CODECS:
        raise ValueError(f"{out.name}: expected one of {', '.join(CODECS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="audioarchive-samples-") as tmp:
        work = Path(tmp)
        rendered = _render_turns(tools, spec, work)
        program, cues, duration, events = _program(tools, spec, rendered, work)
        whole = work / "whole.wav"
        clean = None
        if spec.room is not None:
            clean = out.with_name(f"{out.stem}.clean.wav")
            run_ffmpeg(tools, ["-i", str(program), "-c:a", "pcm_f32le", str(clean)])
            _mix_harsh(tools, spec, spec.room, program, duration, whole, work, events)
        else:
            _mix_room(tools, spec, program, duration, whole)
        parts = _write_parts(tools, spec, whole, out, duration)
    return Meeting(tuple(parts), tuple(cues), duration, rendered.speech, clean, events)


def _render_turns(tools: Tools, spec: MeetingSpec, work: Path) -> _Rendered:
    rendered = _Rendered()
    for index, turn in enumerate(spec.turns):
        raw = work / f"turn{index}.wav"
        if not speak(turn.text, turn.voice, raw, speed=150 if turn.speaker == "host" else 135):
            rendered.speech = False
            seconds = max(1.5, len(turn.text) / 14)
            run_ffmpeg(
                tools,
                [
                    "-f",
                    "lavfi",
                    "-i",
                    f"anoisesrc=color=pink:amplitude=0.5:seed={index + 7}:duration={seconds:.2f}",
                    "-af",
                    "bandpass=f=900:width_type=o:w=2,tremolo=f=4:d=0.8",
                    str(raw),
                ],
            )
        clip = work / f"clip{index}.wav"
        gain = turn.gain_db
        if turn.loudness is not None:
            gain = turn.loudness - measure_loudness(tools, raw).integrated
        run_ffmpeg(
            tools,
            [
                "-i",
                str(raw),
                "-af",
                f"volume={gain:.3f}dB,aresample={spec.rate},aformat=sample_fmts=s32:channel_layouts=mono",
                "-c:a",
                "pcm_s32le",
                str(clip),
            ],
        )
        rendered.clips.append(clip)
        rendered.durations.append(probe(tools, clip).duration)
    return rendered


def _pause(turn: Turn) -> float:
    if turn.then is None:
        return turn.pause
    return max(turn.pause, EVENT_SECONDS[turn.then] + EVENT_AFTER)


def _program(
    tools: Tools, spec: MeetingSpec, rendered: _Rendered, work: Path
) -> tuple[Path, list[Cue], float, tuple[tuple[str, float], ...]]:
    """The speech track: turns with their pauses, looped to length, after the lead."""
    one_pass = sum(d + _pause(t) for d, t in zip(rendered.durations, spec.turns, strict=True))
    loops = 1
    if spec.minutes:
        loops = max(1, math.ceil((spec.minutes * 60 - spec.lead - spec.tail) / one_pass))
    cues: list[Cue] = []
    events: list[tuple[str, float]] = []
    clock = spec.lead
    for _ in range(loops):
        for turn, seconds in zip(spec.turns, rendered.durations, strict=True):
            cues.append(Cue(round(clock, 3), round(clock + seconds, 3), turn.speaker, turn.text))
            if turn.then is not None:
                events.append((turn.then, round(clock + seconds + 0.3, 3)))
            clock += seconds + _pause(turn)
    duration = spec.minutes * 60 if spec.minutes else clock + spec.tail
    cues = [c for c in cues if c.end <= duration - spec.tail or not spec.minutes]
    speech_end = (cues[-1].end + 0.05) if cues else spec.lead
    events = [e for e in events if e[1] < speech_end]
    # the last whole turn ends the speech: room tone only after it
    exchange = work / "exchange.wav"
    inputs: list[str] = []
    chain: list[str] = []
    for index, (clip, turn) in enumerate(zip(rendered.clips, spec.turns, strict=True)):
        inputs += ["-i", str(clip)]
        chain.append(f"[{index}]apad=pad_dur={_pause(turn)}[t{index}]")
    labels = "".join(f"[t{i}]" for i in range(len(rendered.clips)))
    graph = ";".join([*chain, f"{labels}concat=n={len(rendered.clips)}:v=0:a=1[out]"])
    run_ffmpeg(
        tools,
        [*inputs, "-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_s32le", str(exchange)],
    )
    program = work / "program.wav"
    run_ffmpeg(
        tools,
        [
            "-stream_loop",
            str(loops - 1),
            "-i",
            str(exchange),
            "-af",
            (
                f"adelay={int(spec.lead * 1000)}:all=1,"
                f"atrim=0:{speech_end:.3f},apad=whole_dur={duration:.3f},atrim=0:{duration:.3f}"
            ),
            "-c:a",
            "pcm_s32le",
            str(program),
        ],
    )
    return program, cues, duration, tuple(events)


#: How the (mono) voice and room tone reach each channel of a 5.1 recording.
PAN_51 = "5.1|FL=0.35*c0|FR=0.35*c0|FC=c0|LFE=0.1*c0|BL=0.15*c0|BR=0.15*c0"


def _mix_room(tools: Tools, spec: MeetingSpec, program: Path, duration: float, dest: Path) -> None:
    """Voice plus room tone; 5.1 puts the voice in the centre, as a film mix does."""
    if spec.channels == 6:
        voice, room = f"pan={PAN_51}", f"pan={PAN_51.replace('FC=c0', 'FC=0.35*c0')}"
    else:
        layout = "stereo" if spec.channels == 2 else "mono"
        voice = room = f"aformat=channel_layouts={layout}"
    noise = (
        f"anoisesrc=color=pink:amplitude={spec.room_amplitude}:sample_rate={spec.rate}"
        f":duration={duration:.3f}:seed={spec.seed}"
    )
    run_ffmpeg(
        tools,
        [
            "-i",
            str(program),
            "-f",
            "lavfi",
            "-i",
            noise,
            "-filter_complex",
            (
                f"[0]{voice}[v];[1]{room}[n];"
                f"[v][n]amix=inputs=2:duration=first:normalize=0,atrim=0:{duration:.3f}[out]"
            ),
            *_recorder_output(spec, dest),
        ],
    )


def _recorder_output(spec: MeetingSpec, dest: Path) -> list[str]:
    """The output options of a mix: the graph's ``[out]``, as the recorder writes it."""
    return ["-map", "[out]", "-ar", str(spec.rate), "-c:a", f"pcm_s{spec.bits}le", str(dest)]


#: The noises of a harsh room, as ffmpeg sources (mono, before their level is set).
_NOISES = {
    "pink": "anoisesrc=color=pink:amplitude=0.05:seed={seed}:sample_rate={rate}:duration={d}",
    "ventilation": (
        "anoisesrc=color=brown:amplitude=0.2:seed={seed}:sample_rate={rate}:duration={d},"
        "highpass=f=40,lowpass=f=900[low];"
        "anoisesrc=color=white:amplitude=0.01:seed={seed2}:sample_rate={rate}:duration={d},"
        "bandpass=f=2400:width_type=q:w=3[whistle];"
        "[low][whistle]amix=inputs=2:normalize=0"
    ),
}
_EVENTS = {
    # 3 s of clapping: bursts of band-passed noise, about 12 claps a second
    "applause": (
        "anoisesrc=color=white:amplitude=0.5:seed=11:sample_rate={rate}:duration=3,"
        "bandpass=f=1800:width_type=o:w=2.5,tremolo=f=11:d=0.95,"
        "afade=t=in:d=0.3,afade=t=out:st=2.2:d=0.8,volume=-6dB"
    ),
    # a door slammed shut: a short, loud, low thump with a crack
    "door": (
        "anoisesrc=color=brown:amplitude=1:seed=12:sample_rate={rate}:duration=0.6,"
        "lowpass=f=250,afade=t=out:curve=exp:d=0.6,volume=6dB"
    ),
}


def _mix_harsh(
    tools: Tools,
    spec: MeetingSpec,
    room: Room,
    program: Path,
    duration: float,
    dest: Path,
    work: Path,
    events: Sequence[tuple[str, float]],
) -> None:
    """Voice, noise at ``room.noise_lufs``, hum and events, all in every channel."""
    if room.noise not in _NOISES:
        raise ValueError(f"room noise {room.noise!r}: expected one of {', '.join(_NOISES)}")
    noise = work / "noise.wav"
    source = _NOISES[room.noise].format(
        seed=spec.seed, seed2=spec.seed + 1, rate=spec.rate, d=f"{duration:.3f}"
    )
    run_ffmpeg(tools, ["-filter_complex", f"{source}[out]", "-map", "[out]", str(noise)])
    noise_gain = room.noise_lufs - measure_loudness(tools, noise).integrated
    inputs = ["-i", str(program), "-i", str(noise)]
    graph = [f"[1]volume={noise_gain:.3f}dB[noise]"]
    labels = ["[0]", "[noise]"]
    for k, drop in ((1, 0.0), (2, 6.0), (3, 10.0)):
        graph.append(
            f"sine=f={room.hum_hz * k:g}:sample_rate={spec.rate}:d={duration:.3f},"
            f"volume={room.hum_dbfs - drop + 18.06:.2f}dB[h{k}]"  # the sine source is at 1/8
        )
        labels.append(f"[h{k}]")
    for index, (kind, at) in enumerate(events):
        graph.append(
            f"{_EVENTS[kind].format(rate=spec.rate)},adelay={round(at * 1000)}:all=1[e{index}]"
        )
        labels.append(f"[e{index}]")
    # each channel carries the mix at a level that ffmpeg's downmix to mono (the published
    # layout) brings back to the levels asked for: identical channels add up by 3 dB per pair
    layout = {1: "mono", 2: "stereo"}[spec.channels]
    share = 1.0 if spec.channels == 1 else math.sqrt(0.5)
    graph.append(
        f"{''.join(labels)}amix=inputs={len(labels)}:duration=first:normalize=0,"
        f"atrim=0:{duration:.3f},aformat=channel_layouts=mono,"
        f"pan={layout}|{'|'.join(f'c{i}={share:.6f}*c0' for i in range(spec.channels))}[out]"
    )
    run_ffmpeg(
        tools,
        [
            *inputs,
            "-filter_complex",
            ";".join(graph),
            *_recorder_output(spec, dest),
        ],
    )


def _write_parts(
    tools: Tools, spec: MeetingSpec, whole: Path, out: Path, duration: float
) -> list[Path]:
    codec = [c.format(bits=spec.bits) for c in CODECS[out.suffix.lower()]]
    if spec.parts <= 1:
        run_ffmpeg(tools, ["-i", str(whole), *codec, str(out)])
        return [out]
    samples = round(duration * spec.rate)
    bounds = [samples * i // spec.parts for i in range(spec.parts + 1)]
    paths = []
    for index in range(spec.parts):
        part = out.with_name(f"{out.stem}-{index + 1}{out.suffix}")
        trim = f"atrim=start_sample={bounds[index]}:end_sample={bounds[index + 1]}"
        run_ffmpeg(tools, ["-i", str(whole), "-af", trim, *codec, str(part)])
        paths.append(part)
    return paths


def write_vtt(cues: Sequence[Cue], dest: Path, names: dict[str, str]) -> None:
    """A WebVTT transcript of ``cues``, with ``<v Speaker>`` labels from ``names``."""
    lines = ["WEBVTT", ""]
    for cue in cues:
        lines.append(f"{clock_time(cue.start)} --> {clock_time(cue.end)}")
        lines.append(f"<v {names.get(cue.speaker, cue.speaker)}>{cue.text}")
        lines.append("")
    dest.write_text("\n".join(lines), encoding="utf-8")
