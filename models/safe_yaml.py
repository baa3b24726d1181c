"""Safe YAML for files that people edit: playbooks, directory and inventory imports.

    load_yaml_text / load_yaml_file  →  plain Python data whose mappings are `Mapping` objects that
                                         remember the line and column of each key
    YAMLLoadError                    ←  every refusal, with file, line, column and a message

Refused: files over 1 MiB, text that is not UTF-8, duplicate keys in a mapping, alias expansion beyond a
bound (a "billion laughs" file is refused while composing, before anything is built), tags other than the
safe ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_BYTES = 1024 * 1024
MAX_EXPANDED_NODES = 100_000


@dataclass
class YAMLLoadError(Exception):
    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class Mapping(dict):
    """A dict that remembers where it and each of its keys stood in the file (1-based)."""

    line: int = 0
    col: int = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_marks: dict[Any, tuple[int, int]] = {}

    def mark(self, key: Any = None) -> tuple[int, int]:
        return self.key_marks.get(key, (self.line, self.col)) if key is not None else (self.line, self.col)


def _expanded_size(node: Node, memo: dict[int, int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a cycle counts once here; recursive aliases are refused by the composer anyway
    if isinstance(node, SequenceNode):
        size = 1 + sum(_expanded_size(n, memo) for n in node.value)
    elif isinstance(node, MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    else:
        size = 1
    memo[key] = size
    return size


class _Loader(yaml.SafeLoader):
    def construct_document(self, node):
        size = _expanded_size(node, {})
        if size > MAX_EXPANDED_NODES:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"alias expansion too large ({size:,} nodes after expanding aliases, limit {MAX_EXPANDED_NODES:,}); "
                "remove the nested aliases",
                node.start_mark,
            )
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep=deep)
        self.flatten_mapping(node)
        result = Mapping()
        result.line, result.col = node.start_mark.line + 1, node.start_mark.column + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError as exc:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
                ) from exc
            if key in result:
                first = result.key_marks[key]
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key `{key}` (first at line {first[0]})", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=deep)
            result.key_marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result


def _construct_yaml_map(loader: _Loader, node):
    data = Mapping()
    yield data
    value = loader.construct_mapping(node)
    data.update(value)
    data.line, data.col, data.key_marks = value.line, value.col, value.key_marks


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_yaml_map)


def decode_utf8(raw: bytes, file: str) -> str:
    if len(raw) > MAX_BYTES:
        raise YAMLLoadError(file, 0, 0, f"file is {len(raw):,} bytes, over the 1 MiB limit; split it")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YAMLLoadError(
            file, line, col, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None


def load_yaml_text(text: str, file: str = "<string>") -> Any:
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise YAMLLoadError(file, 0, 0, "file is over the 1 MiB limit; split it")
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 — _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or str(exc)
        raise YAMLLoadError(file, line, col, message) from None
    except yaml.YAMLError as exc:
        raise YAMLLoadError(file, 0, 0, str(exc)) from None
    except RecursionError:
        raise YAMLLoadError(file, 0, 0, "nesting too deep") from None


def load_yaml_file(path: Path | str) -> Any:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YAMLLoadError(str(path), 0, 0, f"cannot read: {exc.strerror}") from None
    return load_yaml_text(decode_utf8(raw, str(path)), str(path))
