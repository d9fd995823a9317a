"""The pocketsphinx engine: CMU's recogniser with the English model its PyPI package ships.

Rough on real meetings, but small, offline and installable everywhere: the suite's
contract tests run against it. Its endpointer cuts the audio at pauses; each
utterance is decoded and yielded with its words' times (10 ms frames).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from pocketsphinx import Decoder, Endpointer

from audioarchive.ffmpeg import SPEECH_RATE
from audioarchive.metadata.machine_transcript import Segment, Word

_ALTERNATE = re.compile(r"\(\d+\)$")  # "really(2)": the dictionary's second pronunciation
_FIRST_LIMIT = 60 * SPEECH_RATE * 2  # bytes: a first utterance decoded twice if shorter
_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[BREATH]", "[COUGH]"})


class SphinxEngine:
    def __init__(self) -> None:
        self._decoder = Decoder(samprate=SPEECH_RATE, loglevel="FATAL")
        self._frame_rate = int(self._decoder.config["frate"])

    def transcribe(self, pcm: IO[bytes], offset: float) -> Iterator[Segment]:
        endpointer = Endpointer(sample_rate=SPEECH_RATE)
        size = endpointer.frame_bytes
        first: list[bytes] | None = []  # the first utterance, decoded again (see below)
        while True:
            frame = pcm.read(size)
            if not frame:  # the audio ended on a whole frame: close an open utterance
                if endpointer.in_speech:
                    segment = self._end(endpointer.speech_start, offset)
                    if segment is not None:
                        yield segment
                return
            last = len(frame) < size
            was_speaking = endpointer.in_speech
            speech = endpointer.end_stream(frame) if last else endpointer.process(frame)
            if speech is not None:
                if not was_speaking:
                    self._decoder.start_utt()
                self._decoder.process_raw(speech)
                if first is not None:
                    first.append(speech)
                    if len(first) * size > _FIRST_LIMIT:
                        first = None  # a long first utterance: not worth holding in memory
                if not endpointer.in_speech:
                    if first is not None:
                        # The live cepstral mean is only estimated by the end of the first
                        # utterance: decoding that one again with the estimate helps it.
                        self._decoder.end_utt()
                        self._decoder.start_utt()
                        self._decoder.process_raw(b"".join(first), full_utt=True)
                        first = None
                    segment = self._end(endpointer.speech_start, offset)
                    if segment is not None:
                        yield segment
            if last:
                return  # end_stream closed the utterance

    def _end(self, start: float, offset: float) -> Segment | None:
        self._decoder.end_utt()
        words = []
        for seg in self._decoder.seg():
            if seg.word in _FILLERS or seg.word.startswith(("[", "<")):
                continue
            words.append(
                Word(
                    round(offset + start + seg.start_frame / self._frame_rate, 3),
                    round(offset + start + (seg.end_frame + 1) / self._frame_rate, 3),
                    _ALTERNATE.sub("", seg.word),
                )
            )
        if not words:
            return None
        return Segment(words[0].start, words[-1].end, " ".join(w.text for w in words), tuple(words))
