"""`parklink dispatch …` and `parklink requisitions …` through the real entry point, on the sample park."""

from __future__ import annotations

import json

import pytest

NEEDS = """\
- {id: scba, group: g2, resource_type: '2010101', quantity: 30, urgency: 1, role: primary, deadline_min: 20}
- {id: suits, resource_type: '2010102', quantity: 8, urgency: 2, role: primary}
- {id: sand, resource_type: '3010101', quantity: 350, urgency: 3, role: secondary}
- {id: crane, resource_type: '3020101', quantity: 10, urgency: 2, role: secondary}
"""
AT = "36.15,112.27"


@pytest.fixture
def park(cli, tmp_path):
    assert cli("init").exit_code == 0
    path = tmp_path / "needs.yaml"
    path.write_text(NEEDS, encoding="utf-8")
    return cli, str(path)


def test_plan_json_shape(park):
    cli, needs = park
    result = cli("dispatch", "plan", "--at", AT, "--needs", needs, "--exclude-radius", "300", "--json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert {"allocations", "requisitions", "shortfalls", "excluded"} <= set(plan)
    first = plan["allocations"][0]
    assert {"need", "depot", "resource_type", "quantity", "distance_km", "eta_min", "reason"} <= set(first)
    assert first["need"] == "scba" and first["reason"].startswith("最近的可用储备")
    assert [e["depot"] for e in plan["excluded"]] == ["dp-yqzx"]  # the park depot, 220 m from the incident
    assert "dp-yqzx" not in {a["depot"] for a in plan["allocations"]}
    crane = [r for r in plan["requisitions"] if r["need"] == "crane"]
    assert [(r["holder"], r["depot"], r["resource_type"], r["quantity"]) for r in crane] == [
        ("qy-jz", "dp-jz", "3020101", 6)]
    assert {"need": "crane", "resource_type": "3020101", "quantity": 4} in plan["shortfalls"]
    sand = [(x["depot"], x["quantity"]) for x in plan["allocations"] + plan["requisitions"] if x["need"] == "sand"]
    assert sand[0] == ("dp-xyjck", 300) and sum(q for _, q in sand) == 350  # the county depot, then requisition
    en = json.loads(cli("--lang", "en", "dispatch", "plan", "--at", AT, "--needs", needs, "--json").stdout)
    assert en["allocations"][0]["reason"].startswith("nearest available reserve")


def test_plan_table_writes_nothing(park):
    cli, needs = park
    result = cli("dispatch", "plan", "--at", AT, "--needs", needs)
    assert result.exit_code == 0 and "调用储备" in result.stdout and "征用" in result.stdout
    listed = json.loads(cli("inventory", "list", "--json").stdout)
    assert all(r["reserved"] == 0 for r in listed)


def test_bad_needs_file_lists_every_entry(park, tmp_path):
    cli, _ = park
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {id: a, resource_type: '2010109', quantity: 0, urgency: 4, role: main}\n"
                   "- {id: b, resource_type: '2010101', quantity: -1, urgency: 1, role: primary}\n", encoding="utf-8")
    result = cli("dispatch", "plan", "--at", "200,112", "--needs", str(bad))
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: --at: `200,112` is off the globe; latitude must be within ±90 and longitude within " \
                       "±180 (did you swap them?)"
    assert [ln.split(": ")[2] for ln in lines[1:-1]] == [
        "needs[0].quantity", "needs[0].resource_type", "needs[0].role", "needs[0].urgency", "needs[1].quantity"]
    assert "did you mean `2010104`?" in result.stderr
    assert lines[-1] == "Error: 6 error(s); nothing was planned"
    assert "Traceback" not in result.stderr


def test_plan_and_reserve_for_a_recorded_incident(park, db_url):
    """--incident takes the position, the playbook level's needs and the isolation radius from the record."""
    from models.db import create_schema, get_engine, session_scope
    from models.incident import Incident
    from models.playbook.library import load_playbooks

    cli, needs = park
    engine = get_engine(db_url)
    create_schema(engine)  # the incident table (a no-op where it exists)
    with session_scope(engine) as session:
        session.add(Incident(id="INC-T-1", playbook_id="hazmat-leak", playbook_hash="test", level="II",
                             latitude=36.15, longitude=112.27, chemical="UN1017"))
    resolved = load_playbooks().resolve("hazmat-leak", "II")
    radius = resolved.isolation_radius_for("UN1017")
    plan = json.loads(cli("dispatch", "plan", "--incident", "INC-T-1", "--json").stdout)
    assert plan["position"] == {"latitude": 36.15, "longitude": 112.27}
    planned = {x["need"] for k in ("allocations", "requisitions", "shortfalls") for x in plan[k]}
    assert planned == {n.id for n in resolved.all_needs()}
    assert plan["excluded"] and all(f"{radius} m" in e["reason"] for e in plan["excluded"])
    own = json.loads(cli("dispatch", "plan", "--incident", "INC-T-1", "--needs", needs, "--exclude-radius", "0",
                         "--json").stdout)
    assert {x["need"] for x in own["allocations"]} == {"scba", "suits", "sand"} and own["excluded"] == []
    reserved = json.loads(cli("dispatch", "reserve", "--incident", "INC-T-1", "--json").stdout)
    assert reserved["reservation_ids"] and reserved["incident"] == "INC-T-1"
    missing = cli("dispatch", "plan", "--incident", "INC-NOPE")
    assert missing.exit_code == 1 and "incident `INC-NOPE` not found" in missing.stderr
    assert cli("dispatch", "plan", "--needs", needs).stderr.startswith(
        "Error: give --at LAT,LON and --needs FILE, or --incident ID")


def test_reserve_twice_then_ledger_and_stand_down(park):
    cli, needs = park
    first = cli("dispatch", "reserve", "--incident", "inc-1", "--at", AT, "--needs", needs, "--json")
    assert first.exit_code == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["reservation_ids"] and data["requisition_ids"] and data["skipped_needs"] == []
    second = json.loads(cli("dispatch", "reserve", "--incident", "inc-1", "--at", AT, "--needs", needs,
                            "--json").stdout)
    assert second["reservation_ids"] == [] and second["skipped_needs"] == ["crane", "sand", "scba", "suits"]

    reqs = json.loads(cli("requisitions", "list", "--incident", "inc-1", "--json").stdout)
    crane = next(r for r in reqs if r["need_id"] == "crane")
    assert (crane["holder"], crane["quantity"], crane["unit_price"], crane["status"]) == ("qy-jz", 6, 2500.0,
                                                                                          "requested")
    cid = str(crane["id"])
    assert "is requested; it can move to approved or cancelled, not settled" in cli("requisitions", "settle",
                                                                                     cid).stderr
    assert cli("requisitions", "approve", cid).exit_code == 0
    assert cli("requisitions", "deliver", cid, "--quantity", "5").exit_code == 0
    closed = json.loads(cli("requisitions", "return", cid, "--consumed", "1", "--fee", "3000", "--json").stdout)
    assert closed[0]["status"] == "consumed" and closed[0]["amount"] == 5500.0
    settled = json.loads(cli("requisitions", "settle", cid, "--json").stdout)
    assert settled == [{"holder": "qy-jz", "amount": 5500.0, "requisitions": [int(cid)]}]
    assert json.loads(cli("requisitions", "list", "--status", "settled", "--json").stdout)[0]["id"] == int(cid)
    assert cli("requisitions", "list", "--status", "paid").exit_code == 2

    down = cli("dispatch", "stand-down", "--incident", "inc-1", "--consumed", "scba=3", "--json")
    assert down.exit_code == 0, down.stderr
    assert json.loads(down.stdout)["consumed"] == 3
    listed = json.loads(cli("inventory", "list", "--json").stdout)
    assert sum(r["reserved"] for r in listed) == 0
    bad = cli("dispatch", "stand-down", "--incident", "inc-1", "--consumed", "scba")
    assert bad.exit_code == 1 and "write NEED=QTY" in bad.stderr
