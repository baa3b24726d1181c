"""One text catalogue (models/i18n.py): what the code asks for is what models/locale/…/parklink.po holds.

Extracted in-process exactly as `make messages` does (babel.cfg, the Makefile's keywords): every msgid has a
zh-CN translation with the msgid's placeholders, the catalogue keeps no msgid the code no longer uses, and no
inline zh/en pair is left outside models/i18n.py — except in the files babel.cfg lists as not converted yet.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.util import pathmatch

from models.i18n import CATALOGUE, Msg, Yuan, both, gettext, localized, tr, trc
from tests.conftest import REPO
from tests.source_tree import parse_file, parse_source

KEYWORDS = ["tr:2", "trc:2c,3", "N_", "NC_:1c,2", "Msg", "both", "_"]  # the Makefile's KEYWORDS say the same
CODE = ("models", "tasks", "flows", "parklink")
# Files that keep an inline pair on purpose, and why (babel.cfg lists the files not converted yet).
SHIMS: dict[str, str] = {}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LANG_TEST = re.compile(r"""(==|!=)\s*["']en["']|["']en["']\s*(==|!=)|["']en["']\s+if\b""")


def _mapping() -> tuple[list[tuple[str, str]], dict]:
    with (REPO / "babel.cfg").open(encoding="utf-8") as fh:
        return parse_mapping_cfg(fh, str(REPO / "babel.cfg"))


def not_converted() -> list[str]:
    """babel.cfg's `[ignore: …]` patterns: the files not converted to the catalogue yet."""
    return [pattern for pattern, method in _mapping()[0] if method == "ignore"]


def _extracted_as(path: str) -> str | None:
    """The method babel.cfg extracts `path` with (the first section it matches), `ignore` or None."""
    return next((method for pattern, method in _mapping()[0] if pathmatch(pattern, path)), None)


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str | None, str], set[str]]:
    """(context, msgid) → the files that use it."""
    method_map, options_map = _mapping()
    found: dict[tuple[str | None, str], set[str]] = {}
    for filename, _line, message, _comments, context in extract_from_dir(
            REPO, method_map, options_map, keywords=parse_keywords(KEYWORDS)):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault((context, msgid), set()).add(filename)
    return found


@pytest.fixture(scope="module")
def catalogue():
    with CATALOGUE.open("rb") as fh:
        return {(m.context, m.id): m for m in read_po(fh) if m.id}


def _where(key, files) -> str:
    context, msgid = key
    return f"{sorted(files)[0]}: {msgid!r}" + (f" (context {context!r})" if context else "")


def test_the_makefile_extracts_with_the_same_keywords():
    line = next(ln for ln in (REPO / "Makefile").read_text(encoding="utf-8").splitlines() if ln.startswith("KEYWORDS"))
    words = shlex.split(line.partition("=")[2])
    assert parse_keywords(words[1::2]) == parse_keywords(KEYWORDS) and set(words[::2]) == {"-k"}


def test_the_code_asks_for_texts(extracted):
    files = set().union(*extracted.values())
    assert len(extracted) > 150 and {"parklink/cli_park.py", "tasks/grading.py", "tasks/web/templates/ack.html.j2"} <= files


def test_every_msgid_has_a_zh_translation(extracted, catalogue):
    missing = [_where(key, files) for key, files in sorted(extracted.items(), key=str)
               if key not in catalogue or not catalogue[key].string or catalogue[key].fuzzy]
    assert missing == [], "run `make messages`, then translate these in parklink.po"


def _fields(text: str) -> set[str]:
    return {re.split(r"[.\[]", name)[0] for _, name, _, _ in Formatter().parse(text) if name}


def _calls(path: Path):
    """(line, (context, msgid)) of every keyword call with literal arguments, as the AST sees them."""
    specs = parse_keywords(KEYWORDS)
    for node in ast.walk(parse_file(path)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in specs:
            spec = specs[node.func.id] or (1,)
            context = next((i[0] for i in spec if isinstance(i, tuple)), None)
            msgid = next(i for i in spec if not isinstance(i, tuple))
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
            if len(args) >= msgid and args[msgid - 1] is not None and (context is None or args[context - 1]):
                yield node.lineno, (args[context - 1] if context else None, args[msgid - 1])


def test_the_extractor_sees_every_msgid(extracted):
    """pybabel reads no call inside an f-string (on Python 3.11): such a text would never be translated."""
    unseen = [f"{f}:{line}: {key[1]!r}" for f in _code_files() if _extracted_as(f) != "ignore"
              for line, key in _calls(REPO / f) if key not in extracted]
    assert unseen == [], "take these calls out of their f-strings"


def test_translations_keep_the_msgids_placeholders(catalogue):
    wrong = [f"{m.id!r} → {m.string!r}" for m in catalogue.values() if m.string and _fields(m.id) != _fields(m.string)]
    assert wrong == []


def test_the_catalogue_holds_only_what_the_code_uses(extracted, catalogue):
    unused = sorted(str(key) for key in catalogue if key not in extracted)
    assert unused == [], "run `make messages` (it drops them), or use them"


def test_msgids_are_english(extracted):
    assert [_where(key, files) for key, files in extracted.items() if CJK.search(key[1])] == []


def _is_str(node) -> bool:
    return isinstance(node, ast.Constant | ast.JoinedStr) and (not isinstance(node, ast.Constant)
                                                                  or isinstance(node.value, str))


def _text(node) -> str:
    if isinstance(node, ast.Constant):
        return node.value
    return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))


def _zh_en(a, b) -> bool:
    return (_is_str(a) and _is_str(b) and bool(CJK.search(_text(a))) and not CJK.search(_text(b))
            and bool(re.search(r"[A-Za-z]{2}", _text(b))))


def inline_pairs(path: Path) -> list[str]:
    """Where `path` still pairs a Chinese text with an English one, or picks a text by testing the language."""
    source = path.read_text(encoding="utf-8")
    found = [f"{n}: {line.strip()}" for n, line in enumerate(source.splitlines(), 1) if LANG_TEST.search(line)]
    for node in ast.walk(parse_source(source)):
        runs = []
        if isinstance(node, ast.Call):
            runs.append(node.args)
            named = {k.arg: k.value for k in node.keywords if k.arg}
            runs += [[named[zh], named[zh[:-2] + "en"]] for zh in named if zh.endswith("zh") and zh[:-2] + "en" in named]
        elif isinstance(node, ast.Tuple | ast.List):
            runs.append(node.elts)
        for run in runs:
            found += [f"{a.lineno}: {_text(a)!r}, {_text(b)!r}" for a, b in zip(run, run[1:], strict=False) if _zh_en(a, b)]
    return found


def _code_files() -> list[str]:
    return sorted(str(p.relative_to(REPO)) for folder in CODE for p in (REPO / folder).rglob("*.py"))


def test_no_inline_zh_en_pair_is_left_outside_the_catalogue():
    offenders = {f: pairs for f in _code_files() if _extracted_as(f) != "ignore" and f not in SHIMS
                 and f != "models/i18n.py" if (pairs := inline_pairs(REPO / f))}
    assert offenders == {}, "give these texts English msgids: tr(lang, \"…\") and a translation in parklink.po"


def test_every_file_listed_as_not_converted_still_has_something_to_convert():
    """A file named on its own leaves the list when it is converted (a folder's pattern, when all of it is)."""
    named = [p for p in not_converted() + list(SHIMS) if "*" not in p]
    done = [p for p in named if not inline_pairs(REPO / p)]
    assert done == [], "converted: remove these lines from babel.cfg (or SHIMS in this file)"


def test_inline_pairs_are_found():
    sample = REPO / "tests" / "fixtures" / "inline_pairs.py.txt"
    assert sorted(int(line.split(":")[0]) for line in inline_pairs(sample)) == [2, 3, 4, 5, 6, 7, 8]


# ---- the mechanism itself -----------------------------------------------------------------------------------

def test_a_msgid_reads_in_both_languages_and_in_a_context():
    assert both("units") == ("单位", "units")
    assert (trc("zh-CN", "column", "requisitions"), tr("zh-CN", "requisitions")) == ("征用", "征用台账")
    assert trc("en", "column", "requisitions") == "requisitions"
    assert gettext("zh-CN", "a msgid nobody translated") == "a msgid nobody translated"


def test_a_lazy_message_is_read_in_its_readers_language_with_its_parts():
    why = Msg("{why}: this playbook answers at {level} or above", why=Msg("hazardous chemicals are released"),
              level=Msg("level III (major)"))
    assert why.text("en") == "hazardous chemicals are released: this playbook answers at level III (major) or above"
    assert why.text("zh-CN") == "发生危险化学品泄漏，按本预案至少启动 III 级（较大）响应"
    assert why == Msg(why.msgid, **dict(why.values))


def test_an_amount_takes_the_format_its_translation_names():
    loss = "direct economic loss: CNY {value:million} million reaches the {level} threshold (≥ CNY {bound:million} million)"
    assert tr("en", loss, value=Yuan(60_000_000), bound=Yuan(5e7), level="L") == (
        "direct economic loss: CNY 60.0 million reaches the L threshold (≥ CNY 50.0 million)")
    assert tr("zh-CN", loss, value=Yuan(60_000_000), bound=Yuan(5e7), level="L") == (
        "直接经济损失 6,000 万元，达到 L标准（≥ 5,000 万元）")
    assert f"{Yuan(1234.5):.2f}" == "1234.50"


def test_data_in_two_languages_is_picked_not_translated():
    unit = {"name_zh": "消防救援大队", "name_en": "Fire and Rescue Brigade"}
    assert (localized("zh-CN", unit, "name"), localized("en", unit, "name")) == ("消防救援大队", "Fire and Rescue Brigade")
