"""What a CAP alert's words mean in the park: severity → colour, colour words, event → playbook. Pure.

    DEFAULT_SEVERITY_MAP   Minor → blue, Moderate → yellow, Severe → orange, Extreme → red (Unknown: no colour)
    DEFAULT_EVENT_MAP      substrings of `event` → the sample park's playbooks, first match in order
    CapMaps.build(severity=…, events=…)   the defaults with the park's entries laid over them
                           (PARKLINK_CAP_SEVERITY_MAP, PARKLINK_CAP_EVENT_MAP); a bad entry is one InputError
    colour_word(text)      the colour a text names — 蓝色/黄色/橙色/红色, blue/yellow/orange/red (amber = orange)
                           as whole words — the highest when it names several ("黄色升级为红色" → red)

Event matching: the park's own entries are tried first, in their order, then the defaults; an entry matches
when its key occurs in the event, case-insensitively ("暴雨红色预警" contains "暴雨" → natural-disaster).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from models.errors import InputError
from models.warning_kinds import COLOUR_ZH, Colour
from tasks.cap.fields import EXIT_CODE, shown, words
from tasks.cap.model import Severity

DEFAULT_SEVERITY_MAP: dict[Severity, Colour] = {
    Severity.minor: Colour.blue, Severity.moderate: Colour.yellow,
    Severity.severe: Colour.orange, Severity.extreme: Colour.red,
}

_PLAYBOOK_ORDER = ["explosion", "fire", "hazmat-leak", "environmental", "mass-incident", "natural-disaster"]
_EVENT_WORDS_ZH = {  # GB/T 35965.1 / national release system event names, as substrings
    "explosion": ["爆炸"], "fire": ["火灾", "火险"],
    "hazmat-leak": ["危险化学品", "危化品", "化学品", "泄漏", "毒气", "有毒气体"],
    "environmental": ["污染", "环境"], "mass-incident": ["群体性", "聚集"],
    "natural-disaster": ["暴雨", "台风", "大风", "雷电", "雷暴", "暴雪", "高温", "寒潮", "冰雹", "大雾", "霾", "道路结冰",
                         "霜冻", "干旱", "沙尘", "地震", "地质灾害", "滑坡", "泥石流", "洪水", "洪涝", "山洪"],
}
_EVENT_WORDS_EN = {
    "explosion": ["explosion"], "fire": ["fire"], "hazmat-leak": ["hazmat", "chemical", "toxic", "leak"],
    "environmental": ["pollution", "environmental"], "mass-incident": ["mass incident", "civil unrest"],
    "natural-disaster": ["rain", "storm", "typhoon", "wind", "thunder", "snow", "heat", "cold", "hail", "fog",
                         "flood", "earthquake", "landslide"],
}
DEFAULT_EVENT_MAP: dict[str, str] = {word: playbook for playbook in _PLAYBOOK_ORDER
                                     for word in [*_EVENT_WORDS_ZH[playbook], *_EVENT_WORDS_EN[playbook]]}

_COLOUR_WORDS = {**{zh: colour for colour, zh in COLOUR_ZH.items()}, **{c.value: c for c in Colour},
                 "amber": Colour.orange}
_COLOUR_RE = re.compile("|".join([*COLOUR_ZH.values(), r"\b(?:blue|yellow|orange|red|amber)\b"]), re.IGNORECASE)
SEVERITY_SETTING = "PARKLINK_CAP_SEVERITY_MAP"
EVENT_SETTING = "PARKLINK_CAP_EVENT_MAP"


def colour_word(text: str) -> Colour | None:
    found = [_COLOUR_WORDS[m.group(0).lower()] for m in _COLOUR_RE.finditer(text)]
    return max(found) if found else None


class CapMaps(BaseModel):
    """The two maps an alert is interpreted by; `build` lays the park's entries over the defaults."""

    model_config = ConfigDict(frozen=True)

    severity: dict[Severity, Colour]
    events: tuple[tuple[str, str], ...]  # (substring, playbook), tried in order

    @classmethod
    def build(cls, *, severity: Mapping[str, str] | None = None, events: Mapping[str, str] | None = None) -> CapMaps:
        table = dict(DEFAULT_SEVERITY_MAP)
        for name, colour in (severity or {}).items():
            level = next((s for s in Severity if s.value.lower() == str(name).lower()), None)
            if level is None:
                raise InputError(f"{SEVERITY_SETTING}: key {shown(str(name))} is not a CAP severity; use "
                                 f"{words([s.value for s in Severity])}", exit_code=EXIT_CODE)
            try:
                table[level] = Colour(str(colour).lower())
            except ValueError:
                raise InputError(f"{SEVERITY_SETTING}: {level.value} → {shown(str(colour))} is not a colour; use "
                                 "blue, yellow, orange or red", exit_code=EXIT_CODE) from None
        own = []
        for word, playbook in (events or {}).items():
            if not str(word).strip() or not re.fullmatch(r"[a-z][a-z0-9-]{0,59}", str(playbook)):
                raise InputError(f"{EVENT_SETTING}: {shown(str(word))} → {shown(str(playbook))}: give a non-empty "
                                 "event word and a playbook id such as hazmat-leak", exit_code=EXIT_CODE)
            own.append((str(word).strip(), str(playbook)))
        return cls(severity=table, events=(*own, *DEFAULT_EVENT_MAP.items()))

    def playbook_for(self, event: str) -> str | None:
        folded = event.casefold()
        return next((playbook for word, playbook in self.events if word.casefold() in folded), None)
