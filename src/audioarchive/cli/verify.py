"""``verify``."""

from __future__ import annotations

import click

from audioarchive.cli._common import App, echo_json, handle_errors, json_option, pass_app
from audioarchive.errors import ExitCode
from audioarchive.fixity import VerifyReport, verify_local
from audioarchive.pipeline import ProgressEvent

_STATUS = {"changed": "CHANGED", "missing": "MISSING", "untracked": "untracked", "ok": "ok"}


@click.command("verify")
@json_option
@pass_app
@handle_errors
def verify_command(app: App, as_json: bool) -> None:
    """Recompute the checksums of local files and compare them with the recorded ones.

    Checks archive/ against archive/manifest-sha256.txt, the media in feed/ against
    the build records, and the recorder's files against recordings/<id>/SHA256SUMS.
    Prints one line per file that differs or is missing, and exits 1 if there is
    any; files in archive/ that the manifest does not list are reported as
    untracked (a warning). Works even when the metadata no longer validates.

    \b
    Example:
        audioarchive verify
        audioarchive verify --json
    """
    progress = app.progress
    report = verify_local(
        app.settings(), lambda f: progress(ProgressEvent("verify", "checksums", f))
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
    if report.ok:
        if not report.checks:
            click.echo("Nothing to verify yet: run 'audioarchive build' first.", err=True)
        else:
            click.echo(f"OK: {verified} file(s) match their checksums.", err=True)
    else:
        failed = len(report.failed) + len(report.problems)
        click.echo(f"{failed} problem(s); {verified} file(s) match their checksums.", err=True)
