"""The drill gateway (a real HTTP server on loopback) and the live liaison check that uses it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison, Unit
from tasks.drill.gateway import Behaviour, DrillGateway
from tasks.notify import Message, send_wave
from tests.notify_fixtures import ack_service, fast_settings, gateway, rows

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
TOKEN = "1.abc.AAAAAAAAAAAAAAAAAAAAAA"


def post(url: str, channel_path: str, key: str, body: dict) -> httpx.Response:
    return httpx.post(f"{url}{channel_path}", json=body, headers={"X-ParkLink-Key": key})


def test_gateway_records_and_rejects_over_http():
    with gateway() as (_gw, url):
        ok = post(url, "/wecom/send?key=k1", "k-a", {"msgtype": "text", "text": {"content": f"hi http://127.0.0.1:9/ack/{TOKEN}"}})
        assert ok.json() == {"errcode": 0, "errmsg": "ok"}
        bad = post(url, "/dingtalk/send", "k-b", {"msgtype": "text", "text": {"content": "no token in URL"}})
        assert bad.status_code == 400 and "access_token" in bad.json()["errmsg"]
        assert post(url, "/feishu/hook/h1", "k-c", {"msg_type": "text", "content": {"text": "x"}}).json()["code"] == 0
        messages = httpx.get(f"{url}/messages").json()
        assert [(m["channel"], m["to"], m["ack_url"]) for m in messages] == [
            ("wecom", "k1", f"http://127.0.0.1:9/ack/{TOKEN}"), ("feishu", "h1", None)]
        assert [r["outcome"] for r in httpx.get(f"{url}/requests").json()] == ["accepted", "rejected", "accepted"]
        assert httpx.get(f"{url}/stats").json()["accepted"] == 2


def test_behaviour_is_seeded_per_message_not_per_arrival():
    keys = [f"check:{n}:-:check:0:unit{i}:{i}" for n in (1, 2) for i in range(40)]

    def plans(seed, order):
        gw = DrillGateway(Behaviour(seed=seed, answer_rate=0.5, error_rate=0.3))
        return {k.split(":", 2)[2]: (gw._rng("person", k.split(":", 2)[2]).random() < 0.5,
                                     gw._rng("request", k.split(":", 2)[2], 0).random() < 0.3) for k in order}

    forward = plans(7, keys)
    assert forward == plans(7, list(reversed(keys)))  # arrival order does not matter
    assert forward != plans(8, keys)  # the seed does
    assert 5 < sum(a for a, _ in forward.values()) < 35


def test_people_only_follow_loopback_links():
    with gateway(answer_rate=1.0) as (gw, url):
        post(url, "/webhook?to=x", "k-1", {"id": "k-1", "text": "t", "ack_url": f"http://example.invalid/ack/{TOKEN}"})
        deadline = time.monotonic() + 10
        while gw.messages[0]["answer"] is None and time.monotonic() < deadline:
            time.sleep(0.02)
    assert gw.messages[0]["answer"] == {"skipped": "only loopback links are followed in a drill"}


@SQLITE_ONLY
@pytest.mark.parametrize("args, message", [
    (["--delay", "5-1"], "--delay `5-1`: give 0 ≤ LOW ≤ HIGH"),
    (["--delay", "soon"], "--delay `soon`: give seconds as N or LOW-HIGH"),
    (["--answer-rate", "1.5"], "--answer-rate 1.5: give a share between 0 and 1"),
    (["--error-rate", "0.7", "--timeout-rate", "0.5"], "--error-rate plus --timeout-rate exceed 1"),
    (["--host", "0.0.0.0"], "--host 0.0.0.0: the drill gateway listens on loopback only"),
])
def test_gateway_command_refuses_bad_options(cli, args, message):
    out = cli("gateway", *args)
    assert out.exit_code == 2 and out.stderr.startswith(f"Error: {message}") and out.stderr.count("\n") == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@SQLITE_ONLY
def test_parklink_gateway_process_answers_like_people(cli, engine, tmp_path):
    """`parklink gateway` as its own process: every person answers (rate 1) through the ack service."""
    assert cli("init").exit_code == 0
    port = free_port()
    env = {**os.environ, "PARKLINK_HOME": str(tmp_path / "gw")}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "parklink"), "gateway", "--port", str(port),
                             "--answer-rate", "1", "--delay", "0-0.2", "--error-rate", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/healthz")
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
                time.sleep(0.1)
        with ack_service(engine, fast_settings()) as ack_url:
            settings = fast_settings(ack_base_url=ack_url, drill_base_url=url)
            sent = asyncio.run(send_wave(engine, context_kind="incident", context_id="gw-1", group="", units=["gwh", "yjj"],
                                         message=Message("activate", "x"), settings=settings))
            deadline = time.monotonic() + 20
            while not all(r.acked_at for r in rows(engine, context_id="gw-1")) and time.monotonic() < deadline:
                time.sleep(0.05)
        assert all(r.delivered_at for r in sent)
        assert sorted(r.ack_via for r in rows(engine, context_id="gw-1")) in (["api", "api"], ["api", "web"], ["web", "web"])
        assert {m["answer"]["post_status"] for m in httpx.get(f"{url}/messages").json()} == {200}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "PARKLINK_DRILL_BASE_URL" in proc.stdout.read()


@SQLITE_ONLY
@pytest.mark.prefect
def test_live_check_in_a_drill_replays_and_verifies(prefect_api, cli, engine, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)  # the check is the liaison-check flow, run in this process
    assert cli("init").exit_code == 0
    with session_scope(engine) as session:  # a smaller park: 12 active units keep the drill quick
        for unit in session.exec(select(Unit).order_by(Unit.code)).all()[12:]:
            unit.active = False
            session.add(unit)
    monkeypatch.setenv("PARKLINK_DRILL_TIME_SCALE", "1200")  # wait 1.5 s; people answer within 0.2 s
    args = ("directory", "check", "--live", "--drill", "--answer-rate", "0.8", "--seed", "5", "--wait", "1800", "--json")
    first = cli(*args)
    report = json.loads(first.stdout)
    assert first.exit_code == 1 and report["checked"] == 12
    assert {"checked", "acknowledged", "escalated", "unreachable"} <= set(report)

    check_rows = rows(engine, context_id=str(report["check_id"]), group="")  # the check's own (not the office's)
    primaries = [r for r in check_rows if r.step == 0]
    silent = [r for r in check_rows if r.acked_at is None]
    assert report["acknowledged"] == sum(1 for r in primaries if r.acked_at) and 0 < report["acknowledged"] < 12
    assert report["escalated"] == len(primaries) - report["acknowledged"] == len(check_rows) - len(primaries)
    assert sorted((u["unit"], u["liaison"]) for u in report["unreachable"]) == \
           sorted((r.recipient_unit, r.liaison_name) for r in silent)
    with session_scope(engine) as session:
        verified = {li.id for li in session.exec(select(Liaison).where(Liaison.last_verified_at.is_not(None)))}
    assert verified == {r.liaison_id for r in check_rows if r.acked_at}

    # Same seed, same people, same silence: the replay (read by a person, in English) names the same liaisons.
    again = cli("--lang", "en", *args[:-1])
    assert again.exit_code == 1 and "unreachable liaisons" in again.stdout
    assert f"liaison check #2: 12 primary liaisons, {report['acknowledged']} acknowledged" in again.stdout
    replay = [(r.recipient_unit, r.liaison_name) for r in rows(engine, context_id="2", group="") if r.acked_at is None]
    assert sorted(replay) == sorted((u["unit"], u["liaison"]) for u in report["unreachable"])
    assert all(unit in again.stdout for unit, _ in replay)


@SQLITE_ONLY
def test_live_check_options(cli):
    assert cli("init").exit_code == 0
    out = cli("directory", "check", "--live", "--seed", "3")
    assert out.exit_code == 2 and out.stderr == "Error: --answer-rate and --seed go with --drill\n"
    out = cli("directory", "check", "--drill")
    assert out.exit_code == 2 and "go with --live" in out.stderr
    out = cli("directory", "check", "--live", "--drill", "--wait", "0")
    assert out.exit_code == 2 and "--wait 0" in out.stderr
