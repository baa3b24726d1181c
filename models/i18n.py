"""What people read, from one mechanism: gettext catalogues (Babel), zh-CN first, English with `--lang en`.

    tr(lang, "group {number} {name} activated", number=2, name="抢险救援组")
        → "启动第2组 抢险救援组" in zh-CN (from the catalogue), the msgid itself in English
    N_("acknowledgement rate")  marks a msgid for extraction where the text is translated later
        (tables of labels); `tr(lang, label)` translates it when it is shown
    trc(lang, "column", "state"), NC_("column", "state")  the same within a context (gettext's msgctxt),
        where one English word needs two translations: a column "state" (运行状态) is not every "state"
    Msg("{why}: level {level} or above", why=Msg("hazardous chemicals are released"), level="III")
        a message translated when it is shown (`.text(lang)`): for results that carry their reasons to a
        reader whose language is not known yet; a `Msg` passed to `tr` as a value is shown in the same language
    both("sample park loaded")  → (zh-CN, en), for records that keep both languages side by side
    localized(lang, unit, "name")  → unit.name_zh or unit.name_en: data that carries its own two languages
        (directory names, playbook titles) is picked here, never translated

Msgids are English (identifiers are English too); the zh-CN translations live in
`models/locale/zh_CN/LC_MESSAGES/parklink.po`, read once per process with Babel (no compiled .mo to keep
in step). `make messages` extracts every `tr(…)`/`trc(…)`/`N_(…)`/`NC_(…)`/`Msg(…)`/`both(…)` msgid from the code (and
`_(…)` from the HTML templates) into that file; tests/test_texts.py fails when one has no translation, when
a translation's `{placeholders}` differ from its msgid's, or when the catalogue keeps a msgid the code no
longer uses. A translation may give a placeholder its own format: `{amount:wan}` where the msgid says
`{amount:million}` (see `Yuan`). Longer texts a person reads (notices, upward reports, the assessment) are
Jinja2 templates, one per language, in `templates/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

DEFAULT_LANG = "zh-CN"
LANGS = ("zh-CN", "en")
LANGUAGE_NAMES = {"zh-CN": "中文", "en": "English"}  # each in its own language (a language switch's label)
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "parklink"
CATALOGUE = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"


def is_english(lang: str | None) -> bool:
    return lang == "en"


def language(value: str | None) -> str:
    """`value` when it is one of LANGS, else the default (zh-CN)."""
    return value if value in LANGS else DEFAULT_LANG


@lru_cache(maxsize=4)
def _messages(path: Path, mtime_ns: int) -> dict[tuple[str | None, str], str]:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN", domain=DOMAIN)
    return {(m.context, m.id): m.string for m in catalog
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def _translations(path: Path = CATALOGUE) -> dict[tuple[str | None, str], str]:
    return _messages(path, path.stat().st_mtime_ns)


def catalogue(path: Path = CATALOGUE) -> dict[str, str]:
    """msgid → zh-CN text of the messages without a context (reloaded when the file changes)."""
    return {msgid: text for (context, msgid), text in _translations(path).items() if context is None}


def gettext(lang: str | None, msgid: str, context: str | None = None) -> str:
    """The text of `msgid` (in `context`) in `lang`, unformatted (English: the msgid; zh-CN: its translation,
    else the msgid)."""
    if is_english(lang):
        return msgid
    return _translations().get((context, msgid), msgid)


def _format(lang: str | None, text: str, kwargs: dict[str, object]) -> str:
    if not kwargs:
        return text
    return text.format(**{k: v.text(lang) if isinstance(v, Msg) else v for k, v in kwargs.items()})


def tr(lang: str | None, msgid: str, /, **kwargs: object) -> str:
    """The text of `msgid` in `lang`, with `{placeholders}` filled from the keyword arguments
    (a `Msg` among them is shown in `lang` too)."""
    return _format(lang, gettext(lang, msgid), kwargs)


def trc(lang: str | None, context: str, msgid: str, /, **kwargs: object) -> str:
    """`tr` within a context: the same English msgid may have another translation in another context."""
    return _format(lang, gettext(lang, msgid, context), kwargs)


def N_(msgid: str) -> str:  # noqa: N802 — gettext's conventional name, known to the extractor
    """Mark `msgid` for extraction; translate it later with `tr(lang, msgid)`."""
    return msgid


def NC_(context: str, msgid: str) -> str:  # noqa: N802
    """Mark `msgid` in `context` for extraction; translate it later with `trc(lang, context, msgid)`."""
    return msgid


@dataclass(frozen=True, init=False)
class Msg:
    """A msgid and its values, translated when it is shown: `Msg("{n} unit(s)", n=3).text("en")`."""

    msgid: str
    values: tuple[tuple[str, Any], ...]

    def __init__(self, msgid: str, /, **values: Any) -> None:
        object.__setattr__(self, "msgid", msgid)
        object.__setattr__(self, "values", tuple(values.items()))

    def text(self, lang: str | None = DEFAULT_LANG) -> str:
        return tr(lang, self.msgid, **dict(self.values))


def listing(lang: str | None, items: Iterable[object]) -> str:
    """Items joined as the language lists them: `a、b` in zh-CN, `a, b` in English."""
    return tr(lang, ", ").join(str(i) for i in items)


def both(msgid: str, /, **kwargs: object) -> tuple[str, str]:
    """(zh-CN, en) of one message: for records that keep both languages side by side."""
    return tr("zh-CN", msgid, **kwargs), tr("en", msgid, **kwargs)


def localized(lang: str | None, data: Any, field: str) -> Any:
    """`data`'s own `<field>_zh` or `<field>_en` (an attribute, or a key of a mapping) for `lang`."""
    key = f"{field}_{'en' if is_english(lang) else 'zh'}"
    return data[key] if isinstance(data, dict) else getattr(data, key)


class Yuan(float):
    """An amount in yuan (CNY) whose format a translation chooses: `{amount:wan}` → "6,000" (万元, no
    decimals), `{amount:million}` → "60.0" (millions, one decimal); any other spec formats the number."""

    def __format__(self, spec: str) -> str:
        if spec == "wan":
            return f"{self / 10_000:,.0f}"
        if spec == "million":
            return f"{self / 1_000_000:,.1f}"
        return float.__format__(self, spec)
