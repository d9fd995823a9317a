from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audioarchive.metadata.privacy import withheld_names, withhold
from audioarchive.metadata.session import Person, Redaction, Session
from audioarchive.metadata.timeline import Timeline
from audioarchive.metadata.transcript import (
    Cue,
    TranscriptSyntaxError,
    parse_srt,
    parse_vtt,
    public_cues,
    render_srt,
    render_vtt,
)

VTT = """WEBVTT

NOTE a comment

00:00:04.000 --> 00:00:08.454
<v Le Mouton Numérique>Bonsoir &amp; bienvenue.

intro-2
00:00:09.454 --> 00:00:15.030
<v Habib>Je suis Habib, merci.

00:27.000 --> 00:31.000
Clara Deville: Une phrase à retirer.
"""


def test_parse_vtt_with_voices_prefixes_and_short_times() -> None:
    cues = parse_vtt(VTT)
    assert cues == [
        Cue(4.0, 8.454, "Bonsoir & bienvenue.", "Le Mouton Numérique"),
        Cue(9.454, 15.03, "Je suis Habib, merci.", "Habib"),
        Cue(27.0, 31.0, "Une phrase à retirer.", "Clara Deville"),
    ]


def test_srt_round_trip() -> None:
    cues = parse_vtt(VTT)
    assert parse_srt(render_srt(cues)) == cues
    assert parse_vtt(render_vtt(cues)) == cues


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("no header\n", 1),
        ("WEBVTT\n\n00:01.000 -> 00:02.000\nx\n", 3),
        ("WEBVTT\n\n00:05.000 --> 00:02.000\nx\n", 3),
    ],
)
def test_syntax_errors_name_the_line(text: str, line: int) -> None:
    with pytest.raises(TranscriptSyntaxError) as caught:
        parse_vtt(text)
    assert caught.value.line == line


def test_public_cues_map_redact_and_withhold_names() -> None:
    session = Session(
        id="s",
        title="t",
        source=Path("s.yaml"),
        speakers=(Person("Habib", publish_name=False), Person("Clara Deville")),
        redactions=(Redaction(27.0, 30.0, "asked"),),
    )
    cues = public_cues(parse_vtt(VTT), session, Timeline(start=4.0, end=40.0, intro=2.0))
    assert cues == [
        Cue(2.0, 6.454, "Bonsoir & bienvenue.", "Le Mouton Numérique"),
        Cue(7.454, 13.03, "Je suis […], merci.", "[…]"),
    ]


def _session(*speakers: Person) -> Session:
    return Session(id="s", title="t", source=Path("s.yaml"), speakers=speakers)


def test_withheld_names_include_the_parts_no_public_name_shares() -> None:
    session = _session(
        Person("Habib Diallo", publish_name=False),
        Person("Jean Le Gall", publish_name=False),
        Person("Jean Martin"),
    )
    assert withheld_names(session, public=["Le Mouton Numérique"]) == (
        "Habib Diallo",
        "Jean Le Gall",
        "Diallo",
        "Habib",
        "Gall",
    )  # "Jean" and "Le" are also parts of publishable names; short words are kept
    assert withheld_names(_session(Person("Clara Deville"))) == ()


def test_withhold_whole_words_only() -> None:
    names = withheld_names(_session(Person("Habib Diallo", publish_name=False)))
    assert withhold("Merci Habib, et merci à M. Diallo ; habib.", names) == (
        "Merci […], et merci à M. […] ; […]."
    )
    assert withhold("Habiba et Habibou restent.", names) == "Habiba et Habibou restent."
    assert withhold("Habib Diallo parle.", names) == "[…] parle."


def test_first_name_labels_are_withheld_too() -> None:
    session = _session(Person("Habib Diallo", publish_name=False), Person("Clara Deville"))
    cues = [Cue(1.0, 2.0, "Bonjour", "Habib"), Cue(2.0, 3.0, "Merci", "Clara")]
    out = public_cues(cues, session, Timeline(start=0.0, end=10.0))
    assert [c.speaker for c in out] == ["[…]", "Clara"]


def test_rendered_cues_never_hold_a_timing_arrow() -> None:
    cues = [Cue(1.0, 2.0, "a --> b", "X")]
    assert parse_vtt(render_vtt(cues)) == [Cue(1.0, 2.0, "a -> b", "X")]
    assert parse_srt(render_srt(cues)) == [Cue(1.0, 2.0, "a -> b", "X")]


@given(
    st.from_regex(r"[A-Z][a-zé]{2,8}", fullmatch=True),
    st.lists(st.sampled_from(["merci", "et", ",", "Habibou", "M.", "!", " ", "\n"]), max_size=8),
)
def test_a_withheld_name_never_survives(name: str, words: list[str]) -> None:
    text = " ".join([*words, name.upper(), *words, name, name.lower()])
    names = withheld_names(_session(Person(name, publish_name=False)))
    out = withhold(text, names)
    assert re.search(rf"(?<!\w){re.escape(name)}(?!\w)", out, re.IGNORECASE) is None
