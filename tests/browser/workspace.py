"""A built workspace dressed for the page tests: a transcript, venues, resources, and one
episode whose every metadata field is hostile HTML (it must show as text, never run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.helpers import Ws

RICH = "2022-10-25-a"  # chapters, transcript (with a redacted cue), venue, resources
HOSTILE = "2022-11-24-b"  # every field hostile
PLAIN = "2023-01-19-c"
UPCOMING = "2023-02-d"
HIDDEN_NAME = "Habib"  # publish_name: false in the `built` fixture
REDACTED_TEXT = "Ce passage est retiré"

# Each payload sets window.__pwned if it is ever interpreted as markup.
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
HOSTILE_TITLE = f"Bad {SCRIPT}{IMG} & \"quotes\" 'single'"
HOSTILE_SPEAKER = "<b>Eve</b> <img src=x onerror=window.__pwned=3>"
HOSTILE_AFFILIATION = "</li><script>window.__pwned=4</script>"
HOSTILE_TOPIC = '"><svg onload=window.__pwned=5>'
HOSTILE_RESOURCE = "</a><script>window.__pwned=6</script>"
HOSTILE_CHAPTER = "<u onmouseover=window.__pwned=7>Intro</u>"
HOSTILE_VENUE = "<iframe src=/feed.xml></iframe>"
HOSTILE_CUE = "<script>window.__pwned=8</script> & <i>done</i>"
HOSTILE_FIELDS = (
    HOSTILE_TITLE,
    HOSTILE_SPEAKER,
    HOSTILE_AFFILIATION,
    HOSTILE_TOPIC,
    HOSTILE_RESOURCE,
    HOSTILE_CHAPTER,
    HOSTILE_VENUE,
)

RICH_VTT = f"""WEBVTT

00:00:00.500 --> 00:00:02.000
<v Clara Deville>Bonjour à toutes et à tous.

00:00:02.000 --> 00:00:04.000
<v {HIDDEN_NAME}>Je témoigne ici.

00:00:06.100 --> 00:00:06.900
<v Clara Deville>{REDACTED_TEXT}.

00:00:07.200 --> 00:00:08.500
<v Clara Deville>Merci {HIDDEN_NAME} pour ce témoignage.
"""

# Entities in a cue decode to text: the page must show them as text again.
HOSTILE_VTT = """WEBVTT

00:00:00.200 --> 00:00:01.500
<v Eve>&lt;script&gt;window.__pwned=8&lt;/script&gt; &amp; <i>done</i>

00:00:01.500 --> 00:00:03.000
Second line.
"""


def _edit(ws: Ws, session_id: str, **fields: Any) -> None:
    path = ws.sessions / f"{session_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(fields)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def dress(ws: Ws) -> Ws:
    """Add transcripts, venues, topics and resources, and the hostile episode (no rebuild)."""
    venue = {
        "name": "Centre social Le Picoulet",
        "address": "59, rue de la Fontaine au Roi, 75011 Paris",
        "geo": "48.8697,2.3731",
    }
    Path(ws.root / "recordings" / RICH / "transcript.vtt").write_text(RICH_VTT, encoding="utf-8")
    _edit(
        ws,
        RICH,
        venue=venue,
        topics=["dématérialisation", "non-recours"],
        resources=[{"title": "Programme du cycle", "url": "https://example.org/programme.pdf"}],
        chapters=[
            {"start": "0:00:00", "title": "Intro"},
            {"start": "0:00:05", "title": "Guest", "url": "https://example.org/slides.pdf"},
        ],
        transcript="transcript.vtt",
        trim=False,  # keep the whole (room-tone-free) test recording: the pages are tested here
    )
    Path(ws.root / "recordings" / HOSTILE / "transcript.vtt").write_text(
        HOSTILE_VTT, encoding="utf-8"
    )
    _edit(
        ws,
        HOSTILE,
        title=HOSTILE_TITLE,
        description=(
            f"Raw HTML {SCRIPT} stays text. ![pixel](https://tracker.example/p.png) "
            "[bad link](javascript:alert(1)) [good link](https://example.org/a?b=1&c=2)"
        ),
        speakers=[
            {
                "name": HOSTILE_SPEAKER,
                "affiliation": HOSTILE_AFFILIATION,
                "url": 'https://example.org/"onmouseover="window.__pwned=9',
            },
            {"name": "Clara Deville", "role": "moderator"},
        ],
        topics=[HOSTILE_TOPIC, "non-recours"],
        resources=[{"title": HOSTILE_RESOURCE, "url": "https://example.org/?a=1&b=<2>"}],
        chapters=[{"start": 0, "title": HOSTILE_CHAPTER}, {"start": 2, "title": "Two"}],
        venue={"name": HOSTILE_VENUE, "address": "1 <rue> & co"},
        transcript="transcript.vtt",
    )
    _edit(ws, UPCOMING, date="2099-02-19T19:00:00+01:00", venue=venue, topics=["luttes"])
    return ws
