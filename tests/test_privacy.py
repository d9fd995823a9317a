"""A speaker marked publish_name: false never appears by name in anything that leaves archive/."""

from __future__ import annotations

from pathlib import Path

import mutagen

from tests.helpers import Ws

NAME = "Habib"


def _encodings(text: str) -> list[bytes]:
    return [text.encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be")]


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
        data = path.read_bytes()
        for encoded in _encodings(NAME):
            assert encoded not in data, path
        if path.suffix in (".mp3", ".opus"):
            assert NAME.casefold() not in _tag_text(path).casefold(), path
            checked += 1
    assert checked == 6  # an MP3 and an Opus file for each of the three episodes
    master = built.root / "archive" / "2022-10-25-a" / "2022-10-25-a.flac"
    assert NAME.casefold() not in _tag_text(master).casefold()
    # the private record keeps what the organiser wrote
    sidecar = (built.root / "archive" / "2022-10-25-a" / "2022-10-25-a.json").read_text()
    assert NAME in sidecar
