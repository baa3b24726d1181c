"""`parklink playbooks list|validate|show|diff|schema`: the administrators' view of the playbooks.

References are checked against the database's directory and catalogue once `parklink init` has run;
before that (no database file, or a database without units) against the sample park files in
data/sample-park/, and `validate` says so in one line on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml

from models.db import session_scope
from models.errors import InputError, ParkLinkError
from models.i18n import N_, localized, tr, trc
from models.park_store import playbook_catalog
from models.playbook import Catalog, IssueKind, ResolvedPlan, load_playbooks, validate
from models.playbook.schema import playbook_json_schema
from parklink.app import console, err_console, print_json, print_table, state
from tasks.playbook_plan import plan_diff

app = typer.Typer(help="预案：校验、查看、比较级别、导出 JSON Schema (playbooks).", no_args_is_help=True)

ISSUE_KINDS = {IssueKind.syntax: N_("syntax errors"), IssueKind.schema: N_("schema errors"),
               IssueKind.references: N_("references errors"), IssueKind.semantics: N_("semantics errors")}


def reference_catalog() -> tuple[Catalog, str | None]:
    """The database's codes when it has a directory; else the sample park's, with a one-line note why."""
    settings, lang = state.settings, state.lang
    if settings.database_url is None and not (settings.home / "parklink.db").exists():
        why = tr(lang, "no database yet")
    else:
        try:
            with session_scope(state.engine) as session:
                catalog = playbook_catalog(session=session)
            if catalog.units:
                return catalog.with_templates(settings.templates_dir), None
            why = tr(lang, "the database has no directory yet")
        except ParkLinkError:
            why = tr(lang, "the database cannot be reached")
    folder = settings.data_dir / "sample-park"
    note = tr(lang, "note: {why}; unit and resource codes are checked against the sample park files in {folder} "
              "(after `parklink init`, against the database)", why=why, folder=folder)
    return Catalog.from_sample_park(folder).with_templates(settings.templates_dir), note


def _load():
    catalog, _ = reference_catalog()
    return load_playbooks(state.settings.playbooks_dir, catalog=catalog, templates_dir=state.settings.templates_dir), catalog


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """每个预案：编号、名称、级别、内容哈希 (id, title, levels, content hash)."""
    playbooks, _ = _load()
    rows = []
    for pid in playbooks.ids():
        first = playbooks.resolve(pid, playbooks.levels(pid)[0])
        rows.append({"id": pid, "title_zh": first.title_zh, "title_en": first.title_en,
                     "levels": playbooks.levels(pid), "content_hash": playbooks.playbook_hash(pid),
                     "level_hashes": {lv: playbooks.resolve(pid, lv).content_hash for lv in playbooks.levels(pid)}})
    if as_json:
        print_json(rows)
        return
    lang = state.lang
    print_table(tr(lang, "Playbooks"), ["id", "title", "levels", "hash"],
                [[r["id"], localized(lang, r, "title"), " ".join(r["levels"]),
                  r["content_hash"][:12]] for r in rows])


@app.command("validate")
def validate_(
    paths: Annotated[list[Path] | None, typer.Argument(help="files or folders (default: the playbooks folder)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """校验预案：列出全部错误，`文件:行:列: 字段路径: 说明` (exit 0 clean, 1 with errors)."""
    settings, lang = state.settings, state.lang
    catalog, note = reference_catalog()
    if note:
        err_console.print(note, markup=False, highlight=False, soft_wrap=True)
    result = validate(paths or [settings.playbooks_dir], catalog=catalog, playbooks_dir=settings.playbooks_dir,
                      templates_dir=settings.templates_dir)
    if as_json:
        print_json({"ok": result.ok, "files": result.files, "issues": [
            {"kind": i.kind.name, "file": i.file, "line": i.line, "col": i.col, "path": i.path, "message": i.message}
            for i in result.issues], "warnings": result.warnings})
    elif result.ok:
        levels = sum(len(v) for v in result.plans.values())
        console.print(tr(lang, "✓ {files} file(s), {n} playbook(s), {levels} level(s): all valid",
                         files=len(result.files), n=len(result.plans), levels=levels), highlight=False)
        if result.warnings:
            console.print(tr(lang, "Warnings ({n})", n=len(result.warnings)), style="bold", highlight=False)
            for line in result.warnings:
                console.print(line, markup=False, highlight=False, soft_wrap=True)
    else:
        for kind in IssueKind:
            group = [i for i in result.issues if i.kind is kind]
            if group:
                console.print(f"{tr(lang, ISSUE_KINDS[kind])} ({len(group)})",
                              style="bold", highlight=False)
                for issue in group:
                    console.print(str(issue), markup=False, highlight=False, soft_wrap=True)
        files = len({i.file for i in result.issues})
        console.print(tr(lang, "{n} error(s) in {f} file(s)",
                         n=len(result.issues), f=files), highlight=False)
    if not result.ok:
        raise typer.Exit(1)


def _pick_level(playbooks, pid: str, level: str | None) -> str:
    levels = playbooks.levels(pid)
    if level is None:
        if len(levels) == 1:
            return levels[0]
        raise InputError(f"playbook `{pid}` has levels {', '.join(levels)}; choose one with --level", exit_code=2)
    return level


def _unit(catalog: Catalog, code: str) -> str:
    name = catalog.units.get(code) or ("事发企业" if code == "incident_enterprise" else "")
    return f"{code} {name}".strip()


def _print_plan(plan: ResolvedPlan, catalog: Catalog) -> None:
    lang, src = state.lang, plan.sources
    title = localized(lang, plan, "title")
    console.print(f"[bold]{title}[/bold]  {plan.id} · {plan.level}  sha256 {plan.content_hash[:16]}…", highlight=False)
    c, cp, up = plan.commander, plan.command_post, plan.upward_reporting
    rows = [
        [tr(lang, "commander"), f"{localized(lang, c, 'role')} ({_unit(catalog, c.unit)})", src.get("commander", "")],
        [tr(lang, "command post"), tr(lang, "{w}, ≥ {m} m from the source",
                                      w=tr(lang, "upwind") if cp.upwind else tr(lang, "any side"),
                                      m=cp.min_distance_m), src.get("command_post", "")],
        [tr(lang, "isolation radius"), f"{plan.isolation_radius_m} m", src.get("isolation_radius_m", "")],
        [tr(lang, "requisition approval above"), f"{plan.requisition_approval_threshold_cny:,} CNY",
         src.get("requisition_approval_threshold_cny", "")],
        [tr(lang, "upward reports"),
         tr(lang, "first within {a} min, then every {b} min; to {r}", a=up.first_report_deadline_min,
            b=up.followup_interval_min, r=", ".join(up.recipients)),
         src.get("upward_reporting.first_report_deadline_min", "")],
    ]
    print_table(tr(lang, "Plan"), ["", "", "source"], rows)
    print_table(tr(lang, "Groups"), ["#", "group", "lead", "members", "ack (min)", "escalation", "source"],
                [[g.number, localized(lang, g, "name"), _unit(catalog, g.lead),
                  ", ".join(_unit(catalog, m) for m in g.members), g.ack_deadline_min,
                  " → ".join(f"{s.to}+{s.after_min}" for s in g.escalation), src.get(f"groups.{g.key}", "")]
                 for g in plan.groups])
    print_table(tr(lang, "Resource needs"),
                ["id", "group", "resource", "qty", "urgency", trc(lang, "need", "role"), "min", "source"],
                [[n.id, n.group, f"{n.resource_type} {catalog.resource_types.get(n.resource_type, '')}", n.quantity,
                  n.urgency, n.role, n.deadline_min, src.get(f"groups.{n.group}.needs.{n.id}", "")]
                 for n in plan.all_needs()])
    print_table(tr(lang, "Actions"),
                ["group", "item", trc(lang, "action", "owner"), "min", "source"],
                [[g.key, localized(lang, a, "item"), a.owner, a.deadline_min,
                  src.get(f"groups.{g.key}.actions.{a.id}", "")] for g in plan.groups for a in g.actions])
    console.print(tr(lang, "Stand down when: ") + "；".join(localized(lang, s, "text") for s in plan.stand_down),
                  highlight=False)


@app.command("show")
def show(
    playbook_id: Annotated[str, typer.Argument(metavar="ID")],
    level: Annotated[str | None, typer.Option("--level", "-l", help="IV, III, II, I (or single)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_yaml: Annotated[bool, typer.Option("--yaml")] = False,
) -> None:
    """某一级别的完整预案及每项来源 (the resolved plan, with where each item came from)."""
    playbooks, catalog = _load()
    plan = playbooks.resolve(playbook_id, _pick_level(playbooks, playbook_id, level))
    if as_json:
        print_json(plan.model_dump(mode="json"))
    elif as_yaml:
        typer.echo(yaml.safe_dump(plan.model_dump(mode="json"), allow_unicode=True, sort_keys=False), nl=False)
    else:
        _print_plan(plan, catalog)


@app.command("diff")
def diff(
    playbook_id: Annotated[str, typer.Argument(metavar="ID")],
    from_level: Annotated[str, typer.Option("--from", help="the level now")],
    to_level: Annotated[str, typer.Option("--to", help="the level to compare with")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """两个级别之间的差异：提级时增加了什么 (what raising the level adds)."""
    playbooks, _ = _load()
    before, after = playbooks.resolve(playbook_id, from_level), playbooks.resolve(playbook_id, to_level)
    changes = plan_diff(before, after)
    if as_json:
        print_json([c.__dict__ for c in changes])
        return
    lang = state.lang
    console.print(tr(lang, "{id}: level {a} → {b} (+ added  ~ changed  - removed)", id=playbook_id, a=before.level,
                     b=after.level), style="bold", highlight=False)
    for change in changes:
        console.print(f"{change.text()}    ← {change.source}", markup=False, highlight=False, soft_wrap=True)
    if not changes:
        console.print(tr(lang, "the two levels are the same"))


@app.command("schema")
def schema(output: Annotated[Path | None, typer.Option("--output", "-o", help="write to this file")] = None) -> None:
    """预案文件的 JSON Schema，供编辑器补全和检查 (JSON Schema for editors)."""
    text = json.dumps(playbook_json_schema(), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror}") from None
    console.print(tr(state.lang, "written: {p}", p=output), highlight=False)
