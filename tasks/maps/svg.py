"""What every ParkLink picture shares: escaping, numbers, the root element (pure).

    esc(text)            text safe in SVG content and attributes (& < > " ' escaped, XML-illegal characters
                         dropped): a unit named `<&>` cannot break the picture
    num(value)           a coordinate as written (two decimals at most, no `-0`)
    root(body, …)        <svg> with a viewBox, width 100% (it scales to its container), a <title>, the font list;
                         nothing external (no href, no font fetched): it renders in Chromium and WeasyPrint alike
"""

from __future__ import annotations

import re

from markupsafe import escape

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(text: object) -> str:
    return str(escape(_ILLEGAL.sub("", str(text))))


def num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def attrs(**values: object) -> str:
    """` name="value"` pairs (a trailing _ dropped, _ → -), escaped; None values left out."""
    return "".join(f' {k.rstrip("_").replace("_", "-")}="{esc(num(v) if isinstance(v, float) else v)}"'
                   for k, v in values.items() if v is not None)


def root(body: str, *, width: float, height: float, title: str, id_: str, lang: str, **data: object) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg"{attrs(id=id_, viewBox=f"0 0 {num(width)} {num(height)}")} '
            f'width="100%" preserveAspectRatio="xMidYMid meet" role="img"{attrs(lang=lang, **data)} '
            f'font-family="{esc(FONT)}" font-size="12">'
            f"<title>{esc(title)}</title>{body}</svg>")
