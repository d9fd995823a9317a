"""The faster-whisper engine (CTranslate2, int8 on the CPU): the one for real use.

An optional extra (``pip install 'audioarchive[whisper]'``). Its model is never
downloaded here: it is loaded from a local folder that the user filled once
(``audioarchive transcribe --check`` says which). The audio is read in windows
of :data:`WINDOW` seconds so that memory stays bounded on a two-hour meeting;
the last, possibly cut, segment of a window is decoded again with the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
from faster_whisper import WhisperModel

from audioarchive.ffmpeg import SPEECH_RATE
from audioarchive.metadata.machine_transcript import Segment, Word

WINDOW = 300.0  # seconds of audio decoded at once (19 MB as float32)


class WhisperEngine:
    def __init__(self, folder: Path, language: str) -> None:
        self._model: Any = WhisperModel(str(folder), device="cpu", compute_type="int8")
        self._language = language

    def transcribe(self, pcm: IO[bytes], offset: float) -> Iterator[Segment]:
        carry = np.zeros(0, dtype=np.float32)
        start = offset  # time of carry[0]
        window = int(WINDOW * SPEECH_RATE)
        while True:
            data = pcm.read((window - len(carry)) * 2)
            audio = np.concatenate([carry, np.frombuffer(data, dtype="<i2") / 32768.0])
            audio = audio.astype(np.float32)
            final = len(audio) < window
            if len(audio) == 0:
                return
            segments = list(self._decode(audio, start))
            keep = segments if final or len(segments) < 2 else segments[:-1]
            yield from keep
            if final:
                return
            resume = keep[-1].end if keep else start + len(audio) / SPEECH_RATE - 1.0
            cut = max(0, int((resume - start) * SPEECH_RATE))
            carry = audio[cut:]
            start += cut / SPEECH_RATE

    def _decode(self, audio: Any, start: float) -> Iterator[Segment]:
        found, _info = self._model.transcribe(
            audio, language=self._language, word_timestamps=True, vad_filter=True
        )
        for item in found:
            words = tuple(
                Word(round(start + w.start, 3), round(start + w.end, 3), w.word.strip())
                for w in item.words or ()
                if w.word.strip()
            )
            text = item.text.strip()
            if text:
                yield Segment(round(start + item.start, 3), round(start + item.end, 3), text, words)
