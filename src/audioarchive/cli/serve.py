"""``serve``."""

from __future__ import annotations

from pathlib import Path

import click

from audioarchive.cli._common import App, handle_errors, pass_app
from audioarchive.errors import InputError
from audioarchive.inspect.server import ServeConfig, lan_addresses, make_server


@click.command("serve")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 lets phones on the same network subscribe.",
)
@click.option(
    "--no-rewrite",
    is_flag=True,
    help="Serve the feed and pages exactly as built, without putting this server's address in.",
)
@click.option(
    "--access-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append one line per request to this file, in the combined log format "
    "(for 'audioarchive stats'). It holds IP addresses: delete it once counted.",
)
@pass_app
@handle_errors
def serve_command(
    app: App, port: int, host: str, no_rewrite: bool, access_log: Path | None
) -> None:
    """Serve feed/ over HTTP (HEAD and byte ranges), for podcast apps on this machine or the LAN.

    The feed and pages are served with the address they were built for
    (site.base_url) replaced by the one the app used, so a phone can subscribe
    to http://<this machine>:PORT/feed.xml without rebuilding. Stop with Ctrl-C.

    \b
    Example:
        audioarchive serve
        audioarchive serve --host 0.0.0.0 --port 8000
    """
    settings = app.settings()
    root = settings.paths.feed
    if not (root / "feed.xml").is_file():
        raise InputError("feed/feed.xml does not exist", hint="run 'audioarchive build' first")
    config = ServeConfig(
        root=root,
        base_url=settings.site.base_url,
        rewrite=not no_rewrite,
        access_log=access_log,
    )
    try:
        server = make_server(config, host, port)
    except OSError as err:
        raise InputError(
            f"cannot listen on {host}:{port} ({err.strerror})", hint="try another --port"
        ) from None
    bound = server.server_address[1]
    shown = ["127.0.0.1"] if host in ("127.0.0.1", "localhost") else lan_addresses() or [host]
    for address in shown:
        click.echo(f"http://{address}:{bound}/feed.xml")
    click.echo(f"Serving {settings.paths.rel(root)}/ on {host}:{bound}; Ctrl-C stops.", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()
