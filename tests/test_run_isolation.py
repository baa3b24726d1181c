"""A drill is a property of the run, never of the machine (issue 11): a drill started where every real channel
is configured reaches none of them — it sends to the drill gateway it starts itself, with its own
acknowledgement service — and a live run started where a drill gateway is configured is refused."""

from __future__ import annotations

import asyncio

import pytest

from models.db import session_scope
from models.drill import DrillPeople
from models.incident import Incident
from models.settings import get_settings
from tests.respond_support import DRILL_VARS, live_channels, people_at, records

pytestmark = [pytest.mark.prefect, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
INCIDENT = {"enterprise": "qy-ha", "chemical": "UN1005", "injured": 1, "description": "演练：液氨管线泄漏"}


def test_a_drill_where_every_real_channel_is_configured_reaches_none_of_them(prefect_api, cli, engine, monkeypatch):
    from flows.respond import respond

    assert cli("init").exit_code == 0
    for name in DRILL_VARS:
        monkeypatch.delenv(f"PARKLINK_{name}", raising=False)
    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    with people_at(get_settings(), answer_rate=1.0, seed=1, time_scale=120.0) as (recorder, url):
        live_channels(engine, monkeypatch, url)  # WeCom, DingTalk, Feishu, SMS, webhooks: all at the recorder
        monkeypatch.setenv("PARKLINK_ACK_BASE_URL", "https://ack.park.example")  # the park's public service
        state = asyncio.run(respond("hazmat-leak", {**INCIDENT, "incident_id": "INC-ISO-0001"}, level="IV",
                                    drill=True, time_scale=120.0, people=DrillPeople(answer_rate=1.0, seed=2,
                                                                                      delay=(15, 60)),
                                    return_state=True))
        result = state.result(raise_on_failure=False)
        assert recorder.snapshot()["requests"] == [], "no configured channel endpoint was called"
    assert state.is_completed(), state.message
    delivered = [n for n in records(engine, "INC-ISO-0001")["notifications"] if n.delivered_at]
    count = result.drill_gateway
    assert count is not None and count.messages == len(delivered) > 0 and count.duplicates == 0
    assert all(n.acked_at for n in delivered if n.step == 0), "its own gateway's people answered its own links"
    assert all("ack.park.example" not in (n.text or "") for n in delivered)


def test_a_live_run_where_a_drill_gateway_is_configured_is_refused(prefect_api, cli, engine, monkeypatch):
    from flows.respond import respond

    assert cli("init").exit_code == 0
    monkeypatch.setenv("PARKLINK_ACK_BASE_URL", "https://ack.park.example")
    monkeypatch.setenv("PARKLINK_ACK_SECRET", "s" * 32)
    with people_at(get_settings(), answer_rate=1.0, seed=1, time_scale=120.0) as (gateway, url):
        monkeypatch.setenv("PARKLINK_DRILL_BASE_URL", url)
        state = asyncio.run(respond("hazmat-leak", {**INCIDENT, "incident_id": "INC-ISO-0002"}, level="IV",
                                    return_state=True))
        assert gateway.snapshot()["requests"] == []
    assert state.is_failed() and state.message.startswith("a live run never sends to a drill gateway"), state.message
    assert "\n" not in state.message
    with session_scope(engine) as session:
        assert session.get(Incident, "INC-ISO-0002") is None, "nothing written"
