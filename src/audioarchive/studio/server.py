"""Serving the studio with uvicorn: where it listens, its secret, and a thread for the tests.

The studio listens on 127.0.0.1 unless ``--host`` names another address; it then warns
that the secret token is the only protection (anyone who can reach the port and learn
the token can change the workspace). uvicorn lives in this module only.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from audioarchive.errors import InputError
from audioarchive.studio.app import StudioConfig, create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: Largest upload accepted (bytes): a day of 96 kHz/24-bit stereo WAV is about 50 GB.
DEFAULT_MAX_UPLOAD = 64 << 30


@dataclass(frozen=True)
class StudioServer:
    """What ``audioarchive studio`` runs: the workspace, the address and the secret token."""

    root: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    max_upload: int = DEFAULT_MAX_UPLOAD

    @property
    def url(self) -> str:
        """The address to open, with the token (as Jupyter prints it)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/?token={self.token}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str, *, explicit: bool) -> str | None:
    """Refuse a non-loopback address not asked for explicitly; else the warning to show, if any."""
    if is_loopback(host):
        return None
    if not explicit:
        raise InputError(
            f"studio: refusing to listen on {host}, which other machines can reach; "
            "expected 127.0.0.1, or --host given explicitly"
        )
    return (
        f"the studio listens on {host}: anyone who can reach this port and learns the token "
        "can change this workspace; the token is the only protection (no TLS: use it on a "
        "trusted network only)"
    )


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _config(server: StudioServer) -> uvicorn.Config:
    app = create_app(
        StudioConfig(
            root=server.root,
            token=server.token,
            host=server.host,
            port=server.port,
            max_upload=server.max_upload,
        )
    )
    return uvicorn.Config(
        app,
        host=server.host,
        port=server.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )


def run_studio(server: StudioServer) -> None:
    """Serve until interrupted (Ctrl-C)."""
    uvicorn.Server(_config(server)).run()


class StudioThread:
    """The studio in a background thread (tests, screenshots); :meth:`stop` ends it."""

    def __init__(self, server: StudioServer) -> None:
        self.server = server
        self._uvicorn = uvicorn.Server(_config(server))
        self._thread = threading.Thread(target=self._uvicorn.run, daemon=True)

    def start(self) -> StudioThread:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._uvicorn.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the studio did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._uvicorn.should_exit = True
        self._thread.join(timeout=20)
