"""``list``, ``show``, ``search`` and ``tags``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from audioarchive.cli._common import App, echo_json, handle_errors, json_option, pass_app
from audioarchive.common.validation import format_time
from audioarchive.inspect.browse import describe_session, list_sessions, search_sessions

if TYPE_CHECKING:
    from audioarchive.tags import FileTags

#: keys whose values are seconds: shown as clock times by ``show``
_TIME_KEYS = frozenset(
    {"start", "end", "published_start", "duration", "recording", "published", "kept"}
)
_HITS_SHOWN = 5


@click.command("list")
@json_option
@pass_app
@handle_errors
def list_command(app: App, as_json: bool) -> None:
    """List the sessions: id, date, title, speakers, duration and status.

    Status is upcoming (no recording, date to come or not set), unrecorded (date
    passed, no recording in recordings/<id>/), recorded (not built), built or
    published (its current files are on the configured storage). Only publishable
    speaker names are shown.

    \b
    Example:
        audioarchive list
        audioarchive list --json
    """
    rows = list_sessions(app.collection())
    if as_json:
        echo_json([r.as_dict() for r in rows])
        return
    for row in rows:
        date = row.date[:10] if row.date else "----------"
        duration = format_time(row.duration) if row.duration is not None else "-:--:--"
        speakers = ", ".join(row.speakers)
        click.echo(f"{row.id}\t{date}\t{duration}\t{row.status}\t{row.title}\t{speakers}")


@click.command("show")
@click.argument("session")
@json_option
@pass_app
@handle_errors
def show_command(app: App, session: str, as_json: bool) -> None:
    """Show everything about SESSION: metadata, files, URLs, checksums and loudness.

    This is the private view: every speaker is listed, with publish_name telling
    whether the name may appear in public outputs. Times are shown as H:MM:SS.mmm
    (seconds in --json); "start" is on the raw recording, "published_start" on the
    episode.

    \b
    Example:
        audioarchive show 2022-10-25-non-recours
        audioarchive show 2022-10-25-non-recours --json
    """
    data = describe_session(app.collection(), session)
    if as_json:
        echo_json(data)
        return
    _print_tree(data, 0)


@click.command("search")
@click.argument("text", nargs=-1, required=True)
@json_option
@pass_app
@handle_errors
def search_command(app: App, text: tuple[str, ...], as_json: bool) -> None:
    """Find the sessions where every word of TEXT appears.

    Looks in titles, descriptions, speakers, topics, venues, chapters, resources and
    transcripts, ignoring case and accents ("dematerialisation" finds
    "dématérialisation"). Best matches first; for chapters and transcripts, the time
    on the published episode (or on the raw recording, in brackets, when not built).

    \b
    Example:
        audioarchive search dematerialisation
        audioarchive search caf controle --json
    """
    results = search_sessions(app.collection(), " ".join(text))
    if as_json:
        echo_json([r.as_dict() for r in results])
        return
    if not results:
        click.echo(f'No session matches "{" ".join(text)}".', err=True)
        return
    for result in results:
        date = result.date[:10] if result.date else "----------"
        click.echo(f"{result.id}\t{date}\t{result.title}")
        for hit in result.hits[:_HITS_SHOWN]:
            when = ""
            if hit.published_start is not None:
                when = f" {format_time(hit.published_start)}"
            elif hit.start is not None:
                when = f" [{format_time(hit.start)}]"
            click.echo(f"  {hit.field}{when}: {hit.text}")
        if len(result.hits) > _HITS_SHOWN:
            click.echo(f"  … and {len(result.hits) - _HITS_SHOWN} more (--json lists them all)")
    click.echo(f"{len(results)} session(s) found.", err=True)


@click.command("tags")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@json_option
@pass_app
@handle_errors
def tags_command(app: App, file: Path, as_json: bool) -> None:
    """Print the tags embedded in FILE, any audio file (ours or not), chapters included.

    Reads ID3 (MP3, WAV, AIFF), Vorbis comments (FLAC, Ogg Opus, Ogg Vorbis), MP4
    atoms (M4A) and what recorders write in a WAV file (Broadcast Wave bext, LIST/INFO,
    iXML). Channels, sample rate and encoding come from ffprobe. A file with no tags
    is not an error (exit 0, said on stderr); a file that is not audio, or is
    damaged, is bad input (exit 2).

    \b
    Example:
        audioarchive tags archive/2022-10-25-non-recours/2022-10-25-non-recours.flac
        audioarchive tags feed/episodes/2022-10-25-non-recours/*.mp3 --json
    """
    from audioarchive.ffmpeg import find_tools  # noqa: PLC0415 (list and search: no mutagen)
    from audioarchive.tags import read_tags  # noqa: PLC0415

    found = read_tags(file, find_tools(app.settings().tools))
    if as_json:
        echo_json(found.as_dict())
    else:
        _print_tags(found)
    if found.empty:
        click.echo(f"{file.name}: {found.format} audio with no tags.", err=True)


def _print_tags(found: FileTags) -> None:
    duration = format_time(found.duration, millis=True) if found.duration else "unknown"
    audio = f"{found.encoding or found.format}, {duration}"
    if found.sample_rate:
        audio += f", {found.sample_rate} Hz"
    if found.channels:
        audio += f", {found.channels} channel{'s' if found.channels > 1 else ''}"
    click.echo(f"file: {found.path}")
    click.echo(f"audio: {audio}")
    click.echo(f"tags: {found.tag_format or 'none'}")
    for entry in found.tags:
        label = f"{entry.key} ({entry.name})" if entry.name else entry.key
        for value in entry.values:
            lines = value.splitlines() or [""]
            click.echo(f"  {label}: {lines[0]}")
            for line in lines[1:]:
                click.echo(f"  {' ' * len(label)}  {line}")
    if found.chapters:
        click.echo("chapters:")
        for mark in found.chapters:
            link = f"  <{mark.url}>" if mark.url else ""
            start, end = format_time(mark.start, millis=True), format_time(mark.end, millis=True)
            click.echo(f"  {start} - {end}  {mark.title}{link}")
    if found.pictures:
        click.echo("pictures:")
        for picture in found.pictures:
            size = f"{picture.width}x{picture.height} px, " if picture.width else ""
            click.echo(f"  {picture.type}: {picture.mime}, {size}{picture.size} bytes")


def _print_tree(data: object, depth: int, key: str = "") -> None:
    pad = "  " * depth
    if isinstance(data, dict):
        for name, value in data.items():
            if isinstance(value, dict | list) and value:
                click.echo(f"{pad}{name}:")
                _print_tree(value, depth + 1, name)
            else:
                first, *rest = _scalar(value, name).split("\n")
                indent = pad + " " * (len(name) + 2)
                click.echo(f"{pad}{name}: {first}")
                for line in rest:
                    click.echo(f"{indent}{line}" if line else "")
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict):
                click.echo(f"{pad}-")
                _print_tree(item, depth + 1, key)
            elif isinstance(item, list) and len(item) == 2:  # a range of seconds
                start, end = (_scalar(value, "start") for value in item)
                click.echo(f"{pad}- {start} - {end}")
            else:
                click.echo(f"{pad}- {_scalar(item, key)}")


def _scalar(value: object, key: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | dict):
        return "none"
    if key in _TIME_KEYS and isinstance(value, int | float) and not isinstance(value, bool):
        return format_time(float(value), millis=True)
    return str(value)
