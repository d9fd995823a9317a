"""``verify``: fixity checks (here: the remote part, ``--remote`` and ``--deep``)."""

from __future__ import annotations

from typing import Any

import click

from audioarchive.cli._common import App, echo_json, handle_errors, json_option, pass_app
from audioarchive.errors import ExitCode
from audioarchive.pipeline import ProgressEvent
from audioarchive.storage import PhaseProgress, RemoteVerifyReport, human_size, verify_remote


@click.command("verify")
@click.option(
    "--remote",
    is_flag=True,
    help="Compare the objects in storage with the manifest: presence, size, ETag, "
    "SHA-256 metadata, Content-Type and Cache-Control.",
)
@click.option("--deep", is_flag=True, help="With --remote: download every object and re-hash it.")
@json_option
@pass_app
@handle_errors
def verify_command(app: App, remote: bool, deep: bool, as_json: bool) -> None:
    """Fixity: compare what is stored with the checksums recorded when it was published.

    Exit 1 when any object is missing or differs, 3 when storage cannot be
    reached or refuses the credentials, 0 when everything matches.

    \b
    Example:
        audioarchive verify --remote
        audioarchive verify --remote --deep
    """
    if deep and not remote:
        raise click.UsageError("--deep goes with --remote")
    if not remote:
        raise click.UsageError("this version checks storage only: add --remote")
    report = verify_remote(app.workspace(), deep=deep, progress=_progress(app))
    app.progress.clear()
    _print_remote(report, as_json)
    if not report.ok:
        raise click.exceptions.Exit(int(ExitCode.EPISODE_FAILED))


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
