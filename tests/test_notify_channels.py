"""Every channel's wire format, sent over real loopback HTTP to the drill gateway; signatures recomputed here."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison
from models.notification import Notification
from tasks.notify import Message, send_wave
from tasks.notify.wire import ChannelConfig, ChannelError, Envelope, build_request, response_error
from tests.notify_fixtures import SECRETS, fast_settings, gateway, rows

# One sample unit per preferred channel (data/sample-park/directory.yaml).
UNITS = {"gwh": "sms", "ldz": "wecom", "ldzbgs": "dingtalk", "xwxcb": "feishu", "yjj": "webhook"}

# Backend-neutral behaviour: SQLite alone keeps the suite quick (PostgreSQL runs the rest).
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def primaries(engine) -> dict[str, Liaison]:
    with session_scope(engine) as session:
        return {li.unit: li for li in session.exec(select(Liaison).where(Liaison.role == "primary", Liaison.active))}


def test_each_channel_on_the_wire(cli, engine):
    assert cli("init").exit_code == 0
    with gateway() as (gw, url):
        settings = fast_settings(drill_base_url=url)
        sent = asyncio.run(send_wave(engine, context_kind="incident", context_id="wire-1", group="g2",
                                     units=list(UNITS), message=Message("activate", "抢险救援组：立即到指挥部集结"),
                                     settings=settings))
    assert [r.delivered_at is not None for r in sent] == [True] * 5
    assert {r.unit: r.channel for r in sent} == UNITS
    people = primaries(engine)
    msgs = {m["channel"]: m for m in gw.messages}
    assert set(msgs) == set(UNITS.values()) and len(gw.messages) == 5
    by_key = {r.idempotency_key: r for r in sent}
    for m in gw.messages:
        row = by_key[m["headers"]["x-parklink-key"]]
        assert m["ack_url"].startswith("http://127.0.0.1:9/x/ack/") and m["ack_url"] in row.text
        assert "抢险救援组：立即到指挥部集结" in m["text"] and people[row.unit].name in m["text"]

    hook = msgs["webhook"]
    raw, h = hook["raw"].encode(), hook["headers"]
    ts = h["x-parklink-timestamp"]
    expected = hmac.new(SECRETS["webhook_secret"].encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
    assert h["x-parklink-signature"] == f"sha256={expected}"
    assert abs(int(ts) - datetime.now(UTC).timestamp()) < 600
    assert h["idempotency-key"] == h["x-parklink-key"]
    assert hook["query"]["to"] == people["yjj"].webhook
    body = json.loads(raw)
    assert body["context"] == {"kind": "incident", "id": "wire-1"} and body["group"] == "g2"
    assert body["unit"] == "yjj" and body["recipient"]["name"] == people["yjj"].name and body["kind"] == "activate"

    wecom = msgs["wecom"]
    assert wecom["path"] == "/wecom/send" and wecom["query"]["key"] == people["ldz"].wecom
    assert wecom["body"]["msgtype"] == "text"
    assert wecom["body"]["text"]["mentioned_mobile_list"] == [people["ldz"].phone]

    ding = msgs["dingtalk"]
    q = ding["query"]
    assert q["access_token"] == people["ldzbgs"].dingtalk
    secret = SECRETS["dingtalk_secret"]
    sign = base64.b64encode(hmac.new(secret.encode(), f"{q['timestamp']}\n{secret}".encode(), hashlib.sha256).digest())
    assert q["sign"] == sign.decode() and len(q["timestamp"]) == 13
    assert ding["body"]["at"] == {"atMobiles": [people["ldzbgs"].phone], "isAtAll": False}

    fei = msgs["feishu"]
    assert fei["path"] == f"/feishu/hook/{people['xwxcb'].feishu}"
    key = f"{fei['body']['timestamp']}\n{SECRETS['feishu_secret']}".encode()
    assert fei["body"]["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert fei["body"]["msg_type"] == "text" and "text" in fei["body"]["content"]

    sms = msgs["sms"]
    assert sms["body"]["to"] == people["gwh"].phone and sms["body"]["ref"] == sms["headers"]["x-parklink-key"]
    assert sms["headers"]["content-type"] == "application/json"


@SQLITE_ONLY
def test_sms_body_comes_from_the_configured_template(cli, engine):
    assert cli("init").exit_code == 0
    template = "mobile={{ to|urlencode }}&content={{ text|urlencode }}&key={{ api_key }}&sign={{ sender }}"
    with gateway() as (gw, url):
        settings = fast_settings(drill_base_url=url, sms_body_template=template, sms_api_key="k-123",
                                 sms_content_type="application/x-www-form-urlencoded")
        [row] = asyncio.run(send_wave(engine, context_kind="incident", context_id="sms-1", group="", units=["gwh"],
                                      message=Message("activate", "测试"), settings=settings))
    assert row.delivered_at is not None
    form = parse_qs(gw.messages[0]["raw"])
    assert form["key"] == ["k-123"] and form["sign"] == ["ParkLink"] and form["mobile"] == [primaries(engine)["gwh"].phone]
    assert form["content"][0] == row.text


@SQLITE_ONLY
def test_robot_without_secret_sends_unsigned(cli, engine):
    assert cli("init").exit_code == 0
    with gateway() as (gw, url):
        settings = fast_settings(drill_base_url=url, dingtalk_secret=None, feishu_secret=None)
        asyncio.run(send_wave(engine, context_kind="incident", context_id="u-1", group="", units=["ldzbgs", "xwxcb"],
                              message=Message("activate", "x"), settings=settings))
    msgs = {m["channel"]: m for m in gw.messages}
    assert "sign" not in msgs["dingtalk"]["query"] and "sign" not in msgs["feishu"]["body"]


@SQLITE_ONLY
def test_unusable_channel_falls_back_and_says_why(cli, engine):
    """No webhook secret: the webhook cannot be signed, so the message goes by SMS, the reason kept."""
    assert cli("init").exit_code == 0
    with gateway() as (gw, url):
        settings = fast_settings(drill_base_url=url, webhook_secret=None)
        [row] = asyncio.run(send_wave(engine, context_kind="incident", context_id="fb-1", group="", units=["yjj"],
                                      message=Message("activate", "x"), settings=settings))
    assert row.channel == "sms" and row.delivered_at is not None
    assert "PARKLINK_WEBHOOK_SECRET" in row.last_error
    assert [m["channel"] for m in gw.messages] == ["sms"]
    assert len(rows(engine, context_id="fb-1")) == 1


ENV = Envelope(key="k", notification_id=1, kind="activate", context_kind="incident", context_id="1", group="",
               unit="u", recipient_name="张三", recipient_role="primary", phone="+447700900000", text="t",
               ack_url="http://127.0.0.1/ack/x")


@pytest.mark.parametrize("template, fragment", [
    ("{{ nope }}", "'nope' is undefined"),
    ("{{ to.__class__.__mro__ }}", "unsafe"),
])
def test_sms_template_is_strict_and_sandboxed(template, fragment):
    config = ChannelConfig(sms_url="http://127.0.0.1:9/sms", sms_body_template=template)
    with pytest.raises(ChannelError, match="PARKLINK_SMS_BODY_TEMPLATE") as info:
        build_request("sms", "+447700900000", ENV, config, now=datetime.now(UTC))
    assert fragment in str(info.value)


def test_broken_sms_template_is_a_configuration_error():
    with pytest.raises(ChannelError, match="PARKLINK_SMS_BODY_TEMPLATE"):
        ChannelConfig.from_settings(fast_settings(sms_body_template="{{ to "))


def test_unconfigured_sms_and_missing_address():
    with pytest.raises(ChannelError, match="PARKLINK_SMS_URL is not set"):
        build_request("sms", "+447700900000", ENV, ChannelConfig(), now=datetime.now(UTC))
    with pytest.raises(ChannelError, match="no wecom address"):
        build_request("wecom", None, ENV, ChannelConfig(wecom_url="http://127.0.0.1:9"), now=datetime.now(UTC))


@pytest.mark.parametrize("channel, body, error", [
    ("wecom", b'{"errcode": 0, "errmsg": "ok"}', None),
    ("wecom", b'{"errcode": 93000, "errmsg": "invalid webhook url"}', "wecom: error 93000 invalid webhook url"),
    ("dingtalk", b'{"errcode": 310000, "errmsg": "sign not match"}', "dingtalk: error 310000 sign not match"),
    ("feishu", b'{"code": 0, "msg": "success"}', None),
    ("feishu", b'{"code": 19021, "msg": "sign match fail"}', "feishu: error 19021 sign match fail"),
    ("feishu", b"<html>", "feishu: answer is not JSON"),
    ("webhook", b"", None),
    ("sms", b"anything", None),
])
def test_robot_answers_are_read(channel, body, error):
    assert response_error(channel, body) == error


@SQLITE_ONLY
def test_rows_name_the_recipient_and_expire(cli, engine):
    assert cli("init").exit_code == 0
    with gateway() as (_gw, url):
        asyncio.run(send_wave(engine, context_kind="incident", context_id="r-1", group="g5", units=["gwh"],
                              message=Message("activate", "x"), settings=fast_settings(drill_base_url=url)))
    [row] = rows(engine, context_id="r-1")
    assert isinstance(row, Notification) and row.idempotency_key.startswith("incident:r-1:g5:activate:0:gwh:")
    assert row.liaison_role == "primary" and row.recipient_unit == "gwh" and row.attempts == 1
    assert row.expires_at > row.created_at and row.sent_at and row.delivered_at and not row.failed_at
