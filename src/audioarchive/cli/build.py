"""``build`` and ``publish``."""

from __future__ import annotations

from typing import Any

import click

from audioarchive.cli._common import (
    App,
    dry_run_option,
    echo_json,
    force_option,
    handle_errors,
    json_option,
    note,
    pass_app,
)
from audioarchive.errors import ExitCode
from audioarchive.metadata.session import Workspace
from audioarchive.metadata.workspace import leftovers
from audioarchive.pipeline import BuildReport, PublishReport
from audioarchive.pipeline import build as run_build
from audioarchive.pipeline import publish as run_publish
from audioarchive.storage import UploadReport, human_size

_VERBS = {
    "built": "built",
    "retagged": "re-tagged",
    "unchanged": "up to date",
    "failed": "FAILED",
    "planned": "to do",
}


@click.command("build")
@click.argument("sessions", nargs=-1)
@force_option
@dry_run_option
@json_option
@pass_app
@handle_errors
def build_command(
    app: App, sessions: tuple[str, ...], force: bool, dry_run: bool, as_json: bool
) -> None:
    """(Re)build what changed: audio, tags, feed and pages, for SESSIONS (default: all).

    Audio is processed again only when the recording, its trims or redactions, or
    the audio settings changed; a metadata change only re-tags. Output goes to
    feed/ (the public tree) and archive/ (the masters).

    \b
    Example:
        audioarchive build
        audioarchive build 2022-10-25-non-recours --force
    """
    workspace = app.collection(save=not dry_run)
    report = run_build(workspace, sessions, force=force, dry_run=dry_run, progress=app.progress)
    app.progress.clear()
    _print_build(report, as_json)
    if not sessions and not as_json:
        _note_unrecorded(workspace)
    if report.failed:
        raise click.exceptions.Exit(int(ExitCode.EPISODE_FAILED))


@click.command("publish")
@force_option
@dry_run_option
@json_option
@pass_app
@handle_errors
def publish_command(app: App, force: bool, dry_run: bool, as_json: bool) -> None:
    """Build, then upload what changed to the configured storage.

    Without [storage] in audioarchive.toml, feed/ itself is the published tree.
    With it, feed/ goes to the bucket: media first, then verified (HEAD and a
    byte-range GET on the public URL), then pages, then the feed; what is no
    longer published is removed last, so listeners never see a feed that points
    at a missing file. Unchanged objects are not sent again. Masters go to
    [archive_storage] when it is set. --dry-run lists what would be sent, changed
    and removed, under the names the build will give them (audio rendered again
    shows as <id>-<hash>.mp3: its name is its content's hash); --force rebuilds and
    re-sends everything. Credentials come from
    AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE (never the config file).

    \b
    Example:
        audioarchive publish --dry-run
        audioarchive publish
    """
    workspace = app.collection(save=not dry_run)
    report = run_publish(workspace, dry_run=dry_run, force=force, progress=app.progress)
    app.progress.clear()
    _print_publish(report, as_json, quiet=app.quiet)
    if not as_json:
        _note_unrecorded(workspace)
    for reminder in leftovers(workspace):
        click.echo(f"warning: {reminder}", err=True)
    if report.build.failed:
        raise click.exceptions.Exit(int(ExitCode.EPISODE_FAILED))


def _note_unrecorded(workspace: Workspace) -> None:
    """Meetings whose date has passed with no recording: likely files not ingested yet."""
    for session in workspace.unrecorded:
        note(
            f"{session.id}: the meeting's date has passed and recordings/{session.id}/ holds no "
            f"recording; it stays off the feed and pages until `audioarchive ingest "
            f"{session.id} FILE...`"
        )


def build_summary(report: BuildReport) -> dict[str, Any]:
    return {
        "dry_run": report.dry_run,
        "episodes": [
            {"id": e.id, "status": e.status, "message": e.message} for e in report.episodes
        ],
        "written": list(report.written),
        "removed": list(report.removed),
        "feed": str(report.feed) if report.feed else None,
        "index": str(report.index) if report.index else None,
    }


def _print_build(report: BuildReport, as_json: bool) -> None:
    if as_json:
        echo_json(build_summary(report))
        return
    for episode in report.episodes:
        # a failure's message is printed once, in the summary on stderr below
        detail = f"  ({episode.message})" if report.dry_run and episode.message else ""
        click.echo(f"{episode.id}  {_VERBS[episode.status]}{detail}")
    if not report.episodes:
        note("No recorded session yet: nothing to build.")
    elif not report.dry_run and not report.audio_work and not report.failed:
        retagged = any(e.status == "retagged" for e in report.episodes)
        done = "tags updated." if retagged else "everything is up to date."
        note(f"No audio work needed: {done}")
    for episode in report.failed:
        click.echo(f"error: {episode.id}: {episode.message}", err=True)
    if report.feed and not report.dry_run:
        click.echo(f"feed: {report.feed}")
        click.echo(f"pages: {report.index}")


_PUBLISH_VERBS = {
    "upload": ("sent", "would send"),
    "replace": ("changed", "would change"),
    "delete": ("removed", "would remove"),
    "adopt": ("recorded", "would record"),
    "keep": ("left alone", "would leave alone"),
}


def publish_summary(report: PublishReport) -> dict[str, Any]:
    data = build_summary(report.build)
    data.update(
        target=report.target,
        feed_url=report.feed_url,
        uploaded=list(report.uploaded),
        deleted=list(report.deleted),
    )
    upload = report.upload
    if upload is not None:
        data["storage"] = {
            "changes": [
                {
                    "target": c.target,
                    "url": c.url,
                    "path": c.relpath,
                    "action": c.action,
                    "size": c.size,
                    "reason": c.reason,
                }
                for c in upload.changes
            ],
            "unchanged": upload.unchanged,
            "bytes_sent": upload.bytes_sent,
            "requests": upload.requests,
            "seconds": upload.seconds,
            "cleaned_uploads": upload.cleaned_uploads,
        }
    return data


def _print_publish(report: PublishReport, as_json: bool, *, quiet: bool = False) -> None:
    if as_json:
        echo_json(publish_summary(report))
        return
    _print_build(report.build, as_json=False)
    upload = report.upload
    if upload is not None:
        for change in upload.changes:
            if change.action == "keep" and not report.dry_run:
                continue
            verb = _PUBLISH_VERBS[change.action][1 if report.dry_run else 0]
            size = f"  {human_size(change.size)}" if change.action in ("upload", "replace") else ""
            reason = f"  ({change.reason})" if change.reason not in ("", "new") else ""
            click.echo(f"{verb:<17} {change.url}{size}{reason}")
        if not quiet:
            _print_storage_summary(report, upload)
    click.echo(f"{'would publish' if report.dry_run else 'published'} to: {report.target}")
    click.echo(f"feed URL: {report.feed_url}")


def _print_storage_summary(report: PublishReport, upload: UploadReport) -> None:
    sent = upload.of("upload", "replace")
    click.echo(
        f"{'would send' if report.dry_run else 'sent'} {len(sent)} object(s) "
        f"({human_size(sum(c.size for c in sent))}), "
        f"{'would remove' if report.dry_run else 'removed'} {len(upload.of('delete'))}, "
        f"{upload.unchanged} unchanged; {upload.requests} request(s) in {upload.seconds:.1f} s",
        err=True,
    )
