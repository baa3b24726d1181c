"""ParkLink's errors: each reaches a person as one clear line, never a traceback.

    ParkLinkError            what went wrong, where, how to fix it; `exit_code` for the CLI
    ├── InputError           a file or an argument is wrong (exit 1, or 2 where a command says so)
    │   └── ImportRejected   an import file has bad rows: every one listed, nothing written; each RowError is
    │                        one line `file:row: field: message` (a newline quoted from the file shown as \\n)
    └── NotFound             an id or code names nothing
"""

from __future__ import annotations

from dataclasses import dataclass


class ParkLinkError(Exception):
    exit_code = 1

    def lines(self) -> list[str]:
        return [str(self)]


class InputError(ParkLinkError):
    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class NotFound(ParkLinkError):
    pass


@dataclass(frozen=True, order=True)
class RowError:
    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return one_line(text)


def one_line(text: str) -> str:
    """A file's own characters quoted in a message stay on one line: control characters shown escaped."""
    return text if text.isprintable() else "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)


class ImportRejected(InputError):
    def __init__(self, errors: list[RowError]):
        self.errors = sorted(set(errors))
        super().__init__(f"{len(self.errors)} error(s); nothing was imported")

    def lines(self) -> list[str]:
        return [str(e) for e in self.errors] + [str(self)]
