from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audioarchive.common.validation import FieldReader, did_you_mean, format_time, parse_time
from audioarchive.errors import Problem


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0:45:10", 2710.0),
        ("1:58:00", 7080.0),
        ("12:30", 750.0),
        ("90", 90.0),
        ("0:00:01.250", 1.25),
        (7080, 7080.0),
        (90.5, 90.5),
    ],
)
def test_parse_time_accepts_clock_text_and_yaml_numbers(text: str | float, seconds: float) -> None:
    assert parse_time(text) == seconds


@pytest.mark.parametrize("bad", ["", "1:2:3:4", "ten", "-5", -1, True, None, [1], "1:75"])
def test_parse_time_refuses_nonsense(bad: object) -> None:
    assert parse_time(bad) is None


@given(st.integers(min_value=0, max_value=30 * 3600 * 1000))
def test_format_then_parse_round_trips(ms: int) -> None:
    seconds = ms / 1000
    assert parse_time(format_time(seconds, millis=True)) == pytest.approx(seconds, abs=1e-6)


def test_did_you_mean() -> None:
    assert did_you_mean("speekers", ["speakers", "topics"]) == '; did you mean "speakers"?'
    assert did_you_mean("zzz", ["speakers"]) == ""


def test_reader_collects_every_problem_with_file_field_found_and_expected() -> None:
    problems: list[Problem] = []
    reader = FieldReader(
        problems, "s.yaml", {"title": "", "season": "one", "tilte": "x", "date": "2022-10-25"}
    )
    reader.check_keys(["title", "season", "date"])
    reader.text("title", required=True)
    reader.integer("season", minimum=1)
    reader.datetime_tz("date")
    lines = [str(p) for p in problems]
    assert lines == [
        's.yaml: tilte: unknown key; did you mean "title"?',
        (
            's.yaml: title: found "", which is blank; expected a text, or no key at all while '
            "there is none"
        ),
        's.yaml: season: found "one"; expected a whole number of at least 1',
        (
            's.yaml: date: found "2022-10-25" without a time; expected a date and time with a '
            "time zone, e.g. 2022-10-25T19:00:00+02:00"
        ),
    ]


def test_reader_refuses_control_characters_in_one_line_text() -> None:
    problems: list[Problem] = []
    FieldReader(problems, "f", {"t": "a\x07b"}).text("t")
    assert "control characters" in str(problems[0])
    assert "\\x07" in str(problems[0])


@pytest.mark.parametrize("blank", ["", " ", "\t", "\u3000", "\u00a0 "])
def test_a_blank_value_is_a_named_problem_for_every_text_field(blank: str) -> None:
    """Required or optional, one-line or multi-line, or an item of a list: never silent."""
    problems: list[Problem] = []
    data = {"title": blank, "venue": blank, "description": blank, "topics": ["ok", blank]}
    reader = FieldReader(problems, "s.yaml", data)
    assert reader.text("title", required=True) is None
    assert reader.text("venue") is None
    assert reader.text("description", multiline=True) is None
    assert reader.text_list("topics") == ("ok",)
    assert [p.field for p in problems] == ["title", "venue", "description", "topics[1]"]
    assert all("blank" in p.message for p in problems)
