from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audioarchive.errors import Problem, SessionError
from audioarchive.metadata.session import load_workspace
from audioarchive.metadata.session_file import write_session_file
from tests.helpers import Ws, examples, new_workspace

DATA = Path(__file__).parents[1] / "data" / "sessions"


def _with(tmp_path: Path, *names: str) -> Ws:
    ws = new_workspace(tmp_path / "ws")
    for name in names:
        shutil.copyfile(DATA / f"{name}.yaml", ws.sessions / f"{name}.yaml")
    return ws


def _problems(ws: Ws) -> list[str]:
    with pytest.raises(SessionError) as caught:
        load_workspace(ws.root)
    return [str(p) for p in caught.value.problems]


def test_valid_session_loads_every_field(tmp_path: Path) -> None:
    ws = _with(tmp_path, "valid")
    session = load_workspace(ws.root).session("valid")
    assert session.title == "A valid session"
    assert session.date is not None
    assert session.date.utcoffset() is not None
    assert session.venue is not None
    assert session.venue.geo == (48.8697, 2.3731)
    assert [s.public_name for s in session.speakers] == ["Clara Deville", None]
    assert [s.name for s in session.public_speakers] == ["Clara Deville"]
    assert session.trim.start == 1.0
    assert session.trim.end == 5.0
    assert [(r.start, r.end) for r in session.redactions] == [(2.0, 3.0)]
    assert [(c.start, c.title) for c in session.chapters] == [
        (0.0, "Introduction"),
        (3.0, "Clara Deville"),
    ]
    assert session.resources[0].url == "https://example.org/programme.pdf"
    assert not session.recorded  # no recordings/valid/ folder: an upcoming session


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing-title", "metadata/sessions/missing-title.yaml: title: missing; expected a text"),
        (
            "naive-date",
            (
                "metadata/sessions/naive-date.yaml: date: "
                'found "2022-10-25 19:00:00" without a time zone; '
                "expected a date and time with a time zone, e.g. 2022-10-25T19:00:00+02:00"
            ),
        ),
        (
            "typo-key",
            'metadata/sessions/typo-key.yaml: speekers: unknown key; did you mean "speakers"?',
        ),
        (
            "missing-recording",
            (
                'metadata/sessions/missing-recording.yaml: recording[0]: "ZOOM0009.WAV" is not in '
                "recordings/missing-recording/; expected an existing audio file"
            ),
        ),
        (
            "bad-yaml",
            "metadata/sessions/bad-yaml.yaml: line 3, column 5: invalid YAML",
        ),
    ],
)
def test_each_failure_mode_names_file_and_field(tmp_path: Path, name: str, expected: str) -> None:
    problems = _problems(_with(tmp_path, name))
    assert len(problems) == 1
    assert problems[0].startswith(expected)


def test_every_problem_at_once(tmp_path: Path) -> None:
    ws = _with(
        tmp_path,
        "missing-title",
        "naive-date",
        "typo-key",
        "missing-recording",
        "bad-yaml",
        "valid",
    )
    assert len(_problems(ws)) == 5


def test_cross_file_checks(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    ws.write_session("a-one", season=1, episode=1)
    ws.write_session("a-two", season=1, episode=1)
    ws.write_session("a-three", id="another-id")
    problems = _problems(ws)
    assert any("a-two.yaml: episode: found 1 (season 1), already used by" in p for p in problems)
    assert any('a-three.yaml: id: found "another-id"; expected "a-three"' in p for p in problems)


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"id": "../etc"}, 'id: found "../etc"; expected an ASCII slug'),
        ({"resources": [{"title": "x", "url": "javascript:alert(1)"}]}, "resources[0].url"),
        (
            {"chapters": [{"start": 5, "title": "b"}, {"start": 2, "title": "a"}]},
            'chapter 2 "a" (line',
        ),
        (
            {"redactions": [{"start": 1, "end": 5}, {"start": 4, "end": 6}]},
            "redactions: two ranges overlap",
        ),
        ({"redactions": [{"start": 5, "end": 1}]}, "redactions[0].end"),
        ({"speakers": [{"name": "A", "role": "gest"}]}, 'did you mean "guest"'),
        ({"title": "a\x00b"}, "control characters"),
        ({"venue": {"name": "x", "geo": "500,2"}}, "venue.geo"),
        ({"recording": ["../../etc/passwd"]}, "recording[0]"),
        ({"explicit": "no"}, 'explicit: found "no"; expected true or false'),
        (
            {"description": "x" * 20001},
            "description: found 20001 characters; expected at most 20000",
        ),
        ({"title": 42, "season": "one", "speakers": "Clara"}, "season: found"),
    ],
)
def test_hostile_or_wrong_values_are_refused(
    tmp_path: Path, fields: dict[str, object], fragment: str
) -> None:
    ws = new_workspace(tmp_path / "ws")
    ws.write_session("s1", **fields)
    if "id" in fields:
        (ws.sessions / "s1.yaml").rename(ws.sessions / "s1.yaml")
    assert any(fragment in p for p in _problems(ws))


def test_not_utf8_is_named(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    (ws.sessions / "latin1.yaml").write_bytes("id: latin1\ntitle: caf\xe9\n".encode("latin-1"))
    assert _problems(ws) == [
        "metadata/sessions/latin1.yaml: line 2: not UTF-8 text; expected a YAML file in UTF-8"
    ]


def test_recording_defaults_to_every_audio_file_in_natural_order(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    folder = ws.root / "recordings" / "s1"
    folder.mkdir(parents=True)
    for name in ("part-10.wav", "part-9.wav", "notes.txt", "transcript.vtt"):
        (folder / name).write_bytes(b"")
    ws.write_session("s1", date="2022-10-25T19:00:00+02:00")
    session = load_workspace(ws.root).session("s1")
    assert [p.name for p in session.recording] == ["part-9.wav", "part-10.wav"]


def test_a_gap_in_the_recorder_numbering_is_refused_unless_parts_are_listed(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    folder = ws.root / "recordings" / "s1"
    folder.mkdir(parents=True)
    for name in ("ZOOM0001.WAV", "ZOOM0003.WAV"):
        (folder / name).write_bytes(b"")
    ws.write_session("s1", date="2022-10-25T19:00:00+02:00")
    assert _problems(ws) == [
        (
            "metadata/sessions/s1.yaml: recording: recordings/s1/ has no ZOOM0002.WAV between the "
            "recorder's numbered parts; expected every part (copy it), or list the parts to "
            "publish in 'recording:'"
        )
    ]
    ws.write_session(
        "s1", date="2022-10-25T19:00:00+02:00", recording=["ZOOM0001.WAV", "ZOOM0003.WAV"]
    )
    assert len(load_workspace(ws.root).session("s1").recording) == 2


@given(
    title=st.text(min_size=1, max_size=300),
    description=st.text(max_size=2000),
)
@example(title="0", description="\x850")  # NEL: PyYAML's emitter wrote it raw (a line break)
@example(title="x", description="a\n\x85b\n  c  \n")
@example(title="x", description="- a\n  - b\n\n\n    code\n- c")  # Markdown, indented
@example(title="x", description="a\n   \nb\n\tc\n \n")  # lines of spaces, a tab
@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_unicode_text_loads_unchanged_or_is_named(
    tmp_path: Path, title: str, description: str
) -> None:
    """Emoji, right-to-left text, markup: kept as text; control characters: a named problem.

    The file is written by the tool's own writer (``session_file``), as ``ingest`` and the
    studio write them: whatever it writes, the loader reads back unchanged or names.
    """
    ws = new_workspace(tmp_path / "ws")
    path = ws.sessions / "s1.yaml"
    path.unlink(missing_ok=True)  # the same folder serves every example
    write_session_file(path, {"id": "s1", "title": title, "description": description})
    problems: list[Problem] = []
    try:
        session = load_workspace(ws.root).session("s1")
    except SessionError as err:
        problems = err.problems
    if problems:
        assert {p.field for p in problems} <= {"title", "description"}
        assert all(p.file == "metadata/sessions/s1.yaml" for p in problems)
        return
    assert session.title == title.strip()
    assert session.description == description.strip("\n").rstrip()


def test_duplicate_ids_across_yaml_and_yml(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    ws.write_session("s1")
    (ws.sessions / "s1.yml").write_text("id: s1\ntitle: again\n")
    assert any(
        's1.yml: id: found "s1", already used by metadata/sessions/s1.yaml' in p
        for p in _problems(ws)
    )
