"""The private record of each episode, written into ``archive/`` beside its master."""

from __future__ import annotations

import json

from audioarchive.episode import Publication


def render_archive_files(publication: Publication) -> dict[str, bytes]:
    """Files of ``archive/`` besides the masters, keyed by their path in it."""
    files: dict[str, bytes] = {}
    for episode in publication.episodes:
        report = json.dumps(episode.record.loudness, indent=2, sort_keys=True, ensure_ascii=False)
        files[f"{episode.id}/{episode.id}.loudness.json"] = (report + "\n").encode("utf-8")
    return files
