"""Run an ASGI app with uvicorn in a background thread on a loopback port (0 = a free one).

Used by the drill environment, the demo and the tests: the server has its own event loop, so a caller that
blocks (a sync database call) never stalls it, and it stops cleanly when the `with` block ends.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from models.errors import ParkLinkError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only then (else every
    # keep-alive response waits ~40 ms for a delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ParkLinkError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port") from None
    return sock


@contextmanager
def serve_in_thread(app, *, host: str = "127.0.0.1", port: int = 0, name: str = "server") -> Iterator[str]:
    """Yield the base URL (http://host:port) while `app` serves in a daemon thread."""
    if host not in LOOPBACK:
        raise ParkLinkError(f"{name}: in-process servers listen on loopback only, not {host}")
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"parklink-{name}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise ParkLinkError(f"{name}: the server did not start on {host}:{actual}")
        time.sleep(0.01)
    try:
        yield f"http://{host if ':' not in host else f'[{host}]'}:{actual}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
