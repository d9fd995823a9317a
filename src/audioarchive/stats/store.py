"""The statistics database, ``.audioarchive/stats/stats.sqlite``, and the day keys.

What is kept, and for how long (docs/how-to/statistics.md says the same):

- ``downloads``: counts per episode, UTC day, app name and country: kept for good;
- ``files``: the SHA-256 of each log file counted, its name and line count: kept for good,
  so that a file given again is recognised at once;
- for each *open* day only (the last ``HOLD_DAYS`` days): ``listeners`` (a keyed hash of
  IP address /64 and user agent, the episode, the audio bytes received and the byte ranges)
  and ``seen`` (a keyed hash of each counted log line, so that a line read twice counts
  once). Their keys live in ``keys.json`` beside the database, one random key per day.
  When a day closes, its listener rows, line hashes and key are deleted together: the
  hashes can then no longer be linked to anyone, nor recomputed.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from audioarchive.common.writing import write_atomic
from audioarchive.errors import InputError

SCHEMA_VERSION = "1"
HOLD_DAYS = 7  # a day stays open (deduplicated across runs) this many days after it ends
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS downloads (
  episode TEXT NOT NULL, day TEXT NOT NULL, app TEXT NOT NULL, country TEXT NOT NULL,
  count INTEGER NOT NULL, PRIMARY KEY (episode, day, app, country)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
  digest TEXT PRIMARY KEY, name TEXT NOT NULL, lines INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS closed_days (day INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS seen (
  day INTEGER NOT NULL, digest BLOB NOT NULL, PRIMARY KEY (day, digest)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS listeners (
  day INTEGER NOT NULL, episode TEXT NOT NULL, listener BLOB NOT NULL,
  loose INTEGER NOT NULL, ranges TEXT NOT NULL, counted INTEGER NOT NULL,
  PRIMARY KEY (day, episode, listener)) WITHOUT ROWID;
"""

ListenerRow = tuple[int, str, bytes, int, str, int]


def stats_dir(state: Path) -> Path:
    return state / "stats"


class Store:
    """One connection; writes happen inside :meth:`transaction` (one per log file)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.path = folder / "stats.sqlite"
        self.keys_path = folder / "keys.json"
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.executescript(_SCHEMA)
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        except sqlite3.DatabaseError as err:
            raise InputError(
                f"{self.path}: not a statistics database ({err})",
                hint="move it away; the counts it held are lost unless you keep a copy",
            ) from None
        self.keys = self._load_keys()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self._save_keys()  # before the commit: a committed hash always has its key
        self.db.execute("COMMIT")

    # --- day keys ------------------------------------------------------------------------

    def _load_keys(self) -> dict[int, bytes]:
        try:
            data = json.loads(self.keys_path.read_text(encoding="utf-8"))
            return {int(day): bytes.fromhex(key) for day, key in data.items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, AttributeError) as err:
            raise InputError(f"{self.keys_path}: unreadable day keys ({err})") from None

    def _save_keys(self) -> None:
        text = json.dumps({str(d): k.hex() for d, k in sorted(self.keys.items())}, indent=1)
        write_atomic(self.keys_path, text.encode("ascii"))
        self.keys_path.chmod(0o600)

    def day_key(self, day: int) -> bytes:
        key = self.keys.get(day)
        if key is None:
            key = self.keys[day] = secrets.token_bytes(32)
        return key

    # --- files and lines -----------------------------------------------------------------

    def file_counted(self, digest: str) -> bool:
        row = self.db.execute("SELECT 1 FROM files WHERE digest = ?", (digest,)).fetchone()
        return row is not None

    def record_file(self, digest: str, name: str, lines: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (digest, name, lines))

    def closed_days(self) -> set[int]:
        return {day for (day,) in self.db.execute("SELECT day FROM closed_days")}

    def seen_days(self) -> set[int]:
        return {day for (day,) in self.db.execute("SELECT DISTINCT day FROM seen")}

    def was_seen(self, day: int, digest: bytes) -> bool:
        query = "SELECT 1 FROM seen WHERE day = ? AND digest = ?"
        return self.db.execute(query, (day, digest)).fetchone() is not None

    def add_seen(self, hashes: Iterable[tuple[int, bytes]]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", hashes)

    # --- listeners -----------------------------------------------------------------------

    def listener(self, day: int, episode: str, listener: bytes) -> ListenerRow | None:
        row = self.db.execute(
            "SELECT day, episode, listener, loose, ranges, counted FROM listeners "
            "WHERE day = ? AND episode = ? AND listener = ?",
            (day, episode, listener),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4], row[5])

    def listener_days(self) -> set[int]:
        return {day for (day,) in self.db.execute("SELECT DISTINCT day FROM listeners")}

    def save_listeners(self, rows: Iterable[ListenerRow]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO listeners VALUES (?, ?, ?, ?, ?, ?)", rows)

    def add_downloads(self, counts: dict[tuple[str, str, str, str], int]) -> None:
        self.db.executemany(
            "INSERT INTO downloads VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
            "SET count = count + excluded.count",
            [(*key, n) for key, n in counts.items()],
        )

    def close_days(self, before: int) -> list[int]:
        """Forget the listeners, line hashes and keys of the days before ``before``."""
        days = sorted(
            {
                d
                for (d,) in self.db.execute(
                    "SELECT DISTINCT day FROM listeners WHERE day < ?", (before,)
                )
            }
            | {
                d
                for (d,) in self.db.execute(
                    "SELECT DISTINCT day FROM seen WHERE day < ?", (before,)
                )
            }
            | {d for d in self.keys if d < before}
        )
        if not days:
            return []
        with self.transaction():
            for day in days:
                self.db.execute("DELETE FROM listeners WHERE day = ?", (day,))
                self.db.execute("DELETE FROM seen WHERE day = ?", (day,))
                self.db.execute("INSERT OR IGNORE INTO closed_days VALUES (?)", (day,))
                self.keys.pop(day, None)
        self.db.execute("VACUUM")  # the deleted hashes leave the file, not just the index
        return days

    # --- reading -------------------------------------------------------------------------

    def downloads(self) -> list[tuple[str, str, str, str, int]]:
        return [
            (e, d, a, c, n)
            for e, d, a, c, n in self.db.execute(
                "SELECT episode, day, app, country, count FROM downloads ORDER BY day, episode"
            )
        ]
