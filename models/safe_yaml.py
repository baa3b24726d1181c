"""Safe YAML for files that people edit: playbooks, directory and inventory imports.

    load_yaml_text / load_yaml_file  →  plain Python data whose mappings are `Mapping` objects that
                                         remember the line and column of each key
    YAMLLoadError                    ←  every refusal, with file, line, column and a message

Refused: what models.text_file refuses (not a regular file, over 1 MiB, not UTF-8, a NUL byte), duplicate
keys in a mapping, alias expansion beyond a bound (a "billion laughs" file is refused while composing, before
anything is built), nesting deeper than MAX_DEPTH (refused while composing, before Python's recursion limit),
a whole number outside 64 bits, a NUL character written as an escape, tags other than the safe ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from models.text_file import INT64, MAX_BYTES, MAX_DEPTH, FileRefused, decode_text, read_text_file

MAX_EXPANDED_NODES = 100_000


@dataclass
class YAMLLoadError(FileRefused):
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
    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels",
                                                  self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node):
        digits = str(node.value).replace("_", "").lstrip("+-0")
        value = super().construct_yaml_int(node) if len(digits) <= 70 else None  # 64 bits need ≤ 66 (0b…)
        if value is None or not INT64[0] <= value <= INT64[1]:
            raise yaml.constructor.ConstructorError(
                None, None, "number outside the 64-bit range (±9,223,372,036,854,775,807)", node.start_mark)
        return value

    def construct_yaml_str(self, node):
        value = super().construct_yaml_str(node)
        if "\x00" in value:
            raise yaml.constructor.ConstructorError(None, None, "contains a NUL character (\\0); remove it",
                                                    node.start_mark)
        return value

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(None, None, f"not a valid date or time: {exc}",
                                                    node.start_mark) from None

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
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:str", _Loader.construct_yaml_str)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def decode_utf8(raw: bytes, file: str) -> str:
    """UTF-8 text of a file's bytes (models.text_file.decode_text), refusals as YAMLLoadError."""
    try:
        return decode_text(raw, file)
    except FileRefused as exc:
        raise YAMLLoadError(exc.file, exc.line, exc.col, exc.message) from None


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
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise YAMLLoadError(file, line, col, f"character #x{exc.character:04x} is not allowed in YAML text; "
                                             "remove it") from None
    except yaml.YAMLError as exc:
        raise YAMLLoadError(file, 0, 0, " ".join(str(exc).split())) from None
    except RecursionError:
        raise YAMLLoadError(file, 0, 0, "nesting too deep") from None


def load_yaml_file(path: Path | str) -> Any:
    """A YAML file read within models.text_file's limits; every refusal a YAMLLoadError."""
    try:
        text = read_text_file(path)
    except FileRefused as exc:
        raise YAMLLoadError(exc.file, exc.line, exc.col, exc.message) from None
    return load_yaml_text(text, str(path))
