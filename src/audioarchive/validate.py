"""``validate``: check the metadata, the recordings, the built outputs and the feed.

Metadata problems raise (exit 2, nothing else is checked); problems with the
outputs are returned, one per line, for the caller to report (exit 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree as ET

from audioarchive.episode import load_record
from audioarchive.errors import Problem
from audioarchive.ffmpeg import find_tools
from audioarchive.recordings import probe_recordings
from audioarchive.session import Workspace


@dataclass(frozen=True)
class ValidationReport:
    sessions: int
    episodes: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_workspace(workspace: Workspace) -> ValidationReport:
    """Probe every recording (raises on bad input), then check what the last build wrote."""
    tools = find_tools(workspace.settings.tools, encoders=())
    probe_recordings(workspace, tools, workspace.episodes)
    problems = check_outputs(workspace)
    return ValidationReport(len(workspace.sessions), len(workspace.episodes), tuple(problems))


def check_outputs(workspace: Workspace) -> list[Problem]:
    """Built files against their records, and the feed's enclosures against the files."""
    paths = workspace.paths
    problems: list[Problem] = []
    sizes: dict[str, int] = {}
    for session in workspace.episodes:
        record = load_record(paths.state, session.id)
        if record is None:
            problems.append(
                Problem(paths.rel(session.source), "", "not built yet; run 'audioarchive build'")
            )
            continue
        for media in record.media:
            path = paths.feed / media.path
            label = paths.rel(path)
            if not path.is_file():
                problems.append(Problem(label, "", "missing; run 'audioarchive build'"))
            elif path.stat().st_size != media.size:
                problems.append(
                    Problem(
                        label, "", f"{path.stat().st_size} bytes; expected {media.size} as built"
                    )
                )
            sizes[workspace.settings.site.url(media.path)] = media.size
    problems.extend(_check_feed_file(workspace, sizes))
    return problems


def _check_feed_file(workspace: Workspace, sizes: dict[str, int]) -> list[Problem]:
    paths = workspace.paths
    feed = paths.feed / "feed.xml"
    label = paths.rel(feed)
    if not feed.is_file():
        return (
            [Problem(label, "", "missing; run 'audioarchive build'")] if workspace.episodes else []
        )
    try:
        root = ET.fromstring(feed.read_bytes())  # noqa: S314 (our own output)
    except ET.ParseError as err:
        return [Problem(label, "", f"not well-formed XML ({err})")]
    problems = []
    guids: set[str] = set()
    for item in root.iter("item"):
        guid = item.findtext("guid") or ""
        if guid in guids:
            problems.append(Problem(label, f"item {guid}", "duplicate guid; expected each once"))
        guids.add(guid)
        enclosure = item.find("enclosure")
        if enclosure is None:
            problems.append(Problem(label, f"item {guid}", "no enclosure"))
            continue
        url, length = enclosure.get("url", ""), enclosure.get("length", "")
        expected = sizes.get(url)
        if expected is None:
            problems.append(Problem(label, f"item {guid}", f"enclosure {url} is not a built file"))
        elif length != str(expected):
            problems.append(
                Problem(label, f"item {guid}", f"enclosure length {length}; expected {expected}")
            )
    return problems
