"""What an operator sees while a run goes on (rich live view) and when it ends (summary tables)."""

from __future__ import annotations

import asyncio
from collections import Counter

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, func
from sqlmodel import select

from models.db import session_scope
from models.incident import TimelineEvent
from models.types import local_time, utcnow
from parklink.app import console, err_console, print_table
from parklink.i18n import tr


def _since(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.max(TimelineEvent.id))).one() or 0


def _events(engine: Engine, after: int) -> list[TimelineEvent]:
    with session_scope(engine) as session:
        return list(session.exec(select(TimelineEvent).where(TimelineEvent.id > after).order_by(TimelineEvent.id)).all())


def _view(events: list[TimelineEvent], lang: str) -> Group:
    kinds = Counter(e.kind for e in events)
    acked = kinds["unit_acknowledged"]
    status = Text(tr(lang, "工作组 {g} 个已启动 · 单位确认 {a} · 升级 {e} · 联系不上 {u} · 上报 {r} 次 · {now}",
                     "{g} groups activated · {a} units acknowledged · {e} escalated · {u} unreachable · "
                     "{r} reports · {now}", g=kinds["group_activated"], a=acked, e=kinds["unit_escalated"],
                     u=kinds["unit_unreachable"], r=kinds["upward_report"], now=local_time(utcnow())), style="bold")
    table = Table(show_header=True, header_style="dim", box=None)
    table.add_column(tr(lang, "时间", "time"))
    table.add_column(tr(lang, "事项", "what"))
    for e in events[-10:]:
        table.add_row(local_time(e.at)[11:], e.summary_en if lang == "en" else e.summary_zh)
    return Group(status, table)


async def follow(engine: Engine, work, *, quiet: bool, lang: str):
    """Await `work` while showing the run's activity log as it grows (on stderr when the output is JSON)."""
    start = await asyncio.to_thread(_since, engine)
    task = asyncio.ensure_future(work)
    with Live(_view([], lang), console=err_console if quiet else console, refresh_per_second=4,
              transient=quiet) as live:
        while not task.done():
            await asyncio.wait([task], timeout=0.5)
            live.update(_view(await asyncio.to_thread(_events, engine, start), lang))
    if not quiet:
        console.print()
    return task.result()


def print_result(result: dict, lang: str) -> None:
    print_table(tr(lang, "事件 {i} · {l} 级 · {s}", "incident {i} · level {l} · {s}", i=result["incident"],
                   l=result["level"], s=result.get("state", "")),
                [tr(lang, "工作组", "group"), tr(lang, "单位", "units"), tr(lang, "通知", "notified"),
                 tr(lang, "确认", "acknowledged"), tr(lang, "升级", "escalated"), tr(lang, "联系不上", "unreachable")],
                [[g["name"], len(g["units"]), g["notified"], g["acknowledged"], g["escalated"], g["unreachable"]]
                 for g in result["groups"]])
    console.print(tr(lang, "物资：调用 {a} 条，征用 {r} 条，缺口 {s} 条", "resources: {a} allocations, {r} requisitions, "
                     "{s} shortfalls", a=len(result["allocations"]), r=len(result["requisitions"]),
                     s=len(result["shortfalls"])))
    assessment = result["assessment"]
    console.print(tr(lang, "评估报告：{m}\n           {h}", "assessment: {m}\n            {h}",
                     m=assessment["markdown"], h=assessment["html"]), markup=False, soft_wrap=True)
    if result.get("ui_url"):
        console.print(tr(lang, "Prefect 界面中的本次运行：{u}", "this run in the Prefect UI: {u}", u=result["ui_url"]),
                      markup=False, soft_wrap=True)
    for label, message in result.get("failed", {}).items():
        err_console.print(f"Error: {label}: {message}", markup=False)
