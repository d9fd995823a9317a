"""Who made a request: a bot, or a named podcast app, library or browser.

The list is data (``user-agents.json``, shipped in the package, dated): an ordered
list of entries ``{type, name, pattern}``; the first pattern that matches names
the client, bots first, as OPAWG's user-agents-v2 does. A workspace may use its own
list of the same shape (``--user-agents FILE``). Only the entry's name is ever
stored, never the user agent itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from audioarchive.errors import InputError

AgentType = Literal["bot", "app", "library", "browser", "unknown"]
DATA_FILE = "user-agents.json"
OTHER = "Other"
_TYPES = ("bot", "app", "library", "browser")
_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class Agent:
    type: AgentType
    name: str

    @property
    def is_bot(self) -> bool:
        return self.type == "bot"


@dataclass(frozen=True)
class AgentList:
    """An ordered list of compiled patterns, with the date it was last updated."""

    entries: tuple[tuple[re.Pattern[str], Agent], ...]
    updated: str
    source: str

    def classify(self, user_agent: str) -> Agent:
        text = user_agent.replace("\n", " ").strip()
        for pattern, agent in self.entries:
            if pattern.search(text):
                return agent
        return Agent("unknown", OTHER)


class AgentCache:
    """``AgentList.classify`` with a bounded memo: logs repeat the same few agents."""

    def __init__(self, agents: AgentList) -> None:
        self.agents = agents
        self._seen: dict[str, Agent] = {}

    def classify(self, user_agent: str) -> Agent:
        found = self._seen.get(user_agent)
        if found is None:
            if len(self._seen) >= _CACHE_LIMIT:
                self._seen.clear()
            found = self._seen[user_agent] = self.agents.classify(user_agent)
        return found


def load_agents(path: Path | None = None) -> AgentList:
    """The shipped list, or the one at ``path``; ``InputError`` naming the bad entry."""
    if path is None:
        text = resources.files("audioarchive.stats").joinpath(DATA_FILE).read_text("utf-8")
        source = f"audioarchive/stats/{DATA_FILE}"
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise InputError(f"{path}: cannot read the user-agent list ({err.strerror})") from None
        source = str(path)
    try:
        data = json.loads(text)
        raw = data["entries"]
    except (ValueError, KeyError, TypeError):
        raise InputError(
            f"{source}: not a user-agent list; expected JSON with an 'entries' array"
        ) from None
    entries = []
    for index, entry in enumerate(raw):
        entries.append(_entry(source, index, entry))
    return AgentList(tuple(entries), str(data.get("updated", "")), source)


def _entry(source: str, index: int, entry: object) -> tuple[re.Pattern[str], Agent]:
    where = f"{source}: entries[{index}]"
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected an object with type, name and pattern")
    kind, name, pattern = entry.get("type"), entry.get("name"), entry.get("pattern")
    if kind not in _TYPES:
        raise InputError(f"{where}: type {kind!r}; expected one of {', '.join(_TYPES)}")
    if not isinstance(name, str) or not name or not isinstance(pattern, str):
        raise InputError(f"{where}: expected a non-empty name and a pattern string")
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise InputError(
            f"{where}: pattern {pattern!r} is not a regular expression ({err})"
        ) from None
    return compiled, Agent(kind, name)
