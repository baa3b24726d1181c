"""The labels of the CLI's tables, as msgids of the one catalogue (models/i18n.py): column headings and unit kinds.

    heading("reserved", lang)   → "已预留" in zh-CN, "reserved" in English (JSON keys stay English identifiers)
    kind_label("fire", lang)    → "消防" / "fire and rescue"
"""

from __future__ import annotations

from models.i18n import N_, NC_, tr, trc

# Column headings of the tables people read, in the context "column": the English heading is the column's name.
COLUMN = "column"
HEADINGS = frozenset({  # the context's name is spelled out: the extractor reads literals only
    NC_("column", "ack (min)"), NC_("column", "amount_cny"), NC_("column", "attempts"),
    NC_("column", "available"),
    NC_("column", "changes"), NC_("column", "channels"), NC_("column", "code"), NC_("column", "consumed"),
    NC_("column", "depot"), NC_("column", "due"), NC_("column", "duration s"), NC_("column", "escalation"),
    NC_("column", "ended"), NC_("column", "eta_min"), NC_("column", "flow run"), NC_("column", "group"), NC_("column", "head"),
    NC_("column", "head_phone"), NC_("column", "heartbeat"), NC_("column", "holder"), NC_("column", "id"), NC_("column", "incident"),
    NC_("column", "item"), NC_("column", "kind"), NC_("column", "km"), NC_("column", "last_verified_at"),
    NC_("column", "latitude"), NC_("column", "lead"), NC_("column", "level"), NC_("column", "levels"),
    NC_("column", "liaison"), NC_("column", "longitude"), NC_("column", "members"), NC_("column", "min"),
    NC_("column", "name"), NC_("column", "need"), NC_("column", "note"), NC_("column", "outcome"), NC_("column", "owner"), NC_("column", "parent"),
    NC_("column", "phone"), NC_("column", "playbook"), NC_("column", "problem"), NC_("column", "qty"),
    NC_("column", "quantity"), NC_("column", "reason"), NC_("column", "record"), NC_("column", "released"), NC_("column", "reported"),
    NC_("column", "requisitions"), NC_("column", "reserved"), NC_("column", "resource"),
    NC_("column", "resource_type"), NC_("column", "role"), NC_("column", "source"), NC_("column", "started"), NC_("column", "state"),
    NC_("column", "status"), NC_("column", "title"), NC_("column", "unit"), NC_("column", "unit_price"),
    NC_("column", "uom"), NC_("column", "urgency"),
    NC_("column", "check"), NC_("column", "checked"), NC_("column", "acknowledged"), NC_("column", "escalated"),
    NC_("column", "unreachable"), NC_("column", "units reached nobody"),
    NC_("column", "at"), NC_("column", "date"), NC_("column", "day"), NC_("column", "drill"),
    NC_("column", "every (months)"), NC_("column", "last drill"), NC_("column", "meeting"), NC_("column", "n"),
    NC_("column", "new"), NC_("column", "next due"), NC_("column", "overdue"), NC_("column", "score"),
    NC_("column", "site"),
    NC_("column", "created"), NC_("column", "password changed"), NC_("column", "last login"), NC_("column", "via"),
})

UNIT_KINDS = {
    "leading_group": N_("leading group"), "office": N_("office"), "county_department": N_("county department"),
    "utility": N_("utility / telecom"), "park_body": N_("park body"), "enterprise": N_("resident enterprise"),
    "medical": N_("medical"), "police": N_("police"), "fire": N_("fire and rescue"), "finance": N_("finance"),
    "other": N_("other"),
}


def heading(column: str, lang: str = "zh-CN") -> str:
    return trc(lang, COLUMN, column) if column in HEADINGS else column


def kind_label(kind: str, lang: str = "zh-CN") -> str:
    label = UNIT_KINDS.get(str(kind))
    return tr(lang, label) if label else str(kind)

