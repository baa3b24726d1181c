"""What the playbook validator reports: one `Issue` per problem, all of them at once.

    Issue                 file:line:col: path.to.field: message, of one kind (syntax, schema, references,
                          semantics); sorted by kind, then file, then position
    PlaybookInvalid       ← InputError ← ParkLinkError: raised by the loader with every issue it found;
                          the only error the loader raises for bad playbook content
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from models.errors import InputError


class IssueKind(IntEnum):
    syntax = 1
    schema = 2
    references = 3
    semantics = 4

    @property
    def label_zh(self) -> str:
        return {1: "语法", 2: "结构", 3: "引用", 4: "语义"}[self.value]


@dataclass(frozen=True, order=True)
class Issue:
    kind: IssueKind
    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def sort_issues(issues: list[Issue]) -> list[Issue]:
    return sorted(set(issues))


class PlaybookInvalid(InputError):
    """Playbooks that cannot be used; `issues` holds every problem found, sorted."""

    def __init__(self, issues: list[Issue]):
        self.issues = sort_issues(issues)
        files = len({i.file for i in self.issues})
        super().__init__(f"{len(self.issues)} playbook error(s) in {files} file(s); "
                         "run `parklink playbooks validate` and fix each line")

    def lines(self) -> list[str]:
        return [f"[{i.kind.name}] {i}" for i in self.issues] + [str(self)]
