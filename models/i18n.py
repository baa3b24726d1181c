"""What people read, from one mechanism: gettext catalogues (Babel), zh-CN first, English with `--lang en`.

    tr(lang, "group {number} {name} activated", number=2, name="抢险救援组")
        → "启动第2组 抢险救援组" in zh-CN (from the catalogue), the msgid itself in English
    N_("acknowledgement rate")  marks a msgid for extraction where the text is translated later
        (tables of labels); `tr(lang, label)` translates it when it is shown

Msgids are English (identifiers are English too); the zh-CN translations live in
`models/locale/zh_CN/LC_MESSAGES/parklink.po`, read once per process with Babel (no compiled .mo to keep
in step). `make messages` extracts every `tr(…)`/`N_(…)` msgid from the code into that file; a test
fails when one has no translation or when a translation's `{placeholders}` differ from its msgid's.
Longer texts a person reads (notices, upward reports, the assessment) are Jinja2 templates, one per
language, in `templates/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

DEFAULT_LANG = "zh-CN"
LANGS = ("zh-CN", "en")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "parklink"
CATALOGUE = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"


def is_english(lang: str | None) -> bool:
    return lang == "en"


@lru_cache(maxsize=4)
def _messages(path: Path, mtime_ns: int) -> dict[str, str]:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN", domain=DOMAIN)
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def catalogue(path: Path = CATALOGUE) -> dict[str, str]:
    """msgid → zh-CN text (reloaded when the file changes)."""
    return _messages(path, path.stat().st_mtime_ns)


def gettext(lang: str | None, msgid: str) -> str:
    """The text of `msgid` in `lang`, unformatted (English: the msgid; zh-CN: its translation, else the msgid)."""
    if is_english(lang):
        return msgid
    return catalogue().get(msgid, msgid)


def tr(lang: str | None, msgid: str, /, **kwargs: object) -> str:
    """The text of `msgid` in `lang`, with `{placeholders}` filled from the keyword arguments."""
    text = gettext(lang, msgid)
    return text.format(**kwargs) if kwargs else text


def N_(msgid: str) -> str:  # noqa: N802 — gettext's conventional name, known to the extractor
    """Mark `msgid` for extraction; translate it later with `tr(lang, msgid)`."""
    return msgid


def listing(lang: str | None, items: Iterable[object]) -> str:
    """Items joined as the language lists them: `a、b` in zh-CN, `a, b` in English."""
    return tr(lang, ", ").join(str(i) for i in items)


def both(msgid: str, /, **kwargs: object) -> tuple[str, str]:
    """(zh-CN, en) of one message: for records that keep both languages side by side."""
    return tr("zh-CN", msgid, **kwargs), tr("en", msgid, **kwargs)
