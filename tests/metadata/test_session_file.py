"""Session files as a person writes them: French titles, YAML errors in words, round-trip edits."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from audioarchive.metadata.session import load_workspace
from audioarchive.metadata.session_file import REMOVE, update_session_file, write_session_file
from tests.helpers import Ws, new_workspace

FRENCH = "Déserts médicaux : comment garder nos médecins ?"
# keys whose values are free text a person writes (ids, licenses, file names are not)
FREE_TEXT = {"title", "description", "name", "address", "affiliation", "author", "reason"}


def test_a_french_title_with_a_colon_is_explained_with_its_line(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    (ws.sessions / "s1.yaml").write_text(f"id: s1\ntitle: {FRENCH}\n", encoding="utf-8")
    result = ws.run("validate")
    assert result.exit_code == 2
    assert "metadata/sessions/s1.yaml: line 2, column 25: invalid YAML" in result.stderr
    assert f'the line reads "title: {FRENCH}"' in result.stderr
    assert f'must be put in quotes, as in title: "{FRENCH}"' in result.stderr


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("id: s1\nvenue:\n  name: Picoulet\n   address: Paris\n", 4),  # one space too many
        ("id: s1\nspeakers:\n  - name: A\n   role: guest\n", 4),
        ("id: s1\n  title: x\n", 2),
    ],
)
def test_an_indentation_error_gets_a_plain_language_hint(
    tmp_path: Path, text: str, line: int
) -> None:
    ws = new_workspace(tmp_path / "ws")
    (ws.sessions / "s1.yaml").write_text(text, encoding="utf-8")
    result = ws.run("validate")
    assert result.exit_code == 2
    assert f"s1.yaml: line {line}, column" in result.stderr
    assert "the indentation is uneven" in result.stderr


def test_a_tab_gets_a_hint(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    (ws.sessions / "s1.yaml").write_text("id: s1\n\ttitle: x\n", encoding="utf-8")
    assert "never tabs" in ws.run("validate").stderr


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    return yaml


def _document(path: Path) -> CommentedMap:
    data = _round_trip().load(path.read_text(encoding="utf-8"))
    assert isinstance(data, CommentedMap)
    return data


def _unquoted_free_text(node: object, key: str = "") -> list[str]:
    """Free-text values written without quotes (a literal block counts as quoted)."""
    if isinstance(node, CommentedMap):
        return [bad for k, v in node.items() for bad in _unquoted_free_text(v, str(k))]
    if isinstance(node, CommentedSeq):
        return [bad for item in node for bad in _unquoted_free_text(item, key)]
    quoted = isinstance(node, DoubleQuotedScalarString | LiteralScalarString)
    if key in FREE_TEXT and isinstance(node, str) and not quoted:
        return [f"{key}: {node}"]
    return []


def test_every_free_text_of_the_init_templates_is_quoted() -> None:
    root = resources.files("audioarchive").joinpath("templates/workspace/metadata")
    files = [root / "podcast.yaml", *root.joinpath("sessions").iterdir()]
    found: list[str] = []
    for file in files:
        if file.name.endswith(".yaml"):
            found += _unquoted_free_text(_round_trip().load(file.read_text(encoding="utf-8")))
    assert found == []


PERSON_WROTE = """\
# Written by a person: comments, order and quotes stay as they are.
title: 'Atelier : le numérique'   # single quotes, kept
id: s1
topics:
  - santé    # a comment on an item
speakers:
  - {name: Jane Doe, role: guest}
license: CC-BY-4.0
"""


def test_update_keeps_comments_order_and_quotes_and_places_new_keys(tmp_path: Path) -> None:
    path = tmp_path / "s1.yaml"
    path.write_text(PERSON_WROTE, encoding="utf-8")
    paris = timezone(timedelta(hours=1))
    changed = update_session_file(
        path,
        {
            "date": datetime(2023, 2, 16, 19, 0, tzinfo=paris),
            "description": FRENCH,
            "recording": ["ZOOM0001.WAV", "ZOOM0002.WAV"],
            "license": REMOVE,
        },
    )
    assert changed
    text = path.read_text(encoding="utf-8")
    # what the person wrote is untouched, byte for byte; new keys go after the keys that
    # precede them in the reference's order, not at the end
    assert text == (
        "# Written by a person: comments, order and quotes stay as they are.\n"
        "title: 'Atelier : le numérique'   # single quotes, kept\n"
        "id: s1\n"
        "date: 2023-02-16T19:00:00+01:00\n"
        f'description: "{FRENCH}"\n'
        "topics:\n"
        "  - santé    # a comment on an item\n"
        "speakers:\n"
        "  - {name: Jane Doe, role: guest}\n"
        'recording: ["ZOOM0001.WAV", "ZOOM0002.WAV"]\n'
    )
    data = yaml.safe_load(text)  # the project's loader reads it back
    assert data["date"] == datetime(2023, 2, 16, 19, 0, tzinfo=paris)
    assert data["recording"] == ["ZOOM0001.WAV", "ZOOM0002.WAV"]
    assert not update_session_file(path, {"description": FRENCH})  # nothing to change: no write


def test_a_written_session_quotes_free_text_and_loads(tmp_path: Path) -> None:
    ws: Ws = new_workspace(tmp_path / "ws")
    path = ws.sessions / "s1.yaml"
    write_session_file(
        path,
        {
            "id": "s1",
            "title": FRENCH,
            "description": "Deux lignes :\n# pas un commentaire",
            "speakers": [{"name": "Zoé: l'invitée", "role": "guest"}],
            "topics": ["santé : déserts", "- pas une liste"],
        },
        header=["A header comment."],
    )
    assert path.read_text(encoding="utf-8").startswith("# A header comment.\nid: s1\n")
    assert _unquoted_free_text(_document(path)) == []
    session = load_workspace(ws.root).session("s1")
    assert session.title == FRENCH
    assert session.description == "Deux lignes :\n# pas un commentaire"
    assert session.speakers[0].name == "Zoé: l'invitée"
    assert session.topics == ("santé : déserts", "- pas une liste")


CHAPTERS = """\
id: s1
title: "Une rencontre"
chapters:
  - {start: "0:00:00", title: "Introduction"}
  - {start: "0:10:00", title: "Clara Deville : le non-recours"}
  - {start: "0:05:00", title: "Questions du public"}
  - {start: "soon", title: "Conclusion"}
"""


def test_a_chapter_error_names_the_chapter_its_title_and_line(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    (ws.sessions / "s1.yaml").write_text(CHAPTERS, encoding="utf-8")
    result = ws.run("validate")
    assert result.exit_code == 2
    assert (
        's1.yaml: chapter 3 "Questions du public" (line 6), start: found "0:05:00"; expected a '
        'time after the previous chapter\'s (chapter 2 "Clara Deville : le non-recours" '
        "(line 5) starts at 0:10:00)"
    ) in result.stderr
    assert 's1.yaml: chapter 4 "Conclusion" (line 7), start: found "soon"' in result.stderr
    assert "chapters[" not in result.stderr


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("zoom0001.wav", 'did you mean "ZOOM0001.WAV"? (file names are case-sensitive)'),
        ("ZOOM001.WAV", 'did you mean "ZOOM0001.WAV"?'),
        ("interview.mp3", "(recordings/s1/ holds ZOOM0001.WAV, ZOOM0002.WAV)"),
    ],
)
def test_a_recording_name_that_does_not_exist_gets_did_you_mean(
    tmp_path: Path, written: str, hint: str
) -> None:
    ws = new_workspace(tmp_path / "ws")
    for name in ("ZOOM0001.WAV", "ZOOM0002.WAV"):
        (ws.root / "recordings" / "s1").mkdir(parents=True, exist_ok=True)
        (ws.root / "recordings" / "s1" / name).write_bytes(b"RIFF")
    ws.write_session("s1", date="2023-01-19T19:00:00+01:00", recording=[written])
    result = ws.run("validate")
    assert result.exit_code == 2
    assert (
        f'recording[0]: "{written}" is not in recordings/s1/; expected an existing audio file'
        in (result.stderr)
    )
    assert hint in result.stderr


def test_an_invalid_session_id_gets_a_valid_one_suggested(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    card = tmp_path / "ZOOM0001.WAV"
    card.write_bytes(b"RIFF")
    result = ws.run("ingest", "Réunion du 16 mars", str(card))
    assert result.exit_code == 2
    assert 'such as "reunion-du-16-mars"' in result.stderr
    assert "Hint: audioarchive ingest reunion-du-16-mars FILE..." in result.stderr
    (ws.sessions / "s1.yaml").write_text('id: "Séance 1"\ntitle: "x"\n', encoding="utf-8")
    check = ws.run("validate")
    assert 'id: found "Séance 1"; expected an ASCII slug' in check.stderr
    assert 'e.g. "seance-1"' in check.stderr
