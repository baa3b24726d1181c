"""The annual joint meeting is a standing, scheduled deployment of the `meeting` flow (prefect.yaml)."""

from __future__ import annotations

from datetime import date

import yaml

from tests.conftest import REPO


def test_the_joint_meeting_is_deployed_once_a_year():
    from flows.meeting import MEETING_NOTICE_DAYS, meeting
    from parklink.deploy import CronSpec, load_specs

    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    (d,) = [d for d in spec["deployments"] if d["name"] == "joint-meeting"]
    assert d["entrypoint"] == "flows/meeting.py:meeting" and meeting.name == "meeting"
    assert d["work_pool"]["name"] == "parklink" and d["tags"] == ["parklink", "standing"]
    assert d["parameters"] == {"kind": "annual"} and set(d["parameters"]) <= set(meeting.parameters.properties)
    (loaded,) = [s for s in load_specs(REPO / "prefect.yaml") if s.name == "joint-meeting"]
    assert loaded.crons == (CronSpec("0 9 5 1 *", "Asia/Shanghai", ()),)  # 5 January: the meeting a week later
    assert MEETING_NOTICE_DAYS == 7


def test_an_annual_meeting_without_a_date_is_held_a_week_after_the_run(monkeypatch):
    import flows.meeting as module
    from models.errors import InputError
    from models.meeting import MeetingKind

    monkeypatch.setattr(module, "today_in_park", lambda: date(2027, 1, 5))
    common = {"meeting_id": None, "reason": None, "answer_rate": 0.9, "wait": None, "time_scale": None}
    assert module.check_parameters(day=None, kind=MeetingKind.annual, **common) == date(2027, 1, 12)
    for day, kind, why in ((None, MeetingKind.ad_hoc, "reason"), (date(2027, 1, 4), MeetingKind.annual, "past")):
        try:
            module.check_parameters(day=day, kind=kind, **common)
        except InputError as exc:
            assert why in str(exc)
        else:
            raise AssertionError(f"{day} {kind} was not refused")
    assert module.title("annual", date(2027, 1, 12), "MTG-20270105-0001", False) == \
        "joint meeting · annual · 2027-01-12 · MTG-20270105-0001"
