"""The session form: a session file's fields as form values, and form values as file changes.

The form reads the file as YAML data (not the validated model), so that a file with
problems can still be opened and fixed. Saving turns the form into *changes* (a value per
key, ``None`` to remove it) that :mod:`.files` applies to the file in place; the result is
checked by the same loader as the command line before anything is written, and each
problem is shown beside its field (:func:`field_id`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from audioarchive.common.validation import format_time, parse_time
from audioarchive.config import Settings
from audioarchive.errors import Problem
from audioarchive.metadata.session import ROLES, check_session_file
from audioarchive.studio.files import render_update

#: Empty rows offered at the end of the speaker and resource lists.
SPARE_ROWS = 1
_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{1,2}):?(\d{2})?$")
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass
class FormValues:
    """Flat form values (``speakers-0-name``…) and, per field id, its problems."""

    values: dict[str, str] = field(default_factory=dict)
    speakers: list[dict[str, str]] = field(default_factory=list)
    resources: list[dict[str, str]] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)  # problems with no field on the form


def field_id(problem_field: str) -> str:
    """The form id of a loader's field name: ``speakers[0].name`` → ``speakers-0-name``."""
    name = _INDEX.sub(lambda m: f"-{m.group(1)}-", problem_field).replace("-.", "-")
    name = name.rstrip("-").replace(".", "_")
    if name.startswith("topics"):
        return "topics"
    if name.startswith("date"):
        return "date"
    return name


FORM_FIELDS = (
    "title",
    "date",
    "season",
    "episode",
    "episode_type",
    "description",
    "venue_name",
    "venue_address",
    "venue_url",
    "topics",
    "license",
    "explicit",
)


def form_from_data(data: Mapping[str, Any]) -> FormValues:
    """Form values for the parsed YAML ``data`` of a session file."""
    form = FormValues()
    v = form.values
    v["title"] = _text(data.get("title"))
    v["date_local"], v["timezone"] = _date_parts(data.get("date"))
    for key in ("season", "episode", "description", "license"):
        v[key] = _text(data.get(key))
    v["episode_type"] = _text(data.get("episode_type")) or "full"
    explicit = data.get("explicit")
    v["explicit"] = "" if explicit is None else ("true" if explicit is True else "false")
    venue = _mapping(data.get("venue"))
    for key in ("name", "address", "url"):
        v[f"venue_{key}"] = _text(venue.get(key))
    topics = data.get("topics")
    v["topics"] = ", ".join(map(str, topics)) if isinstance(topics, list) else _text(topics)
    for item in _items(data.get("speakers")):
        form.speakers.append(
            {
                "name": _text(item.get("name")),
                "role": _text(item.get("role")) or "guest",
                "affiliation": _text(item.get("affiliation")),
                "url": _text(item.get("url")),
                "publish_name": "" if item.get("publish_name") is False else "on",
            }
        )
    for item in _items(data.get("resources")):
        form.resources.append({"title": _text(item.get("title")), "url": _text(item.get("url"))})
    _pad(form)
    return form


def form_from_post(post: Mapping[str, str]) -> FormValues:
    """Form values as the browser sent them (to show them again beside their problems)."""
    form = FormValues()
    for key in ("title", "date_local", "timezone", *FORM_FIELDS):
        form.values.setdefault(key, post.get(key, "").strip())
    form.speakers = _rows(post, "speakers", ("name", "role", "affiliation", "url", "publish_name"))
    form.resources = _rows(post, "resources", ("title", "url"))
    _pad(form)
    return form


def changes_from_form(form: FormValues, original: Mapping[str, Any]) -> dict[str, Any]:
    """What the form changes in the file: a value per key, ``None`` to remove the key."""
    v = form.values
    changes: dict[str, Any] = {"title": v["title"] or None}
    changes["date"] = _date_value(v["date_local"], v["timezone"], form)
    for key in ("season", "episode"):
        changes[key] = int(v[key]) if v[key].isdigit() else (v[key] or None)
    changes["episode_type"] = None if v["episode_type"] in ("", "full") else v["episode_type"]
    if v["episode_type"] == "full" and original.get("episode_type") == "full":
        changes["episode_type"] = "full"
    changes["description"] = v["description"].replace("\r\n", "\n") or None
    changes["license"] = v["license"] or None
    changes["explicit"] = {"true": True, "false": False}.get(v["explicit"])
    venue = {k: v[f"venue_{k}"] or None for k in ("name", "address", "url")}
    changes["venue"] = venue if any(venue.values()) else None
    topics = [t.strip() for t in v["topics"].split(",") if t.strip()]
    changes["topics"] = topics or None
    originals = list(_items(original.get("speakers")))
    speakers = []
    for index, row in enumerate(r for r in form.speakers if _filled(r, ("name", "affiliation"))):
        before = originals[index] if index < len(originals) else {}
        item: dict[str, Any] = {
            "name": row["name"] or None,
            "role": row["role"] if row["role"] != "guest" or "role" in before else None,
            "affiliation": row["affiliation"] or None,
            "url": row["url"] or None,
        }
        if row.get("publish_name") != "on":
            item["publish_name"] = False
        elif "publish_name" in before:
            item["publish_name"] = True
        speakers.append(item)
    changes["speakers"] = speakers or None
    resources = [
        {"title": r["title"] or None, "url": r["url"] or None}
        for r in form.resources
        if _filled(r, ("title", "url"))
    ]
    changes["resources"] = resources or None
    return {
        k: val
        for k, val in changes.items()
        if (val is not None or k in original) and not equivalent(val, original.get(k))
    }


def equivalent(new: Any, old: Any) -> bool:
    """Whether the form's value means what the file holds (then the file's spelling stays)."""
    if new is None or old is None:
        return new is None and old is None
    if isinstance(new, bool) or isinstance(old, bool):
        return new is old
    if isinstance(new, Mapping) and isinstance(old, Mapping):
        return all(equivalent(new.get(k), old.get(k)) for k in {*new, *old})
    if isinstance(new, list) and isinstance(old, list):
        return len(new) == len(old) and all(map(equivalent, new, old))
    if isinstance(new, str) and isinstance(old, datetime):
        try:
            return datetime.fromisoformat(new) == old
        except ValueError:
            return False
    if isinstance(new, str) and isinstance(old, str):
        return new.strip() == old.strip()
    return bool(new == old) and type(new) is type(old)


def check_text(text: str, session_id: str, settings: Settings) -> list[Problem]:
    """Every problem the loader finds in ``text`` as the session file ``<session_id>.yaml``."""
    with tempfile.TemporaryDirectory(prefix="audioarchive-studio-") as tmp:
        path = Path(tmp) / f"{session_id}.yaml"
        path.write_text(text, encoding="utf-8")
        return check_session_file(path, settings)


def apply_form(
    text: str, form: FormValues, original: Mapping[str, Any], session_id: str, settings: Settings
) -> str | None:
    """The file's new text, or ``None`` with ``form.problems`` filled in."""
    changes = changes_from_form(form, original)
    if "date" in form.problems:
        changes.pop("date", None)  # the loader checks the rest; the date's problem is known
    new = render_update(text, changes, f"{session_id}.yaml")
    for problem in check_text(new, session_id, settings):
        place = field_id(problem.field)
        if place == "date" and "date" in form.problems:
            continue
        known = place in FORM_FIELDS or place.startswith(("speakers-", "resources-"))
        if known:
            form.problems.setdefault(place, []).append(problem.message)
        else:
            form.general.append(
                f"{problem.field}: {problem.message}" if problem.field else problem.message
            )
    return None if form.problems or form.general else new


def new_session_text(session_id: str) -> str:
    """The first lines of a session file made from the studio's form."""
    return (
        "# Created in the audioarchive studio. Every time below is on the raw recording\n"
        "# (the recorder's parts joined end to end); see the README.\n"
        f"id: {session_id}\n"
    )


# --- helpers ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _filled(row: Mapping[str, str], keys: tuple[str, ...]) -> bool:
    return any(row.get(k, "").strip() for k in keys)


def _rows(post: Mapping[str, str], prefix: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    rows: dict[int, dict[str, str]] = {}
    pattern = re.compile(rf"^{prefix}-(\d+)-({'|'.join(keys)})$")
    for name, value in post.items():
        match = pattern.match(name)
        if match and int(match.group(1)) < 500:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value.strip()
    out = []
    for index in sorted(rows):
        row = {k: rows[index].get(k, "") for k in keys}
        out.append(row)
    return [
        r for r in out if _filled(r, tuple(k for k in keys if k not in ("role", "publish_name")))
    ]


def _pad(form: FormValues) -> None:
    for _ in range(SPARE_ROWS):
        form.speakers.append(
            {"name": "", "role": "guest", "affiliation": "", "url": "", "publish_name": "on"}
        )
        form.resources.append({"title": "", "url": ""})


def _date_parts(value: Any) -> tuple[str, str]:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value, ""
    if isinstance(value, datetime):
        local = value.strftime("%Y-%m-%dT%H:%M")
        if value.tzinfo is None:
            return local, ""
        offset = value.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return local, f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if isinstance(value, date):
        return value.isoformat() + "T00:00", ""
    return "", ""


def _date_value(local: str, zone: str, form: FormValues) -> datetime | None:
    if not local:
        return None
    try:
        when = datetime.fromisoformat(local)
    except ValueError:
        form.problems.setdefault("date", []).append(
            f'found "{local}"; expected a date and time such as 2023-03-16T19:00'
        )
        return None
    tz = _zone(zone)
    if tz is None:
        form.problems.setdefault("date", []).append(
            f'time zone "{zone}": expected a zone such as Europe/Paris or an offset such as +01:00'
        )
        return None
    return when.replace(tzinfo=tz, second=0, microsecond=0)


def _zone(text: str) -> timezone | ZoneInfo | None:
    text = text.strip()
    if not text:
        return None
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return timezone(delta if sign == "+" else -delta) if delta < timedelta(hours=15) else None
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return None


__all__ = ["ROLES", "FormValues", "apply_form", "form_from_data", "form_from_post"]


# --- marks from the timeline ---------------------------------------------------------------------


def _time_text(seconds: float) -> str:
    return format_time(seconds, millis=round(seconds * 1000) % 1000 != 0)


def _time_value(seconds: Any, before: Any) -> Any:
    """The time to write: the file's own spelling when it means the same instant."""
    value = float(seconds)
    old = parse_time(before) if before is not None else None
    if old is not None and abs(old - value) < 0.0005:
        return before
    return _time_text(value)


def marks_changes(payload: Mapping[str, Any], original: Mapping[str, Any]) -> dict[str, Any]:
    """Trim, chapters and redactions as the timeline sends them (raw seconds), as file changes.

    A value the file already holds keeps its spelling (``12.5`` stays ``12.5``), so that the
    file's diff shows only what moved.
    """
    changes: dict[str, Any] = {}
    trim = _mapping(payload.get("trim"))
    before_trim = _mapping(original.get("trim"))
    sides = {
        side: _time_value(trim[side], before_trim.get(side))
        for side in ("start", "end")
        if isinstance(trim.get(side), int | float)
    }
    if sides:
        changes["trim"] = {"start": sides.get("start"), "end": sides.get("end")}
    elif original.get("trim") is not False:
        changes["trim"] = None
    old_chapters = _items(original.get("chapters"))
    chapters = []
    for index, item in enumerate(_items(payload.get("chapters"))):
        before = old_chapters[index] if index < len(old_chapters) else {}
        chapters.append(
            {
                "start": _time_value(item.get("start", 0), before.get("start")),
                "title": str(item.get("title") or "").strip() or None,
                "url": str(item.get("url") or "").strip() or None,
            }
        )
    changes["chapters"] = chapters or None
    old_redactions = _items(original.get("redactions"))
    redactions = []
    for index, item in enumerate(_items(payload.get("redactions"))):
        before = old_redactions[index] if index < len(old_redactions) else {}
        redactions.append(
            {
                "start": _time_value(item.get("start", 0), before.get("start")),
                "end": _time_value(item.get("end", 0), before.get("end")),
                "reason": str(item.get("reason") or "").strip() or None,
            }
        )
    changes["redactions"] = redactions or None
    return {k: v for k, v in changes.items() if v is not None or k in original}
