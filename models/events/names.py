"""Who the record's codes are, for the reader: units by name, people by name, resolved when an entry is read.

    Names            the directory's unit names (code → zh/en) and the people the incident's messages reached
                     (notification id → Recipient); `Names()` knows nobody and shows codes as they are
    Recipient        one message's recipient: unit, liaison name, role, escalation step, when they acknowledged

The payloads keep codes and notification ids (what was true when they were written); an entry's text asks
`Names` for the name of a unit (`应急局`) or the person who answered (`应急局/江敏（主联络人）`), so a
renamed unit reads with its current name and rows written before names existed read the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from models.events.texts import Texts
from models.i18n import N_, listing, tr

ROLES = {"primary": N_("primary liaison"), "deputy": N_("deputy liaison"), "head": N_("unit head")}
COMMANDER = "commander"  # the actor of the commander's decisions (level changes, stand-down)


def role_label(role: str, lang: str) -> str:
    """A liaison's role as people say it (主联络员); an unknown role as stored."""
    return tr(lang, ROLES[role]) if role in ROLES else role


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True)
    unit: str
    name: str
    role: str
    step: int = 0
    acked_at: datetime | None = None


class Names(BaseModel):
    model_config = ConfigDict(frozen=True)
    units: dict[str, Texts] = Field(default_factory=dict)
    people: dict[int, Recipient] = Field(default_factory=dict)

    def unit(self, code: str, lang: str) -> str:
        """The unit's name (`应急局`); the code itself for a unit the directory does not know."""
        names = self.units.get(code)
        return names.pick(lang) if names else code

    def unit_with_code(self, code: str, lang: str) -> str:
        """`应急局（yjj）`: the name with the code in brackets (the code alone when unknown)."""
        return tr(lang, "{name} ({code})", name=self.units[code].pick(lang), code=code) if code in self.units else code

    def unit_list(self, codes: Iterable[str], lang: str) -> str:
        return listing(lang, [self.unit(c, lang) for c in codes])

    def person(self, who: Recipient, lang: str, *, of_unit: str | None = None) -> str:
        """`应急局/江敏（主联络员）`; `江敏（主联络员）` when the entry is already about their unit (`of_unit`)."""
        if who.unit == of_unit:
            return tr(lang, "{name} ({role})", name=who.name, role=role_label(who.role, lang))
        return tr(lang, "{unit}/{name} ({role})", unit=self.unit(who.unit, lang), name=who.name,
                  role=role_label(who.role, lang))

    def answered(self, notifications: Iterable[int]) -> Recipient | None:
        """Who acknowledged first among these messages (None when nobody did, or they are not known)."""
        acked = [p for i in notifications if (p := self.people.get(i)) and p.acked_at is not None]
        return min(acked, key=lambda p: p.acked_at) if acked else None

    def escalated(self, notifications: Iterable[int]) -> list[Recipient]:
        """The people messaged up the chain (escalation steps), in the order they were messaged."""
        return [p for i in notifications if (p := self.people.get(i)) and p.step > 0]

    def actor(self, actor: str, lang: str) -> str:
        """An entry's actor as a person reads it: a unit by name (code in brackets), the commander translated."""
        if actor in self.units:
            return self.unit_with_code(actor, lang)
        if actor == COMMANDER:
            return tr(lang, "commander")
        return actor


NO_NAMES = Names()
