"""Every channel's wire format: sent over real loopback HTTP to the drill gateway (signatures recomputed here),
and built from fixed inputs byte for byte; how each channel reads its answers."""

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
from tasks.notify.channels import ChannelError, Channels, Envelope, Fault, Outcome, Reply
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
NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
JSON = "application/json; charset=utf-8"


# The bytes as the single-module wire format of before the channel modules built them (same inputs).
@pytest.mark.parametrize("channel, address, url, headers, body", [
    ("webhook", "https://hooks.example/p?q=1", "https://hooks.example/p?q=1",
     {"Content-Type": JSON, "X-ParkLink-Key": "k", "X-ParkLink-Timestamp": "1714979289", "Idempotency-Key": "k",
      "X-ParkLink-Signature": "sha256=5a0ac1a81dd0d6a6682060ef48ed91df9f9c1f8f5b0cc04e429d42705eae1173"},
     '{"id":"k","notification":1,"kind":"activate","context":{"kind":"incident","id":"1"},"group":"","unit":"u",'
     '"recipient":{"name":"张三","role":"primary","phone":"+447700900000"},"text":"t",'
     '"ack_url":"http://127.0.0.1/ack/x","sent_at":"2024-05-06T07:08:09+00:00"}'),
    ("wecom", "key/1+2", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=key%2F1%2B2",
     {"Content-Type": JSON, "X-ParkLink-Key": "k"},
     '{"msgtype":"text","text":{"content":"t","mentioned_mobile_list":["+447700900000"]}}'),
    ("dingtalk", "tok 1", "https://oapi.dingtalk.com/robot/send?access_token=tok+1&timestamp=1714979289000"
     "&sign=ba8ety1OOPsI7tBPm0kWv0NcpHTPwVb%2BwoKMdwuROqQ%3D", {"Content-Type": JSON, "X-ParkLink-Key": "k"},
     '{"msgtype":"text","text":{"content":"t\\n@+447700900000"},"at":{"atMobiles":["+447700900000"],"isAtAll":false}}'),
    ("feishu", "hook/1", "https://open.feishu.cn/open-apis/bot/v2/hook/hook%2F1",
     {"Content-Type": JSON, "X-ParkLink-Key": "k"},
     '{"timestamp":"1714979289","sign":"qQXKo8DVi1mCdUYbfPXNDi5Cxazsx4tDcc8xOrAh01E=","msg_type":"text",'
     '"content":{"text":"t"}}'),
    ("sms", "+447700900000", "http://127.0.0.1:2/sms", {"Content-Type": "application/json", "X-ParkLink-Key": "k"},
     '{"to": "+447700900000", "text": "t", "ref": "k"}'),
])
def test_each_channel_builds_the_same_bytes(channel, address, url, headers, body):
    req = Channels(fast_settings(sms_url="http://127.0.0.1:2/sms")).build(channel, address, ENV, now=NOW)
    assert (req.channel, req.method, req.url, req.body.decode()) == (channel, "POST", url, body)
    assert list(req.headers.items()) == list(headers.items())  # in this order on the wire


@pytest.mark.parametrize("channel, address, url", [
    ("webhook", "https://hooks.example/p?q=1", "http://127.0.0.1:1/webhook?to=https%3A%2F%2Fhooks.example%2Fp%3Fq%3D1"),
    ("wecom", "key/1+2", "http://127.0.0.1:1/wecom/send?key=key%2F1%2B2"),
    ("dingtalk", "tok 1", "http://127.0.0.1:1/dingtalk/send?access_token=tok+1&timestamp=1714979289000"
     "&sign=ba8ety1OOPsI7tBPm0kWv0NcpHTPwVb%2BwoKMdwuROqQ%3D"),
    ("feishu", "hook/1", "http://127.0.0.1:1/feishu/hook/hook%2F1"),
    ("sms", "+447700900000", "http://127.0.0.1:1/sms/send"),
])
def test_drill_mode_sends_every_channel_under_the_drill_base(channel, address, url):
    drill = Channels(fast_settings(sms_url="http://127.0.0.1:2/sms", drill_base_url="http://127.0.0.1:1/"))
    live = Channels(fast_settings(sms_url="http://127.0.0.1:2/sms"))
    req, same = drill.build(channel, address, ENV, now=NOW), live.build(channel, address, ENV, now=NOW)
    assert req.url == url and (req.headers, req.body) == (same.headers, same.body)


@pytest.mark.parametrize("template, fragment", [
    ("{{ nope }}", "'nope' is undefined"),
    ("{{ to.__class__.__mro__ }}", "unsafe"),
])
def test_sms_template_is_strict_and_sandboxed(template, fragment):
    channels = Channels(fast_settings(sms_url="http://127.0.0.1:9/sms", sms_body_template=template))
    with pytest.raises(ChannelError, match="PARKLINK_SMS_BODY_TEMPLATE") as info:
        channels.build("sms", "+447700900000", ENV, now=datetime.now(UTC))
    assert fragment in str(info.value)


def test_broken_sms_template_is_a_configuration_error():
    with pytest.raises(ChannelError, match="PARKLINK_SMS_BODY_TEMPLATE"):
        Channels(fast_settings(sms_body_template="{{ to "))


def test_unconfigured_sms_missing_address_and_unknown_channel():
    channels = Channels(fast_settings(wecom_url="http://127.0.0.1:9"))
    with pytest.raises(ChannelError, match="PARKLINK_SMS_URL is not set"):
        channels.build("sms", "+447700900000", ENV, now=datetime.now(UTC))
    with pytest.raises(ChannelError, match="no wecom address"):
        channels.build("wecom", None, ENV, now=datetime.now(UTC))
    with pytest.raises(ChannelError, match="unknown channel; choose from sms, wecom, dingtalk, feishu, webhook"):
        channels.build("pager", "1", ENV, now=datetime.now(UTC))


@pytest.mark.parametrize("channel, body, error", [
    ("wecom", b'{"errcode": 0, "errmsg": "ok"}', None),
    ("wecom", b'{"errcode": 93000, "errmsg": "invalid webhook url"}', "wecom: error 93000 invalid webhook url"),
    ("dingtalk", b'{"errcode": 310000, "errmsg": "sign not match"}', "dingtalk: error 310000 sign not match"),
    ("feishu", b'{"code": 0, "msg": "success"}', None),
    ("feishu", b'{"code": 19021, "msg": "sign match fail"}', "feishu: error 19021 sign match fail"),
    ("feishu", b'{"StatusCode": 0, "StatusMessage": "success"}', None),
    ("feishu", b"<html>", "feishu: answer is not JSON"),
    ("webhook", b"", None),
    ("sms", b"anything", None),
])
def test_robot_answers_are_read(channel, body, error):
    answer = Channels(fast_settings()).read(channel, Reply(status=200, body=body))
    assert (answer.outcome, answer.reason) == (Outcome.delivered if error is None else Outcome.failed, error)


@pytest.mark.parametrize("reply, outcome, reason", [
    (Reply(fault=Fault.timeout), Outcome.retry, "timeout"),
    (Reply(status=503), Outcome.retry, "HTTP 503"),
    (Reply(fault=Fault.transport, detail="ConnectError: refused"), Outcome.failed, "wecom: ConnectError: refused"),
    (Reply(status=404), Outcome.failed, "wecom: HTTP 404"),
    (Reply(status=302), Outcome.failed, "wecom: HTTP 302"),
    (Reply(status=503, body=b'{"errcode": 0}'), Outcome.retry, "HTTP 503"),  # the status first, then the code
])
def test_what_is_worth_retrying(reply, outcome, reason):
    channels = Channels(fast_settings())
    answer = channels.read("wecom", reply)
    assert (answer.outcome, answer.reason) == (outcome, reason)
    for other in ("webhook", "sms", "dingtalk", "feishu"):  # the same HTTP rule for every channel
        assert channels.read(other, reply).outcome is outcome


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
