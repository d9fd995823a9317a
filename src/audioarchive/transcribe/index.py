"""The search index of what was said: SQLite FTS5 in ``.audioarchive/search.sqlite``.

One row per machine-transcript segment: the session, its published time and
its text. The tokenizer folds case and accents (``unicode61 remove_diacritics
2``). The index is brought up to date incrementally: a session whose transcript
key is unchanged is left alone; a new key replaces that session's rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from audioarchive.common.text import fold
from audioarchive.errors import AudioArchiveError
from audioarchive.transcribe.stage import load_machine_transcript

INDEX_FILE = "search.sqlite"
INDEX_VERSION = 1
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS indexed (session TEXT PRIMARY KEY, key TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS spoken USING fts5(
    session UNINDEXED, time UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2'
);
PRAGMA user_version = {INDEX_VERSION};
"""


@dataclass(frozen=True)
class SpokenHit:
    session: str
    time: float  # published seconds
    text: str


class SearchIndexError(AudioArchiveError):
    """The search index could not be read or written."""


@contextmanager
def _open(state: Path) -> Iterator[sqlite3.Connection]:
    state.mkdir(parents=True, exist_ok=True)
    path = state / INDEX_FILE
    try:
        with closing(sqlite3.connect(path, timeout=30)) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != INDEX_VERSION:  # new, or made by another version: (re)made
                db.executescript("DROP TABLE IF EXISTS indexed; DROP TABLE IF EXISTS spoken;")
                db.executescript(_SCHEMA)
            with db:
                yield db
    except sqlite3.Error as err:
        raise SearchIndexError(
            f"{path}: the search index could not be used ({err})",
            hint="delete the file: the next build or search makes it again",
        ) from err


def update_index(state: Path, keys: Mapping[str, str]) -> int:
    """Index the transcripts ``{session: key}`` (cached by the stage) and drop every other
    session's rows. Returns how many sessions were (re)indexed."""
    if not keys and not (state / INDEX_FILE).is_file():
        return 0  # nothing transcribed, no index: none is made
    changed = 0
    with _open(state) as db:
        known = dict(db.execute("SELECT session, key FROM indexed").fetchall())
        for session in set(known) - set(keys):
            db.execute("DELETE FROM spoken WHERE session = ?", (session,))
            db.execute("DELETE FROM indexed WHERE session = ?", (session,))
        for session, key in sorted(keys.items()):
            if known.get(session) == key:
                continue
            transcript = load_machine_transcript(state, session, key)
            if transcript is None:
                continue
            db.execute("DELETE FROM spoken WHERE session = ?", (session,))
            db.executemany(
                "INSERT INTO spoken (session, time, text) VALUES (?, ?, ?)",
                [(session, s.start, s.text) for s in transcript.segments],
            )
            db.execute(
                "INSERT OR REPLACE INTO indexed (session, key) VALUES (?, ?)", (session, key)
            )
            changed += 1
    return changed


def search_index(state: Path, terms: Sequence[str], limit: int = 1000) -> list[SpokenHit]:
    """Segments holding a word that begins with one of ``terms`` (folded), in time order."""
    words = [w for t in terms for w in fold(t).replace('"', " ").split()]
    if not words:
        return []
    query = " OR ".join(f'"{w}"*' for w in words)
    with _open(state) as db:
        rows = db.execute(
            "SELECT session, time, text FROM spoken WHERE spoken MATCH ? "
            "ORDER BY session, time LIMIT ?",
            (query, limit),
        ).fetchall()
    return [SpokenHit(str(s), float(t), str(x)) for s, t, x in rows]
