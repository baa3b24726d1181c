"""The board's HTML: the pages and the sections a live page swaps in (tasks/web/templates/board/*.j2, autoescaped).

    BoardPages.page(name, lang, **context)        a whole page (board, incident, refused)
    BoardPages.sections(board, user, lang, csrf)  {section id: HTML} of an incident page: header, tiles, reports,
        dispatch, levels, timeline, map — what the server-sent events replace when one of them changes
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from models.dispatch import RequisitionStatus as Req
from models.i18n import LANGS, LANGUAGE_NAMES, N_, tr, trc
from models.roles import ROLE_LABELS, Role
from models.templating import sandbox
from models.types import local_time
from tasks.board.read import IncidentBoard
from tasks.board.view import ReportState, countdown

TEMPLATES = Path(__file__).resolve().parent / "templates" / "board"
SECTIONS = ("header", "tiles", "reports", "dispatch", "levels", "timeline", "map")


REPORT_STATES = {ReportState.due: N_("due"), ReportState.overdue: N_("overdue"), ReportState.on_time: N_("on time"),
                 ReportState.late: N_("late"), ReportState.undelivered: N_("not delivered to all")}

REQUISITION_STATES = {Req.requested: N_("waiting for approval"), Req.approved: N_("approved"),
                      Req.delivered: N_("delivered"), Req.returned: N_("returned"), Req.consumed: N_("consumed"),
                      Req.settled: N_("settled"), Req.cancelled: N_("cancelled")}


def _clock(value) -> str:
    return local_time(value, "%H:%M:%S")


def _cny(value: float) -> str:
    return f"{value:,.0f} CNY"


class BoardPages:
    def __init__(self, folder: Path = TEMPLATES, *, site_map: Callable[[str, str], str] | None = None):
        """`site_map(incident_id, lang)`: the incident's site map as SVG (tasks/maps/figures.py)."""
        self.env = sandbox(folder, autoescape=True)
        self.env.filters.update(local=local_time, clock=_clock, countdown=countdown, cny=_cny)
        self.site_map = site_map

    def _common(self, lang: str) -> dict:
        other = next(lg for lg in LANGS if lg != lang)
        return {"lang": lang, "other_lang": other, "other_lang_name": LANGUAGE_NAMES[other], "_": partial(tr, lang),
                "state_label": lambda state: tr(lang, REPORT_STATES[state]),
                "requisition_label": lambda state: tr(lang, REQUISITION_STATES[Req(state)]),
                "role_label": lambda role: trc(lang, "role", ROLE_LABELS[Role(role)])}

    def render(self, name: str, lang: str, **context) -> str:
        return self.env.get_template(name).render(**self._common(lang), **context)

    def map_svg(self, incident_id: str, lang: str) -> str:
        if self.site_map is None:
            return ""
        try:
            return self.site_map(incident_id, lang)
        except Exception:  # noqa: BLE001 — no site data (or a broken file): the board goes on without the map
            return ""

    def sections(self, board: IncidentBoard, *, user, lang: str, csrf: str) -> dict[str, str]:
        context = {"b": board, "user": user, "csrf": csrf}
        out = {name: self.render(f"_{name}.html.j2", lang, **context) for name in SECTIONS if name != "map"}
        out["map"] = self.render("_map.html.j2", lang, svg=self.map_svg(board.id, lang), **context)
        return out
