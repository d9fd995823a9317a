"""Build and publish in the background, their progress kept as a list of events.

One job at a time (the workspace lock would refuse a second one anyway). The web app
streams a job's events to the browser as server-sent events; the last event says how it
ended, in plain words, with the links to what was built.
"""

from __future__ import annotations

import secrets
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from audioarchive.errors import AudioArchiveError
from audioarchive.metadata.session import load_workspace
from audioarchive.pipeline import BuildReport, ProgressEvent, build, publish

Kind = Literal["build", "publish"]
_VERBS = {
    "built": "built",
    "retagged": "tags and pages updated",
    "unchanged": "already up to date",
    "failed": "FAILED",
    "planned": "to do",
}


@dataclass
class Job:
    id: str
    kind: Kind
    sessions: tuple[str, ...]
    events: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(event)

    def since(self, index: int) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.events[index:])


class Jobs:
    """The jobs of one studio; at most one runs at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def running(self) -> Job | None:
        with self.lock:
            return next((j for j in self.jobs.values() if not j.done), None)

    def start(self, kind: Kind, sessions: Sequence[str]) -> Job | None:
        """Start a job, or return ``None`` when one is already running."""
        with self.lock:
            if any(not j.done for j in self.jobs.values()):
                return None
            job = Job(secrets.token_hex(8), kind, tuple(sessions))
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def _run(self, job: Job) -> None:
        progress = _Throttle(job.add)
        try:
            workspace = load_workspace(self.root)
            if job.kind == "build":
                report = build(workspace, job.sessions, progress=progress)
                outcome = _outcome(report, job.sessions)
            else:
                published = publish(workspace, progress=progress)
                outcome = _outcome(published.build, ())
                outcome["message"] += f" Published to {published.target}."
                outcome["feed_url"] = published.feed_url
        except AudioArchiveError as err:
            outcome = {"done": True, "ok": False, "message": str(err)}
        except Exception as err:
            traceback.print_exc()
            outcome = {
                "done": True,
                "ok": False,
                "message": f"internal error: {type(err).__name__}: {err} (please report it)",
            }
        job.add(outcome)
        job.done = True


def _outcome(report: BuildReport, sessions: Sequence[str]) -> dict[str, Any]:
    lines = [
        f"{e.id}: {_VERBS.get(e.status, e.status)}" + (f" ({e.message})" if e.message else "")
        for e in report.episodes
    ]
    ok = not report.failed
    head = "Done." if ok else f"{len(report.failed)} episode(s) failed."
    links = [{"label": "feed", "href": "/feed/feed.xml"}, {"label": "index", "href": "/feed/"}]
    for session in sessions:
        links.append({"label": session, "href": f"/feed/episodes/{session}/"})
    return {"done": True, "ok": ok, "message": " ".join([head, *lines]), "links": links}


class _Throttle:
    """Progress events, at most one per stage every 0.2 s (and every stage's end)."""

    def __init__(self, emit: Callable[[dict[str, Any]], None]) -> None:
        self.emit = emit
        self.last: tuple[str, str] | None = None
        self.when = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        key = (event.stage, event.episode)
        now = time.monotonic()
        if key == self.last and now - self.when < 0.2 and event.fraction < 1.0:
            return
        self.last, self.when = key, now
        self.emit(
            {"stage": event.stage, "episode": event.episode, "fraction": round(event.fraction, 3)}
        )
