"""`parklink respond` and the operators' incident commands, through the real CLI entry point and error handler.

Bad input is refused before anything is written (SQLite and PostgreSQL, no Prefect server needed); a drill
through the CLI prints the documented JSON and leaves a report, a history entry and a Prefect flow-run state;
escalate / approve / stand-down act on the incident record and refuse what cannot be done with exit code 2.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import select

from models.db import session_scope
from models.dispatch import DispatchNeed, Requisition, RequisitionStatus, Reservation
from models.events import UnitOutcomeEvent, UnitStatus
from models.incident import AssessmentRecord, Incident, IncidentStatus, LevelChange, TimelineEvent
from models.incident_store import request_stand_down
from models.inventory import Stock
from models.notification import Notification
from models.playbook import load_playbooks
from models.settings import get_settings
from tests.conftest import one_error_line
from tests.respond_support import records, run_drill

DEAD_API = "http://127.0.0.1:9/api"  # nothing listens: a run that got past validation would fail with exit 1
LIBRARY = load_playbooks(get_settings().playbooks_dir)

BAD_INPUT = {
    "unknown playbook": (["no-such-playbook", "--enterprise", "qy-ha"], "unknown playbook `no-such-playbook`"),
    "level the playbook lacks": (["hazmat-leak", "--level", "V", "--enterprise", "qy-ha"], "--level V"),
    "single-level playbook at I": (["mass-incident", "--level", "I", "--enterprise", "qy-ha"], "--level I"),
    "latitude off the globe": (["hazmat-leak", "--at", "91,112.2"], "off the globe"),
    "longitude off the globe": (["hazmat-leak", "--at", "36.1,-181"], "off the globe"),
    "position not numbers": (["hazmat-leak", "--at", "north,east"], "must be numbers"),
    "position one number": (["hazmat-leak", "--at", "36.1"], "give LAT,LON"),
    "unknown enterprise": (["hazmat-leak", "--enterprise", "qy-nope"], "--enterprise `qy-nope`"),
    "a unit that is no enterprise": (["hazmat-leak", "--enterprise", "yjj"], "not a resident enterprise"),
    "unknown chemical": (["hazmat-leak", "--enterprise", "qy-ha", "--chemical", "UN9999"], "--chemical `UN9999`"),
    "chemical not a UN number": (["hazmat-leak", "--enterprise", "qy-ha", "--chemical", "chlorine"], "--chemical"),
    "negative deaths": (["hazmat-leak", "--enterprise", "qy-ha", "--deaths", "-1"], "--deaths -1"),
    "negative injured": (["hazmat-leak", "--enterprise", "qy-ha", "--injured", "-3"], "--injured -3"),
    "negative loss": (["hazmat-leak", "--enterprise", "qy-ha", "--loss", "-5"], "--loss -5"),
    "negative evacuated": (["hazmat-leak", "--enterprise", "qy-ha", "--evacuated", "-2"], "--evacuated -2"),
    "both places": (["hazmat-leak", "--enterprise", "qy-ha", "--at", "36.1,112.2"], "say where"),
    "no place": (["hazmat-leak", "--level", "II"], "say where"),
    "bad incident id": (["hazmat-leak", "--enterprise", "qy-ha", "--incident-id", "no spaces!"], "--incident-id"),
    "incident id as a path": (["hazmat-leak", "--enterprise", "qy-ha", "--incident-id", "../x"], "--incident-id `../x`"),
    "incident id too long": (["hazmat-leak", "--enterprise", "qy-ha", "--incident-id", "A" * 300], "give 1–40"),
    "time scale zero": (["hazmat-leak", "--enterprise", "qy-ha", "--time-scale", "0"], "--time-scale"),
    "time scale NaN": (["hazmat-leak", "--enterprise", "qy-ha", "--time-scale", "nan"], "--time-scale nan"),
    "time scale inf": (["hazmat-leak", "--enterprise", "qy-ha", "--time-scale", "inf"], "--time-scale inf"),
    "time scale that overflows a deadline": (["hazmat-leak", "--enterprise", "qy-ha", "--time-scale", "1e-300"],
                                             "--time-scale 1e-300"),
    "time scale too large": (["hazmat-leak", "--enterprise", "qy-ha", "--time-scale", "1e300"], "--time-scale"),
    "deaths beyond any incident": (["hazmat-leak", "--enterprise", "qy-ha", "--deaths", "100000000"], "--deaths"),
    "injured not a whole number": (["hazmat-leak", "--enterprise", "qy-ha", "--injured", "1.5"], "--injured"),
    "evacuated beyond any incident": (["hazmat-leak", "--enterprise", "qy-ha", "--evacuated", "10000001"],
                                      "--evacuated"),
    "loss infinite": (["hazmat-leak", "--enterprise", "qy-ha", "--loss", "inf"], "--loss"),
    "loss NaN": (["hazmat-leak", "--enterprise", "qy-ha", "--loss", "nan"], "--loss"),
    "drill error rate above 1": (["hazmat-leak", "--enterprise", "qy-ha", "--error-rate", "2"], "--error-rate 2"),
    "drill delay not seconds": (["hazmat-leak", "--enterprise", "qy-ha", "--delay", "soon"], "--delay `soon`"),
    "unknown option": (["hazmat-leak", "--enterprise", "qy-ha", "--fatalities", "3"], "No such option: --fatalities"),
}


def counts(engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {t.__name__: session.exec(select(func.count()).select_from(t)).one()
                for t in (Incident, Notification, TimelineEvent, DispatchNeed, Reservation, Requisition, LevelChange)}


def test_bad_input_is_refused_before_anything_is_written(cli, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("PREFECT_API_URL", DEAD_API)
    assert cli("init").exit_code == 0
    before = counts(engine)
    assert before["Incident"] == 0
    for case, (args, says) in BAD_INPUT.items():
        line = one_error_line(cli("respond", *args, "--drill"))
        assert says in line, (case, line)
        line = one_error_line(cli("respond", *args, "--drill", "--deployment"))  # nothing submitted either
        assert says in line, (case, line)
    line = one_error_line(cli("respond", "fire", "--enterprise", "qy-jh", "--drill", "--no-wait"))
    assert "--no-wait goes with --deployment" in line
    assert counts(engine) == before, "nothing written"
    assert not (tmp_path / "home" / "prefect").exists(), "no Prefect server was started"


# ---------------------------------------------------------------------------------------------------------
# A drill through the CLI, then report and history


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_drill_through_the_cli_then_report_and_history(prefect_api, cli, engine, monkeypatch, tmp_path):
    assert cli("init").exit_code == 0
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    for name in ("DRILL_BASE_URL", "ACK_BASE_URL", "ACK_SECRET", "WEBHOOK_SECRET", "DINGTALK_SECRET", "FEISHU_SECRET"):
        monkeypatch.setenv(f"PARKLINK_{name}", "")  # recorded, so teardown restores the real environment
        monkeypatch.delenv(f"PARKLINK_{name}")
    reports = tmp_path / "reports"
    monkeypatch.setenv("PARKLINK_REPORTS_DIR", str(reports))  # the files are a copy; the record is the report
    done = cli("respond", "hazmat-leak", "--level", "II", "--enterprise", "qy-ha", "--drill", "--time-scale", "300",
               "--seed", "4", "--json")
    assert done.exit_code == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    plan = LIBRARY.resolve("hazmat-leak", "II")
    incident = out["incident"]
    assert out["level"] == "II" and out["playbook_hash"] == plan.content_hash and out["state"] == "COMPLETED"
    assert out["flow_run_id"] and out["failed"] == {}
    assert sorted(g["key"] for g in out["groups"]) == sorted(plan.group_keys)
    rec = records(engine, incident)  # what --json says is what the record says
    answered = Counter((e.payload.group, e.payload.status) for e in rec["events"]
                       if isinstance(e.payload, UnitOutcomeEvent))
    for g in out["groups"]:
        assert g["units"] and g["notified"] >= len(g["units"]), g
        assert [g[s.value] for s in UnitStatus] == [answered[(g["key"], s)] for s in UnitStatus], g
        assert sum(g[s.value] for s in UnitStatus) == len(g["units"]), g
    allocated: Counter = Counter()
    for a in out["allocations"]:
        allocated[a["need"]] += a["quantity"]
    assert allocated and allocated == Counter({n.need_id: n.allocated for n in rec["needs"] if n.allocated})
    assert {s["need"]: s["quantity"] for s in out["shortfalls"]} == {n.need_id: n.shortfall for n in rec["needs"]
                                                                     if n.shortfall}
    assessment = out["assessment"]
    assert assessment["kpis"]["units_notified"] == sum(len(g["units"]) for g in out["groups"])
    assert assessment["markdown"] == f"{incident}/assessment.zh-CN.md", "relative to the reports directory"
    markdown, html = reports / assessment["markdown"], reports / assessment["html"]
    with session_scope(engine) as session:
        stored = session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == incident)).one()
    assert (stored.markdown_path, stored.html_path) == (assessment["markdown"], assessment["html"])
    assert stored.markdown == markdown.read_text(encoding="utf-8"), "the file is a copy of the record"
    assert markdown.read_text(encoding="utf-8").startswith("# 应急处置评估报告")
    assert "<table>" in html.read_text(encoding="utf-8")
    assert out["ui_url"] == f"{prefect_api.removesuffix('/api')}/runs/flow-run/{out['flow_run_id']}"
    # the drill's gateway settings did not stay behind in this process's environment
    assert not get_settings().drill_base_url and not get_settings().ack_base_url

    markdown.unlink()  # another machine has no files: the report comes from the database
    shown = cli("report", incident)
    assert shown.exit_code == 0 and shown.stdout == stored.markdown
    target = tmp_path / "out.html"
    assert cli("report", incident, "--format", "html", "-o", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8") == html.read_text(encoding="utf-8") == stored.html
    assert "<table>" in target.read_text(encoding="utf-8")
    english = cli("--lang", "en", "report", incident)  # it ran in Chinese: English rendered from the same records
    assert english.exit_code == 0 and english.stdout.startswith(f"# After-action assessment: {incident}")
    assert not (markdown.parent / "assessment.en.md").exists(), "rendered from the record, no file written"
    english_html = cli("--lang", "en", "report", incident, "--format", "html")
    assert english_html.exit_code == 0 and "<table>" in english_html.stdout and 'lang="en"' in english_html.stdout
    assert cli("report", incident).stdout == shown.stdout, "the Chinese record is left as it was"
    assert "choose md, html or pdf" in one_error_line(cli("report", incident, "--format", "docx"))  # pdf: test_report_pdf

    # a second drill in this process, in English: it has a gateway of its own (the first one's is gone);
    # without PARKLINK_REPORTS_DIR no file is written, the database holds the report
    monkeypatch.delenv("PARKLINK_REPORTS_DIR")
    done_en = cli("--lang", "en", "respond", "hazmat-leak", "--level", "IV", "--enterprise", "qy-ha", "--drill",
                  "--time-scale", "300", "--seed", "5", "--answer-rate", "1", "--json")
    assert done_en.exit_code == 0, done_en.stderr[-2000:]
    out_en = json.loads(done_en.stdout)
    assert out_en["incident"] != incident and out_en["state"] == "COMPLETED"
    assert all(g["acknowledged"] == len(g["units"]) for g in out_en["groups"]), "every message reached the gateway"
    english = cli("--lang", "en", "report", out_en["incident"])
    assert english.exit_code == 0 and english.stdout.startswith(f"# After-action assessment: {out_en['incident']}")
    assert out_en["assessment"]["markdown"] is None and out_en["assessment"]["html"] is None
    with session_scope(engine) as session:
        stored_en = session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == out_en["incident"])).one()
    assert english.stdout == stored_en.markdown and stored_en.markdown_path is None

    listed = cli("history", "--json")
    assert listed.exit_code == 0, listed.stderr
    rows = {r["incident"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {incident, out_en["incident"]}
    row = rows[incident]
    assert row["incident"] == incident and row["flow_run_id"] == out["flow_run_id"]
    assert row["flow_run_state"] == "COMPLETED" and row["status"] == "closed" and row["playbook"] == "hazmat-leak"
    assert row["duration_s"] is not None and row["run_time_s"] is not None

    for args in (["report", "INC-NOPE-0001"], ["escalate", "INC-NOPE-0001", "--level", "I"],
                 ["approve", "INC-NOPE-0001"], ["stand-down", "INC-NOPE-0001"]):
        line = one_error_line(cli(*args), code=1)
        assert "INC-NOPE-0001" in line and "not found" in line
    # a closed incident can neither change level nor stand down again
    assert "closed" in one_error_line(cli("escalate", incident, "--level", "I"))
    assert "closed" in one_error_line(cli("stand-down", incident))


# ---------------------------------------------------------------------------------------------------------
# escalate / approve / stand-down on an incident record


def seed_incident(engine, incident_id: str = "INC-CLI-0001") -> dict:
    """An open level-III hazmat incident with one held reservation and three requisitions (no run)."""
    with session_scope(engine) as session:
        stock = session.exec(select(Stock).where(Stock.quantity >= 20).order_by(Stock.depot, Stock.resource_type)).first()
        plan = LIBRARY.resolve("hazmat-leak", "III")
        session.add(Incident(id=incident_id, playbook_id="hazmat-leak", playbook_hash=plan.content_hash, level="III",
                             latitude=36.15, longitude=112.27, enterprise="qy-ha"))
        session.flush()
        session.add(Reservation(incident_id=incident_id, need_id="rescue-scba", depot=stock.depot,
                                resource_type=stock.resource_type, quantity=6))
        reqs = [Requisition(incident_id=incident_id, need_id=f"need-{i}", holder="qy-ha", depot=stock.depot,
                            resource_type=stock.resource_type, quantity=2, status=status)
                for i, status in enumerate([RequisitionStatus.requested, RequisitionStatus.requested,
                                            RequisitionStatus.cancelled])]
        session.add_all(reqs)
        session.flush()
        return {"requested": sorted(r.id for r in reqs[:2]), "cancelled": reqs[2].id}


def test_escalate_approve_stand_down_on_the_record(cli, engine):
    assert cli("init").exit_code == 0
    ids = seed_incident(engine)

    assert "has levels IV, III, II, I" in one_error_line(cli("escalate", "INC-CLI-0001", "--level", "V"))
    assert "already at level III" in one_error_line(cli("escalate", "INC-CLI-0001", "--level", "III"))
    with session_scope(engine) as session:
        assert session.exec(select(LevelChange)).all() == [], "refused changes leave no record"
    assert cli("escalate", "INC-CLI-0001", "--level", "II", "--reason", "plume spreading").exit_code == 0
    assert "already at level II" in one_error_line(cli("escalate", "INC-CLI-0001", "--level", "II")), \
        "a pending change counts as the current level"
    assert cli("escalate", "INC-CLI-0001", "--level", "III").exit_code == 0, "and can be taken back"
    with session_scope(engine) as session:
        changes = [(c.from_level, c.to_level, c.reason, c.applied_at)
                   for c in session.exec(select(LevelChange).order_by(LevelChange.id)).all()]
        assert session.get(Incident, "INC-CLI-0001").level == "III", "the run applies changes, not the CLI"
    assert changes == [("III", "II", "plume spreading", None), ("II", "III", "", None)]

    approved = cli("approve", "INC-CLI-0001", "--json")
    assert approved.exit_code == 0, approved.stderr
    assert sorted(json.loads(approved.stdout)["approved"]) == ids["requested"]
    with session_scope(engine) as session:
        status = {r.id: r.status for r in session.exec(select(Requisition)).all()}
    assert status == {ids["requested"][0]: RequisitionStatus.approved, ids["requested"][1]: RequisitionStatus.approved,
                      ids["cancelled"]: RequisitionStatus.cancelled}
    assert json.loads(cli("approve", "INC-CLI-0001", "--json").stdout) == {"approved": []}, "nothing left to approve"

    for bad in ("rescue-scba", "rescue-scba=", "rescue-scba=-1", "rescue-scba=two", "=3"):
        assert "--consumed" in one_error_line(cli("stand-down", "INC-CLI-0001", "--consumed", bad)), bad
    for bad, says in (("no-such-need=1", "no-such-need"), ("rescue-scba=7", "only 6")):
        assert says in one_error_line(cli("stand-down", "INC-CLI-0001", "--consumed", bad)), bad
    with session_scope(engine) as session:
        incident = session.get(Incident, "INC-CLI-0001")
        assert incident.stand_down_requested_at is None and incident.consumed == {}, "a refused stand-down writes nothing"
    assert cli("stand-down", "INC-CLI-0001", "--consumed", "rescue-scba=4").exit_code == 0
    assert cli("stand-down", "INC-CLI-0001", "--consumed", "rescue-scba=5").exit_code == 0, "a correction"
    with session_scope(engine) as session:
        incident = session.get(Incident, "INC-CLI-0001")
        assert incident.stand_down_requested_at is not None and incident.consumed == {"rescue-scba": 5}
        assert incident.status is IncidentStatus.open, "the run closes it"


# ---------------------------------------------------------------------------------------------------------
# Stand-down with consumption on a running drill


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_stand_down_with_consumption_ends_a_held_drill(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    incident = {"enterprise": "qy-ha", "incident_id": "INC-CLI-0002", "description": "演练"}
    said = {}

    async def during(run):
        while not await asyncio.to_thread(lambda: any(
                e.kind == "dispatched" for e in records(engine, "INC-CLI-0002")["events"])):
            assert not run.done(), "the held drill ended by itself"
            await asyncio.sleep(0.1)
        said["bad"] = await asyncio.to_thread(cli, "stand-down", "INC-CLI-0002", "--consumed", "rescue-scba=999")
        said["ok"] = await asyncio.to_thread(cli, "stand-down", "INC-CLI-0002", "--consumed", "rescue-scba=4")

    with session_scope(engine) as session:
        stock_before = {(s.depot, s.resource_type): s.quantity for s in session.exec(select(Stock)).all()}
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", incident, level="IV", seed=2, hold=True,
                                  during=during))
    assert "only" in one_error_line(said["bad"])
    assert said["ok"].exit_code == 0, said["ok"].stderr
    assert drill.state.is_completed(), drill.state.message
    assert drill.result.stand_down.consumed == 4
    with session_scope(engine) as session:
        scba = session.exec(select(Reservation).where(Reservation.need_id == "rescue-scba")).all()
        stock_after = {(s.depot, s.resource_type): (s.quantity, s.reserved) for s in session.exec(select(Stock)).all()}
    assert sum(r.consumed for r in scba) == 4 and all(r.consumed + r.released == r.quantity for r in scba)
    used = sum(stock_before[k] - q for k, (q, _) in stock_after.items())
    assert used == 4, "consumed units left the stock, the rest went back"
    assert all(reserved == 0 for _, reserved in stock_after.values())


def test_a_closed_incident_cannot_stand_down_twice(cli, engine):
    assert cli("init").exit_code == 0
    seed_incident(engine, "INC-CLI-0003")
    with session_scope(engine) as session:
        request_stand_down(session=session, incident_id="INC-CLI-0003")
        session.get(Incident, "INC-CLI-0003").status = IncidentStatus.closed
    assert "already closed" in one_error_line(cli("stand-down", "INC-CLI-0003"))
    assert "can no longer change" in one_error_line(cli("escalate", "INC-CLI-0003", "--level", "II"))


def test_a_live_run_without_acknowledgement_settings_is_refused_before_it_starts(cli, engine, monkeypatch, tmp_path):
    cli("init")
    for name in ("PARKLINK_ACK_BASE_URL", "PARKLINK_ACK_SECRET", "PARKLINK_DRILL_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    line = one_error_line(cli("respond", "fire", "--enterprise", "qy-jh"), code=2)
    assert "PARKLINK_ACK_BASE_URL is not set" in line
    assert counts(engine)["Incident"] == 0 and not (tmp_path / "home" / "prefect").exists()


def test_a_live_run_is_refused_where_a_drill_gateway_or_an_unconfigured_channel_would_take_its_messages(
        cli, engine, monkeypatch, tmp_path):
    cli("init")
    monkeypatch.setenv("PARKLINK_ACK_BASE_URL", "https://ack.park.example")
    monkeypatch.setenv("PARKLINK_ACK_SECRET", "s" * 32)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("PARKLINK_DRILL_BASE_URL", "http://127.0.0.1:8765")
    line = one_error_line(cli("respond", "fire", "--enterprise", "qy-jh"), code=2)
    assert "never sends to a drill gateway" in line and "PARKLINK_DRILL_BASE_URL" in line
    monkeypatch.delenv("PARKLINK_DRILL_BASE_URL")
    for name in ("PARKLINK_SMS_URL", "PARKLINK_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    line = one_error_line(cli("respond", "fire", "--enterprise", "qy-jh"), code=2)
    assert "PARKLINK_SMS_URL is not set" in line and "PARKLINK_WEBHOOK_SECRET is not set" in line
    assert counts(engine)["Incident"] == 0 and not (tmp_path / "home" / "prefect").exists()


def test_dispatch_refuses_an_incident_id_that_is_no_id(cli, engine):
    assert cli("init").exit_code == 0
    before = counts(engine)
    for bad in ("../x y", "A" * 300, "-rf", ""):
        for args in (["dispatch", "reserve", "--incident", bad, "--at", "36.15,112.27"],
                     ["dispatch", "stand-down", "--incident", bad]):
            assert "--incident" in one_error_line(cli(*args)), (args, bad)
    assert counts(engine) == before, "nothing written"
