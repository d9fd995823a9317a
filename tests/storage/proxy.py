"""A TCP relay on 127.0.0.1 that slows uploads down, so a test can kill a publish mid-upload.

Bytes from the client to the server are passed at ``rate`` bytes per second and
counted; answers pass at full speed. Bounded: it stops with its context.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class SlowProxy:
    upstream: tuple[str, int]
    rate: int  # bytes per second, client -> server
    port: int = 0
    sent: int = 0  # bytes passed client -> server
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _sockets: list[socket.socket] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self, listener: socket.socket) -> None:
        listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:  # the server is down: so is the relay, for this client
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            for args in ((client, server, True), (server, client, False)):
                thread = threading.Thread(target=self._pump, args=args, daemon=True)
                thread.start()
                self._threads.append(thread)

    def _pump(self, source: socket.socket, dest: socket.socket, slow: bool) -> None:
        chunk = max(1024, self.rate // 20) if slow else 65536
        source.settimeout(0.2)
        try:
            while not self._stop.is_set():
                try:
                    data = source.recv(chunk)
                except TimeoutError:
                    continue
                if not data:
                    break
                if slow:
                    time.sleep(len(data) / self.rate)
                    with self._lock:
                        self.sent += len(data)
                dest.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dest.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def slow_proxy(upstream: tuple[str, int], rate: int) -> Iterator[SlowProxy]:
    proxy = SlowProxy(upstream, rate)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    proxy.port = listener.getsockname()[1]
    acceptor = threading.Thread(target=proxy._serve, args=(listener,), daemon=True)
    acceptor.start()
    try:
        yield proxy
    finally:
        proxy._stop.set()
        acceptor.join(timeout=5)
        listener.close()
        for thread in proxy._threads:
            thread.join(timeout=5)
        for sock in proxy._sockets:
            sock.close()
