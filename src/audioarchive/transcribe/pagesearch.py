"""The pages' search of what was said: an index we generate, read by ``site.js``.

The index is a small script (``assets/said-<hash>.js``) that sets
``window.audioarchiveSaid``: each episode's title and page, and every public
transcript line (redactions removed, withheld names replaced) with its published
time. The page's Content-Security-Policy allows scripts from the site itself and
no connection at all, so the index is loaded as a script, never fetched: the
search works offline, from a folder or a server, with no third-party request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from audioarchive.common.text import sha256_bytes
from audioarchive.metadata.episode import Episode
from audioarchive.transcribe.public import PublicTranscript

SEARCH_PAGE = "search/index.html"


def said_index(
    episodes: Sequence[Episode], transcripts: Mapping[str, PublicTranscript | None]
) -> tuple[str, bytes] | None:
    """``(path in feed/, bytes)`` of the index script, or ``None`` when no episode has a
    public transcript."""
    data: dict[str, object] = {"episodes": {}, "lines": []}
    listed: dict[str, object] = {}
    lines: list[list[object]] = []
    for episode in episodes:
        transcript = transcripts.get(episode.id)
        if transcript is None or not transcript.cues:
            continue
        listed[episode.id] = {"title": episode.session.title, "href": episode.page_path}
        for cue in transcript.cues:
            text = f"{cue.speaker}: {cue.text}" if cue.speaker else cue.text
            lines.append([episode.id, round(cue.start, 3), text])
    if not lines:
        return None
    data = {"episodes": listed, "lines": lines}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # "</" cannot end a script early, and U+2028/9 are escaped for old parsers
    body = body.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    script = f"window.audioarchiveSaid = {body};\n".encode()
    return f"assets/said-{sha256_bytes(script)[:10]}.js", script
