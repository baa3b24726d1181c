"""An incident's figures from its record (issue 15, items 3 and 4): a real drill on the real Prefect engine, then its
site map and acknowledgement chart, in the assessment's HTML (inline) and Markdown (linked files)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from defusedxml import ElementTree
from sqlmodel import select

from models.db import session_scope
from models.dispatch_store import list_reservations
from models.errors import InputError
from models.events import EventKind, UnitOutcomeEvent
from models.incident import AssessmentRecord, Incident, TimelineEvent
from models.playbook import load_playbooks
from models.settings import REPO_ROOT, get_settings
from tasks.documents import render_html, render_markdown
from tasks.maps.figures import Figure, incident_figures, load_site, site_map_svg
from tasks.maps.zones import downwind_zone
from tasks.response.assessing import report_figures
from tests.respond_support import records, run_drill
from tests.test_assessment import context
from tests.test_site_map import by_id, projection_of

NS = {"s": "http://www.w3.org/2000/svg"}
SVG = '<svg xmlns="http://www.w3.org/2000/svg" id="site-map" viewBox="0 0 10 10" width="100%"><title>a &amp; b</title></svg>'
INCIDENT = {"enterprise": "qy-ha", "chemical": "UN1005", "injured": 2, "wind_from_deg": 315.0,
            "description": "演练：合成氨装置区液氨管线泄漏"}


def figures(caption: str = "现场 <图> | 1") -> dict[str, Figure]:
    return {"site-map": Figure("site-map", caption, SVG),
            "ack-chart": Figure("ack-chart", "确认", SVG.replace("site-map", "ack-chart"))}


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_html_carries_the_svg_inline_and_the_markdown_links_the_files(lang):
    ctx = {**context(lang), "figures": figures()}
    html = render_html(REPO_ROOT / "templates", "assessment", lang, ctx, title="t")
    md = render_markdown(REPO_ROOT / "templates", "assessment", lang, ctx)
    for key in ("site-map", "ack-chart"):
        start = html.index(f'<figure id="fig-{key}">')
        block = html[start:html.index("</figure>", start)]
        assert f'<svg xmlns="http://www.w3.org/2000/svg" id="{key}"' in block and "<figcaption>" in block
        assert f"({key}.svg)" in md and "<svg" not in md
    assert "现场 &lt;图&gt; | 1</figcaption>" in html, "the caption escaped once, the SVG not at all"
    assert "![现场 &lt;图&gt; &#124; 1](site-map.svg)" in md
    assert html.index("fig-site-map") < html.index("fig-ack-chart")


def test_without_figures_the_assessment_reads_as_before():
    md = render_markdown(REPO_ROOT / "templates", "assessment", "zh-CN", context())
    assert ".svg" not in md and "现场态势图" not in md


def check_site_map(svg: str, incident: Incident, plan) -> None:
    root = ElementTree.fromstring(svg)
    proj = projection_of(root)
    circle = by_id(root, "isolation-circle")
    assert float(circle.get("data-radius-m")) == plan.isolation_radius_for(incident.chemical)
    assert float(circle.get("r")) == pytest.approx(plan.isolation_radius_for(incident.chemical) / proj.metres_per_px,
                                                   abs=0.01)
    post = by_id(root, "command-post")
    assert proj.latlon(float(post.get("data-x")), float(post.get("data-y"))) == pytest.approx(
        (incident.command_post_latitude, incident.command_post_longitude), abs=1e-6)
    sector = by_id(root, "downwind-sector")
    zone = downwind_zone(plan.chemicals["UN1005"], incident.reported_at)
    assert float(sector.get("data-bearing")) == 135.0, "wind from the north-west blows to the south-east"
    assert (float(sector.get("data-distance-m")), sector.get("data-period")) == (zone.distance_m, zone.period.value)
    assert root.find(".//*[@id='park-outline']") is not None and root.find(".//*[@id='scale-bar']") is not None


@pytest.mark.prefect
def test_a_drills_figures_and_its_assessment_show_the_zones_the_post_and_the_acknowledgements(
        prefect_api, cli, engine, monkeypatch, tmp_path):
    reports = tmp_path / "reports"
    monkeypatch.setenv("PARKLINK_REPORTS_DIR", str(reports))
    assert cli("init").exit_code == 0
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", INCIDENT, level="II", seed=7, answer_rate=0.4))
    assert drill.state.is_completed(), drill.state.message
    incident_id, settings = drill.result.incident, get_settings()
    plan = load_playbooks(settings.playbooks_dir).resolve("hazmat-leak", "II")
    with session_scope(engine) as session:
        incident = session.get(Incident, incident_id)
        record = session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == incident_id)).one()

    found = incident_figures(engine, settings, incident_id, "zh-CN")
    assert [f.key for f in found] == ["site-map", "ack-chart"] and incident_id in found[0].caption
    check_site_map(found[0].svg, incident, plan)
    site = ElementTree.fromstring(found[0].svg)
    allocated = {g.get("data-depot") for g in site.iterfind(".//*[@class='allocation']", NS)}
    with session_scope(engine) as session:
        assert allocated == {r.depot for r in list_reservations(session=session, incident_id=incident_id)} != set()
    chart = ElementTree.fromstring(found[1].svg)
    rows = {g.get("data-key"): g for g in chart.iterfind(".//*[@class='ack-group']", NS)}
    assert set(rows) == set(plan.group_keys)
    for group in plan.groups:
        row = rows[group.key]
        assert row.get("data-group") == f"g{group.number}" and int(row.get("data-units")) == len(group.units)
        assert float(row.find("s:line[@class='deadline']", NS).get("data-min")) == group.ack_deadline_min
    outcomes = [e.payload for e in records(engine, incident_id)["events"] if isinstance(e.payload, UnitOutcomeEvent)]
    for key, row in rows.items():  # acknowledged by anyone in the unit's chain, as the record says
        mine = [o for o in outcomes if o.group == key]
        assert int(row.get("data-acked")) == sum(o.acked_at is not None for o in mine)
        never = row.find("s:text[@class='unacked']", NS)
        assert (never.get("data-units").split(",") if never is not None else []) == \
            [o.unit for o in mine if o.acked_at is None]
    assert any(o.acked_at is None for o in outcomes), "people who answer 4 times in 10 leave someone unreachable"

    for key in ("site-map", "ack-chart"):  # the stored HTML inline, the Markdown linking the files written
        assert f'<figure id="fig-{key}">' in record.html and f"]({key}.svg)" in record.markdown
        written = (reports / incident_id / f"{key}.svg").read_text(encoding="utf-8")
        assert ElementTree.fromstring(written).get("id") == key
    html_site = record.html[record.html.index('<svg xmlns="http://www.w3.org/2000/svg" id="site-map"'):]
    check_site_map(html_site[:html_site.index("</svg>") + 6], incident, plan)
    assert (reports / record.markdown_path).read_text(encoding="utf-8") == record.markdown

    # a record from before CommandPostSet kept the wind: derived from the post's bearing (upwind: the same)
    with session_scope(engine) as session:
        entry = session.exec(select(TimelineEvent).where(TimelineEvent.incident == incident_id,
                                                         TimelineEvent.kind == EventKind.command_post.value)).one()
        assert entry.data.pop("wind_from_deg") == 315.0
        entry.data = dict(entry.data)
        session.add(entry)
    check_site_map(site_map_svg(engine, settings, incident_id, "en"), incident, plan)
    if docs := os.environ.get("PARKLINK_DOCS_DIR"):  # `PARKLINK_DOCS_DIR=docs pytest -k drill`: the pictures of docs/
        for figure in found:
            (Path(docs) / f"{figure.key}.svg").write_text(figure.svg + "\n", encoding="utf-8")


def test_an_unreadable_site_file_is_one_line_and_costs_the_assessment_nothing(tmp_path, monkeypatch):
    bad = tmp_path / "site.geojson"
    bad.write_text("{", encoding="utf-8")
    settings = get_settings(site_file=bad)
    with pytest.raises(InputError, match=r"^site map .*site\.geojson:1:2: not valid JSON"):
        load_site(settings)
    assert report_figures(SimpleNamespace(), settings, "INC-X", "zh-CN") == []
    assert load_site(get_settings(site_file=None, data_dir=tmp_path)) is None, "no default file: a map without outline"
