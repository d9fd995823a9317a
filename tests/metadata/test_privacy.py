"""A speaker marked publish_name: false never appears by name in anything that leaves archive/."""

from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path

import mutagen
import pytest

import audioarchive.render
from audioarchive.metadata.privacy import ANONYMOUS
from audioarchive.metadata.session import SpeakerTurn
from audioarchive.render.publication import public_view
from tests.feed_helpers import HIDDEN, make_publication, replace_session
from tests.helpers import Ws, assert_never_named, name_encodings

NAME = "Habib"


def _tag_text(path: Path) -> str:
    audio = mutagen.File(path)
    if audio is None or audio.tags is None:
        return ""
    return " ".join(str(value) for value in audio.tags.values())


def test_a_hidden_name_in_free_text_is_withheld_everywhere_public(built: Ws) -> None:
    toml = built.root / "audioarchive.toml"
    toml.write_text(toml.read_text() + '\n[audio]\nextra_formats = ["opus"]\n')
    built.write_session(
        "2022-10-25-a",
        title=f"Rencontre avec {NAME}",
        date="2022-10-25T19:00:00+02:00",
        season=1,
        episode=1,
        description=f"{NAME} témoigne. Merci à **{NAME}**.",
        topics=["sans-papiers", f"le parcours de {NAME}"],
        speakers=[
            {"name": "Clara Deville", "role": "guest"},
            {"name": NAME, "role": "guest", "publish_name": False},
        ],
        chapters=[{"start": 0, "title": "Intro"}, {"start": 5, "title": f"{NAME} raconte"}],
        resources=[{"title": f"Le collectif de {NAME}", "url": "https://example.org/"}],
    )
    result = built.run("build")
    assert result.exit_code == 0, result.stderr
    checked = 0
    for path in sorted((built.root / "feed").rglob("*")):
        if not path.is_file():
            continue
        assert_never_named(NAME, [path])
        if path.suffix in (".mp3", ".opus"):
            assert NAME.casefold() not in _tag_text(path).casefold(), path
            checked += 1
    assert checked == 6  # an MP3 and an Opus file for each of the three episodes
    master = built.root / "archive" / "2022-10-25-a" / "2022-10-25-a.flac"
    assert NAME.casefold() not in _tag_text(master).casefold()
    # the private record keeps what the organiser wrote
    sidecar = (built.root / "archive" / "2022-10-25-a" / "2022-10-25-a.json").read_text()
    assert NAME in sidecar


ACCENTED = "Aïcha Benoît"  # NFC and NFD differ: "ï" is one code point or "i" + U+0308


def test_the_scan_sees_every_encoding_and_normal_form() -> None:
    forms = name_encodings(ACCENTED)
    codecs = ("utf-8", "utf-16-le", "utf-16-be")
    assert set(forms) == {f"{c} {n}" for c in codecs for n in ("NFC", "NFD")}
    assert set(name_encodings(NAME)) == {"utf-8 NFC", "utf-16-le NFC", "utf-16-be NFC"}
    id3v23 = b"TPE1\x00\x00\x00\x0d\x00\x00\x01\xff\xfe" + NAME.encode("utf-16-le")
    assert b"Habib" not in id3v23  # what the UTF-8-only scans looked for
    assert any(encoded in id3v23 for encoded in name_encodings(NAME).values())


def test_a_hidden_name_in_a_venue_an_affiliation_and_an_upcoming_session_never_leaks(
    built: Ws,
) -> None:
    """Names typed where no list of speakers is: the venue, another speaker's affiliation, a
    meeting still to come; and a name with accents, typed composed or decomposed."""
    decomposed = unicodedata.normalize("NFD", ACCENTED)
    built.write_session(
        "2022-10-25-a",
        date="2022-10-25T19:00:00+02:00",
        season=1,
        episode=1,
        venue={"name": f"Chez {NAME}", "address": f"l'atelier de {decomposed}, Paris"},
        speakers=[
            {"name": "Clara Deville", "role": "guest", "affiliation": f"collectif de {NAME}"},
            {"name": NAME, "role": "guest", "publish_name": False},
            {"name": ACCENTED, "role": "guest", "publish_name": False},
        ],
        description=f"Avec {decomposed} et {NAME}.",
    )
    built.write_session(
        "2023-02-d",
        season=1,
        episode=4,
        title=f"{NAME} revient",
        description=f"{NAME} et {ACCENTED} reviennent.",
        venue={"name": f"Chez {decomposed}"},
        speakers=[
            {"name": NAME, "role": "guest", "publish_name": False},
            {"name": ACCENTED, "role": "guest", "publish_name": False},
            {"name": "Clara Deville", "role": "guest", "affiliation": f"amie de {ACCENTED}"},
        ],
    )
    result = built.run("build")
    assert result.exit_code == 0, result.stderr
    public = sorted((built.root / "feed").rglob("*"))
    for name in (NAME, ACCENTED):
        assert assert_never_named(name, public) > 10
    index = (built.root / "feed" / "index.html").read_text(encoding="utf-8")
    assert "revient" in index  # the upcoming session is there, its names withheld
    assert "Clara Deville" in index


# --- the public view is made once ---------------------------------------------------------------

RENDERERS = ("feed", "feed_podcast2", "feed_psc", "site", "catalogue")
#: What applying the rule looks like in code: the privacy module, its functions, the flag.
FILTERING = {"withhold", "withheld_names", "withhold_label", "public_session", "named_session"}
FILTERING |= {"public_speakers", "publish_name", "public_transcript", "machine_transcripts"}


@pytest.mark.parametrize("module", RENDERERS)
def test_renderers_neither_import_nor_apply_the_withheld_name_rule(module: str) -> None:
    path = Path(audioarchive.render.__file__).parent / f"{module}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "audioarchive.metadata.privacy" not in imported
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    used |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    # "publish_name" is allowed as a key of the private catalogue entry, never as a test
    assert not (used & FILTERING) - ({"publish_name"} if module == "catalogue" else set())


def test_the_public_view_holds_no_withheld_name(tmp_path: Path) -> None:
    """Speakers, free text, labels of turns and microphones, transcripts: the view that the
    renderers get names nobody who may not be named; the raw publication still does."""
    publication = make_publication(tmp_path)
    rich = publication.episodes[0]
    turns = (SpeakerTurn(0.0, "Clara Deville"), SpeakerTurn(200.0, HIDDEN))
    publication = replace_session(
        publication, rich.id, turns=turns, microphones=(HIDDEN, "Clara Deville")
    )
    assert HIDDEN in repr(publication)
    view = public_view(publication)
    assert HIDDEN not in repr(view)
    episode = view.episodes[0]
    assert [s.name for s in episode.session.speakers] == ["Clara Deville", "Gabriel Amieux"]
    assert [t.speaker for t in episode.session.turns] == ["Clara Deville", ANONYMOUS]
    assert episode.session.microphones == (ANONYMOUS, "Clara Deville")
    assert episode.transcript is not None
    assert episode.transcript.cues
    assert ANONYMOUS in episode.session.description
    assert not hasattr(view, "machine_transcripts")  # the raw recognised words stay behind


def test_page_templates_do_not_filter_speakers_either() -> None:
    folder = Path(audioarchive.render.__file__).parents[1] / "templates" / "site"
    for path in sorted(folder.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert not {"public_speakers", "publish_name", "withhold"} & set(
            re.findall(r"\w+", text)
        ), path
