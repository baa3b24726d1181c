"""Reading a file a person hands us, within limits: one reader for directory, inventory, needs and playbooks.

    read_text_file(path, shown=…, limit=MAX_BYTES) → str     the file's UTF-8 text
    decode_text(raw, file)                          → str     UTF-8 (a BOM is dropped), no NUL byte
    check_value(value)                              → str | None   why a parsed value cannot be stored
    FileRefused(file, line, col, message)           ← every refusal (models.safe_yaml.YAMLLoadError is one)

Refused before a byte is read: what is not a regular file (a FIFO, a device such as /dev/zero, a directory,
a socket) — told by `os.stat`, and opened with O_NONBLOCK so a FIFO swapped in after the check cannot block —
and a file over `limit` bytes; no more than `limit` + 1 bytes are ever read. Refused after: text that is not
UTF-8, a NUL byte (PostgreSQL cannot store one). `check_value` is for what a parser built: a whole number
outside 64 bits, a number that is not finite, a NUL in text, nesting deeper than MAX_DEPTH.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
INT64 = (-(2**63), 2**63 - 1)
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


@dataclass
class FileRefused(Exception):
    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}" if self.line else f"{self.file}: {self.message}"


def _limit_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit:,} bytes"


def _not_regular(shown: str, mode: int) -> FileRefused:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return FileRefused(shown, 0, 0, f"is {kind}, not a regular file; give the path of a file")


def read_bytes(path: Path | str, *, shown: str | None = None, limit: int = MAX_BYTES) -> bytes:
    """At most `limit` bytes of a regular file, or FileRefused; never blocks on a FIFO or reads a device."""
    shown = shown or str(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(shown, info.st_mode)
        if info.st_size > limit:
            raise FileRefused(shown, 0, 0, f"file is {info.st_size:,} bytes, over the {_limit_text(limit)} limit; "
                                           "split it")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if not stat.S_ISREG(mode):  # swapped for something else between stat and open
                raise _not_regular(shown, mode)
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise FileRefused(shown, 0, 0, f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise FileRefused(shown, 0, 0, f"file grew over the {_limit_text(limit)} limit while read; split it")
    return raw


def decode_text(raw: bytes, file: str, *, limit: int = MAX_BYTES) -> str:
    if len(raw) > limit:
        raise FileRefused(file, 0, 0, f"file is {len(raw):,} bytes, over the {_limit_text(limit)} limit; split it")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _position(raw, exc.start)
        raise FileRefused(file, line, col, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8") \
            from None
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _position(raw, nul)
        raise FileRefused(file, line, col, "NUL byte (0x00) in the file; save it as plain UTF-8 text")
    return text


def read_text_file(path: Path | str, *, shown: str | None = None, limit: int = MAX_BYTES) -> str:
    shown = shown or str(path)
    return decode_text(read_bytes(path, shown=shown, limit=limit), shown, limit=limit)


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    return before.count(b"\n") + 1, offset - (before.rfind(b"\n") + 1) + 1


def check_value(value: Any) -> str | None:
    """Why a parsed value cannot be stored (the first reason found), or None. Iterative: any depth is safe."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, int) and not INT64[0] <= item <= INT64[1]:
            return "number outside the 64-bit range (±9,223,372,036,854,775,807)"
        if isinstance(item, float) and not math.isfinite(item):
            return f"`{item}` is not a finite number"
        if isinstance(item, str) and "\x00" in item:
            return "contains a NUL character (\\0); remove it"
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for kv in item.items() for v in kv)
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1) for v in item)
    return None
