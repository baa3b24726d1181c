"""Who holds a notification's sending lease, and whether that holder is still alive.

A holder is `host:pid:nonce`, one per `Sender` (so per process and per run). A lease is short and renewed by
its holder's heartbeat while it sends; a lease whose holder is gone may be taken over before it expires:

    same process     gone when no live `Sender` has that nonce (it left its `async with`)
    same host        gone when no process has that pid (killed: SIGKILL leaves no time to clean up)
    another host     unknown: alive until its lease expires, which a dead holder can no longer prevent

A reused pid reads as alive, which is safe: that lease is taken over when it expires instead.
"""

from __future__ import annotations

import os
import socket
import uuid

HOST = socket.gethostname()[:60]
_LIVE: set[str] = set()  # the holders of the Senders open in this process


def new_holder() -> str:
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def enter(holder: str) -> None:
    _LIVE.add(holder)


def leave(holder: str) -> None:
    _LIVE.discard(holder)


def holder_gone(holder: str | None) -> bool:
    """True only when the holder is certainly gone; an unknown or foreign holder is taken to be alive."""
    host, _, rest = (holder or "").partition(":")
    pid_text, _, _nonce = rest.partition(":")
    if host != HOST or not pid_text.isascii() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return holder not in _LIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
