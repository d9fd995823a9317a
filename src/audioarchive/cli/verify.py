"""``verify``: fixity checks, local (default) and remote (``--remote``, ``--deep``)."""

from __future__ import annotations

from typing import Any

import click

from audioarchive.archive.events import parse_age
from audioarchive.archive.fixity import VerifyReport
from audioarchive.archive.preserve import verify_and_record
from audioarchive.cli._common import App, echo_json, handle_errors, json_option, pass_app
from audioarchive.errors import ExitCode
from audioarchive.pipeline import ProgressEvent
from audioarchive.storage import PhaseProgress, RemoteVerifyReport, human_size, verify_remote

_STATUS = {"changed": "CHANGED", "missing": "MISSING", "untracked": "untracked", "ok": "ok"}


@click.command("verify")
@click.option(
    "--remote",
    is_flag=True,
    help="Check storage instead: compare the objects with the publish manifest (presence, "
    "size, ETag, SHA-256 metadata, Content-Type and Cache-Control).",
)
@click.option("--deep", is_flag=True, help="With --remote: download every object and re-hash it.")
@click.option(
    "--older-than",
    metavar="AGE",
    help="Check only the files whose last successful check is older than AGE (90d, 12w, "
    "36h) or that were never checked, from the fixity history.",
)
@json_option
@pass_app
@handle_errors
def verify_command(
    app: App, remote: bool, deep: bool, older_than: str | None, as_json: bool
) -> None:
    """Fixity: recompute checksums and compare them with the recorded ones.

    By default, checks local files: archive/ against archive/manifest-sha256.txt,
    the media in feed/ against the build records, and the recorder's files
    against recordings/<id>/SHA256SUMS (ingest writes it; the first build that
    uses a file copied by hand adds it); files in archive/ that the manifest does
    not list are reported as untracked (a warning). Each file checked gets a
    "fixity check" event in its session's history (archive/<id>/<id>.events.jsonl);
    --older-than skips the files checked recently. With --remote, checks the
    objects in storage against the publish manifest instead (--deep re-hashes
    them). Prints one line per file that differs or is missing. Exit 1 when any
    does, 3 when storage cannot be reached or refuses the credentials.

    \b
    Example:
        audioarchive verify
        audioarchive verify --older-than 90d
        audioarchive verify --remote --deep
    """
    if deep and not remote:
        raise click.UsageError("--deep goes with --remote")
    if remote:
        remote_report = verify_remote(app.workspace(), deep=deep, progress=_progress(app))
        app.progress.clear()
        _print_remote(remote_report, as_json)
        if not remote_report.ok:
            raise click.exceptions.Exit(int(ExitCode.EPISODE_FAILED))
        return
    age = parse_age(older_than) if older_than else None
    progress = app.progress
    report = verify_and_record(
        app.settings(),
        older_than=age,
        progress=lambda f: progress(ProgressEvent("verify", "checksums", f)),
    )
    progress.clear()
    if as_json:
        echo_json(report.as_dict())
    else:
        _print_report(report)
    if not report.ok:
        raise click.exceptions.Exit(int(ExitCode.EPISODE_FAILED))


def _print_report(report: VerifyReport) -> None:
    for check in report.failed:
        detail = ""
        if check.status == "changed" and check.expected and check.actual:
            detail = (
                f" (sha256 {check.actual[:16]}…, expected {check.expected[:16]}… "
                f"from the {check.source})"
            )
        elif check.status == "missing":
            detail = f" (listed in the {check.source})"
        click.echo(f"{check.path}: {_STATUS[check.status]}{detail}")
    for problem in report.problems:
        click.echo(str(problem))
    for check in report.untracked:
        click.echo(f"warning: {check.path}: untracked (not in the manifest)", err=True)
    verified = len(report.verified)
    if report.skipped:
        click.echo(f"{len(report.skipped)} file(s) checked recently: skipped.", err=True)
    if report.ok:
        if not report.checks and not report.skipped:
            click.echo("Nothing to verify yet: run 'audioarchive build' first.", err=True)
        else:
            click.echo(f"OK: {verified} file(s) match their checksums.", err=True)
    else:
        failed = len(report.failed) + len(report.problems)
        click.echo(f"{failed} problem(s); {verified} file(s) match their checksums.", err=True)


def _progress(app: App) -> PhaseProgress:
    return lambda label, fraction: app.progress(ProgressEvent("check", label, fraction))


def remote_summary(report: RemoteVerifyReport) -> dict[str, Any]:
    return {
        "targets": list(report.targets),
        "checked": report.checked,
        "deep": report.deep,
        "problems": [
            {"target": p.target, "url": p.url, "problem": p.problem} for p in report.problems
        ],
        "unknown": list(report.unknown),
        "bytes_read": report.bytes_read,
        "requests": report.requests,
        "seconds": report.seconds,
    }


def _print_remote(report: RemoteVerifyReport, as_json: bool) -> None:
    if as_json:
        echo_json(remote_summary(report))
        return
    if not report.targets:
        click.echo("No [storage] or [archive_storage] in audioarchive.toml: nothing to verify.")
        return
    for problem in report.problems:
        click.echo(str(problem))
    for url in report.unknown:
        click.echo(f"{url}: not in the manifest (not published from this workspace)", err=True)
    how = f"re-hashed ({human_size(report.bytes_read)} read)" if report.deep else "compared"
    verdict = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    click.echo(
        f"{verdict}: {report.checked} object(s) {how} in {', '.join(report.targets)}; "
        f"{report.requests} request(s) in {report.seconds:.1f} s",
        err=True,
    )
