"""A publication made in memory (no audio), and its public tree on disk, for feed tests."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from audioarchive.config import SiteSettings
from audioarchive.metadata.episode import Episode, EpisodeRecord, OutputFile, Publication
from audioarchive.metadata.session import (
    Chapter,
    Owner,
    Person,
    Redaction,
    Resource,
    Session,
    Show,
    Venue,
)
from audioarchive.metadata.timeline import Timeline
from audioarchive.render.feed import render_feed
from audioarchive.render.publication import public_view
from tests.helpers import PACKAGE_ARTWORK

BASE = "https://podcast.example.org/mouton"
ARTWORK = "images/show-0123456789.png"
EPISODE_ARTWORK = "images/2022-11-24-b-0123456789.png"
HIDDEN = "Habib Diallo"

TRANSCRIPT = """WEBVTT

00:00:31.000 --> 00:00:35.500
<v Le Mouton Numérique>Bonsoir et bienvenue.

00:02:00.000 --> 00:02:10.000
<v Clara Deville>Le non-recours augmente.

00:03:20.000 --> 00:03:40.000
<v Habib>Je m'appelle Habib, je vis ici.

00:04:00.000 --> 00:04:10.000
<v Gabriel Amieux>Merci Habib pour ce témoignage.

00:05:00.000 --> 00:05:05.000
Habib: Merci à vous.
"""


def make_show(**changes: Any) -> Show:
    show = Show(
        title="Numérique et services publics",
        description="Les rencontres du *Mouton Numérique*, enregistrées.",
        language="fr",
        author="Le Mouton Numérique",
        owner=Owner("Le Mouton Numérique", "podcast@example.org"),
        artwork=PACKAGE_ARTWORK,
        categories=("Government", "News > Politics"),
        explicit=False,
        license="CC-BY-SA-4.0",
        type="episodic",
        seasons={1: "Numérique et services publics (2022-2023)"},
        hosts=(Person("Le Mouton Numérique", "host", url="https://mouton-numerique.org/"),),
        copyright="© 2022 Le Mouton Numérique",
        locked=True,
    )
    return dataclasses.replace(show, **changes)


def make_sessions(folder: Path) -> list[Session]:
    """Three recorded sessions (one rich, one plain, one bonus) and an upcoming one."""
    folder.mkdir(parents=True, exist_ok=True)
    transcript = folder / "transcript.vtt"
    transcript.write_text(TRANSCRIPT, encoding="utf-8")
    rich = Session(
        id="2022-10-25-a",
        title="Le non-recours aux droits",
        source=folder / "2022-10-25-a.yaml",
        date=datetime.fromisoformat("2022-10-25T19:00:00+02:00"),
        season=1,
        episode=1,
        description="Avec **Clara Deville** et Habib, militant.\n\nUn second paragraphe.",
        venue=Venue(
            "Centre social Le Picoulet",
            "59, rue de la Fontaine au Roi, 75011 Paris",
            (48.8697, 2.3731),
            "https://picoulet.example.org/",
        ),
        speakers=(
            Person("Clara Deville", "guest", "sociologue", url="https://example.org/clara"),
            Person("Gabriel Amieux", "moderator", "Secours Catholique 93"),
            Person(HIDDEN, "guest", "militant", publish_name=False),
        ),
        resources=(
            Resource("Programme du cycle", "https://example.org/programme.pdf"),
            Resource("Dématérialisation", "https://fr.wikipedia.org/wiki/Dématérialisation"),
        ),
        redactions=(Redaction(300.0, 330.0, "asked"),),
        chapters=(
            Chapter(0.0, "Introduction"),
            Chapter(120.0, "Clara Deville", "https://example.org/slides.pdf"),
            Chapter(200.0, "Le témoignage de Habib"),
        ),
        transcript=transcript,
    )
    plain = Session(
        id="2022-11-24-b",
        title="Le travail social",
        source=folder / "2022-11-24-b.yaml",
        date=datetime.fromisoformat("2022-11-24T19:00:00+01:00"),
        season=1,
        episode=2,
        explicit=True,
        license="CC-BY-4.0",
    )
    bonus = Session(
        id="2023-01-19-c",
        title="Un entretien",
        source=folder / "2023-01-19-c.yaml",
        date=datetime.fromisoformat("2023-01-19T19:00:00+01:00"),
        episode_type="bonus",
    )
    upcoming = Session(id="2023-02-d", title="À venir", source=folder / "2023-02-d.yaml")
    return [rich, plain, bonus, upcoming]


def make_record(session_id: str, formats: tuple[str, ...] = ("mp3", "opus")) -> EpisodeRecord:
    sizes = {"mp3": 43_210, "opus": 21_605}
    types = {"mp3": "audio/mpeg", "opus": "audio/ogg"}
    media = tuple(
        OutputFile(
            fmt,
            f"episodes/{session_id}/{session_id}-abcdef0123.{fmt}",
            sizes[fmt],
            "0" * 64,
            types[fmt],
        )
        for fmt in formats
    )
    return EpisodeRecord(
        id=session_id,
        audio_key="a",
        tag_key="t",
        timeline=Timeline(start=30.0, end=3630.0, intro=0.0),
        media=media,
        master=None,
        sources=(),
        processing={"audio": {"bitrate": "96k", "opus_bitrate": "48k"}},
    )


def make_publication(folder: Path, *, show: Show | None = None, **site: Any) -> Publication:
    sessions = make_sessions(folder)
    episodes = tuple(
        Episode(s, make_record(s.id, ("mp3", "opus") if s.id.endswith("a") else ("mp3",)))
        for s in sessions
        if s.date is not None
    )
    return Publication(
        show=show or make_show(),
        site=SiteSettings(base_url=BASE, **site),
        episodes=episodes,
        upcoming=tuple(s for s in sessions if s.date is None),
        artwork=ARTWORK,
        episode_artwork={"2022-11-24-b": EPISODE_ARTWORK},
    )


def replace_session(publication: Publication, session_id: str, **changes: Any) -> Publication:
    episodes = tuple(
        Episode(dataclasses.replace(e.session, **changes), e.record) if e.id == session_id else e
        for e in publication.episodes
    )
    return dataclasses.replace(publication, episodes=episodes)


def write_public_tree(root: Path, publication: Publication) -> dict[str, bytes]:
    """What the build would put in feed/: generated files, media of the recorded sizes, artwork."""
    files = render_feed(public_view(publication))
    for relpath, data in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_bytes(data)
    for episode in publication.episodes:
        for media in episode.record.media:
            (root / media.path).parent.mkdir(parents=True, exist_ok=True)
            (root / media.path).write_bytes(b"\0" * media.size)
    for image in {publication.artwork, *publication.episode_artwork.values()}:
        (root / image).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGE_ARTWORK, root / image)
    return files


def item_spans(lines: list[str]) -> dict[str, range]:
    """Line ranges of each <item> of a pretty-printed feed, by guid."""
    spans: dict[str, range] = {}
    start = 0
    for number, line in enumerate(lines):
        if line.strip() == "<item>":
            start = number
        elif line.strip() == "</item>":
            guid = next(x for x in lines[start:number] if "<guid" in x)
            spans[guid.split(">")[1].split("<")[0]] = range(start, number + 1)
    return spans
