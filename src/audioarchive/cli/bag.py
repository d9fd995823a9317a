"""``bag``: BagIt bags of sessions or of the whole collection."""

from __future__ import annotations

from pathlib import Path

import click

from audioarchive.archive.bag import make_bags
from audioarchive.cli._common import App, echo_json, handle_errors, json_option, pass_app
from audioarchive.storage import human_size


@click.command("bag")
@click.argument("args", nargs=-1, required=True, metavar="[SESSION]... DEST")
@json_option
@pass_app
@handle_errors
def bag_command(app: App, args: tuple[str, ...], as_json: bool) -> None:
    """Write BagIt 1.0 bags (RFC 8493) into the folder DEST, for handing the archive over.

    With SESSIONs, one bag per session in DEST/<id>/; without, one bag of the
    whole collection in DEST/collection/. The payload (data/) mirrors the
    workspace: the recorder's original files, the masters, the sidecar, the
    transcript, the fixity history and the public files; bag-info.txt names the
    show's author and owner (podcast.yaml). Manifests and tag manifests in
    SHA-256 and SHA-512. Every file is compared with its recorded checksum: a
    damaged one is refused, and nothing is bagged. 'audioarchive verify' then
    validates the bags made here; so does 'bagit.py --validate DEST/<id>'.

    \b
    Example:
        audioarchive bag 2022-10-25-non-recours /media/transfer
        audioarchive bag /media/transfer
    """
    *sessions, dest = args
    reports = make_bags(app.workspace(), sessions, Path(dest))
    if as_json:
        echo_json(
            [
                {
                    "path": str(r.path),
                    "sessions": list(r.sessions),
                    "files": r.files,
                    "bytes": r.bytes,
                }
                for r in reports
            ]
        )
        return
    for report in reports:
        click.echo(str(report.path))
        click.echo(
            f"  {report.files} file(s), {human_size(report.bytes)}, "
            f"{len(report.sessions)} session(s)",
            err=True,
        )
