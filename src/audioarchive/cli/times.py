"""``times``: speech, pauses and speaker changes on the raw and the published timelines."""

from __future__ import annotations

import click

from audioarchive.cli._common import App, echo_json, handle_errors, json_option, pass_app
from audioarchive.common.validation import format_time, parse_time
from audioarchive.errors import InputError
from audioarchive.pipeline import ProgressEvent
from audioarchive.studio.times import (
    Conversion,
    SessionTimes,
    convert_published,
    convert_raw,
    events,
    session_times,
)


def _time(value: str | None, option: str) -> float | None:
    if value is None:
        return None
    seconds = parse_time(value)
    if seconds is None:
        raise InputError(f'{option} "{value}": expected a time such as 0:02:15, 2:15 or 135.5')
    return seconds


@click.command("times")
@click.argument("session")
@click.option("--raw", "raw", metavar="TIME", help="Convert this raw recording time.")
@click.option("--published", metavar="TIME", help="Convert this time of the published episode.")
@click.option(
    "--part",
    metavar="FILE",
    help="With --raw: the time is within this recorder part, not the joined recording.",
)
@json_option
@pass_app
@handle_errors
def times_command(
    app: App,
    session: str,
    raw: str | None,
    published: str | None,
    part: str | None,
    as_json: bool,
) -> None:
    """List SESSION's speech, pauses and likely speaker changes, on both timelines.

    Times in session files (trim, chapters, redactions) are on the raw recording:
    the recorder's parts joined end to end. The published episode starts with the
    intro, then the kept range; redactions silence without shortening. --published
    gives the raw time (and recorder part) a listener's "at 2:15" refers to; --raw
    gives the published time of a raw one.

    \b
    Example:
        audioarchive times 2022-10-25-non-recours
        audioarchive times 2022-10-25-non-recours --published 0:02:15
        audioarchive times 2022-10-25-non-recours --raw 0:01:00 --part ZOOM0002.WAV
    """
    if raw is not None and published is not None:
        raise InputError("--raw and --published: expected one of them, not both")
    if part is not None and raw is None:
        raise InputError("--part: expected with --raw (a time within that part)")
    raw_time, published_time = _time(raw, "--raw"), _time(published, "--published")
    workspace = app.workspace()
    times = session_times(
        workspace,
        session,
        lambda f: app.progress(ProgressEvent("analyse", session, f)),
    )
    app.progress.clear()
    if raw_time is not None or published_time is not None:
        if published_time is not None:
            conversion = convert_published(times, published_time)
        else:
            conversion = convert_raw(times, _joined(times, raw_time or 0.0, part))
        if as_json:
            echo_json(conversion.as_dict())
        else:
            click.echo(_conversion_line(conversion))
        return
    if as_json:
        echo_json(times.as_dict())
        return
    _print_times(times)


def _joined(times: SessionTimes, offset: float, part: str | None) -> float:
    if part is None:
        return offset
    for found in times.parts:
        if found.name == part:
            if offset > found.end - found.start:
                raise InputError(
                    f"--raw {format_time(offset, millis=True)}: past the end of {part} "
                    f"({format_time(found.end - found.start, millis=True)})"
                )
            return found.start + offset
    names = ", ".join(p.name for p in times.parts)
    raise InputError(f'--part "{part}": not a part of {times.session.id}; expected one of {names}')


def _clock(seconds: float | None) -> str:
    return "-" if seconds is None else format_time(seconds, millis=True)


def _conversion_line(conversion: Conversion) -> str:
    where = ""
    if conversion.part is not None:
        where = f" ({conversion.part.part.name} at {_clock(conversion.part.offset)})"
    text = f"raw {_clock(conversion.raw)}{where} = published {_clock(conversion.published)}"
    return f"{text}: {conversion.note}" if conversion.note else text


def _print_times(times: SessionTimes) -> None:
    count = len(times.parts)
    click.echo(
        f"{times.session.id}: recording {_clock(times.duration)} in {count} "
        f"part{'s' if count != 1 else ''}; episode {_clock(times.timeline.duration)}"
        + (f" (intro {times.timeline.intro:.1f} s)" if times.timeline.intro else "")
    )
    click.echo(f"{'raw':<13} {'published':<13} what")
    for event in events(times):
        click.echo(f"{_clock(event.raw):<13} {_clock(event.published):<13} {event.what}")
