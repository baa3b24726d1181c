"""Wire formats of the five channels: one HTTP request per (channel, address, envelope). Pure — no I/O.

    webhook   POST <liaison's URL>  JSON; X-ParkLink-Timestamp, X-ParkLink-Signature: sha256=HMAC(secret,
              "<timestamp>." + body) (hex), Idempotency-Key
    wecom     POST <wecom_url>?key=<address>  {"msgtype": "text", "text": {"content", "mentioned_mobile_list"}}
    dingtalk  POST <dingtalk_url>?access_token=<address>[&timestamp=<ms>&sign=<urlenc(base64(HMAC(secret,
              "<ms>\\n<secret>")))>]  {"msgtype": "text", "text": {"content"}, "at": {"atMobiles"}}
    feishu    POST <feishu_url>/<address>  {"msg_type": "text", "content": {"text"}[, "timestamp", "sign":
              base64(HMAC(key="<s>\\n<secret>", msg=""))]}
    sms       POST <sms_url>  body rendered from the configured Jinja2 template (sandboxed, StrictUndefined)

Every request also carries X-ParkLink-Key (the notification's idempotency key) so a receiver can drop a
duplicate. In drill mode (`drill_base_url`) every channel goes to <base>/<channel>/… on one server.

    ChannelError   this channel cannot carry this message (not configured, bad template, no address):
                   not worth retrying; the sender tries the next channel
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, quote_plus

from jinja2 import TemplateError

from models.templating import sandbox

CHANNELS = ("sms", "wecom", "dingtalk", "feishu", "webhook")


class ChannelError(Exception):
    """A permanent problem with one channel for one message."""


@dataclass(frozen=True)
class Envelope:
    key: str
    notification_id: int
    kind: str
    context_kind: str
    context_id: str
    group: str
    unit: str
    recipient_name: str
    recipient_role: str
    phone: str
    text: str
    ack_url: str


@dataclass(frozen=True)
class WireRequest:
    channel: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def _secret(value) -> str | None:
    if value is None:
        return None
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


_ENV = sandbox()  # the one sandboxed, strict environment of models.templating


@dataclass(frozen=True)
class ChannelConfig:
    webhook_secret: str | None = None
    wecom_url: str = ""
    dingtalk_url: str = ""
    dingtalk_secret: str | None = None
    feishu_url: str = ""
    feishu_secret: str | None = None
    sms_url: str | None = None
    sms_body_template: str = ""
    sms_content_type: str = "application/json"
    sms_api_key: str | None = None
    sms_sender: str = "ParkLink"
    drill_base_url: str | None = None

    @classmethod
    def from_settings(cls, settings) -> ChannelConfig:
        """Endpoints and secrets from settings; in drill mode every endpoint under the drill base URL."""
        base = (settings.drill_base_url or "").rstrip("/") or None
        config = cls(
            webhook_secret=_secret(settings.webhook_secret),
            wecom_url=f"{base}/wecom/send" if base else settings.wecom_url,
            dingtalk_url=f"{base}/dingtalk/send" if base else settings.dingtalk_url,
            dingtalk_secret=_secret(settings.dingtalk_secret),
            feishu_url=f"{base}/feishu/hook" if base else settings.feishu_url,
            feishu_secret=_secret(settings.feishu_secret),
            sms_url=f"{base}/sms/send" if base else settings.sms_url,
            sms_body_template=settings.sms_body_template,
            sms_content_type=settings.sms_content_type,
            sms_api_key=_secret(settings.sms_api_key),
            sms_sender=settings.sms_sender,
            drill_base_url=base,
        )
        config.sms_template()  # a broken template is a configuration error, found before anything is sent
        return config

    def sms_template(self):
        try:
            return _ENV.from_string(self.sms_body_template)
        except TemplateError as exc:
            raise ChannelError(f"PARKLINK_SMS_BODY_TEMPLATE: {exc}; fix the template") from None


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """DingTalk 加签: base64(HMAC-SHA256(key=secret, msg="<ms>\\n<secret>")), URL-encoded by the caller."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: str) -> str:
    """Feishu/Lark: base64(HMAC-SHA256(key="<s>\\n<secret>", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def build_request(channel: str, address: str | None, env: Envelope, config: ChannelConfig,
                  *, now: datetime) -> WireRequest:
    if not address:
        raise ChannelError(f"{channel}: the liaison has no {channel} address")
    headers = {"Content-Type": "application/json; charset=utf-8", "X-ParkLink-Key": env.key}
    if channel == "webhook":
        if not config.webhook_secret:
            raise ChannelError("webhook: PARKLINK_WEBHOOK_SECRET is not set, so the message cannot be signed")
        url = f"{config.drill_base_url}/webhook?to={quote(address, safe='')}" if config.drill_base_url else address
        body = _json({"id": env.key, "notification": env.notification_id, "kind": env.kind,
                      "context": {"kind": env.context_kind, "id": env.context_id}, "group": env.group,
                      "unit": env.unit, "recipient": {"name": env.recipient_name, "role": env.recipient_role,
                                                      "phone": env.phone},
                      "text": env.text, "ack_url": env.ack_url, "sent_at": now.isoformat()})
        ts = str(int(now.timestamp()))
        headers.update({"X-ParkLink-Timestamp": ts, "Idempotency-Key": env.key,
                        "X-ParkLink-Signature": webhook_signature(config.webhook_secret, ts, body)})
        return WireRequest(channel, "POST", url, headers, body)
    if channel == "wecom":
        body = _json({"msgtype": "text", "text": {"content": env.text, "mentioned_mobile_list": [env.phone]}})
        return WireRequest(channel, "POST", f"{config.wecom_url}?key={quote_plus(address)}", headers, body)
    if channel == "dingtalk":
        url = f"{config.dingtalk_url}?access_token={quote_plus(address)}"
        if config.dingtalk_secret:
            ms = str(int(now.timestamp() * 1000))
            url += f"&timestamp={ms}&sign={quote_plus(dingtalk_sign(config.dingtalk_secret, ms))}"
        body = _json({"msgtype": "text", "text": {"content": f"{env.text}\n@{env.phone}"},
                      "at": {"atMobiles": [env.phone], "isAtAll": False}})
        return WireRequest(channel, "POST", url, headers, body)
    if channel == "feishu":
        data: dict = {"msg_type": "text", "content": {"text": env.text}}
        if config.feishu_secret:
            ts = str(int(now.timestamp()))
            data = {"timestamp": ts, "sign": feishu_sign(config.feishu_secret, ts), **data}
        return WireRequest(channel, "POST", f"{config.feishu_url}/{quote(address, safe='')}", headers, _json(data))
    if channel == "sms":
        if not config.sms_url:
            raise ChannelError("sms: PARKLINK_SMS_URL is not set (no SMS gateway configured)")
        try:
            text = config.sms_template().render(to=address, text=env.text, ref=env.key, sender=config.sms_sender,
                                                api_key=config.sms_api_key or "")
        except TemplateError as exc:  # includes StrictUndefined and sandbox SecurityError
            raise ChannelError(f"sms: PARKLINK_SMS_BODY_TEMPLATE: {exc}") from None
        headers["Content-Type"] = config.sms_content_type
        return WireRequest(channel, "POST", config.sms_url, headers, text.encode())
    raise ChannelError(f"{channel}: unknown channel; choose from {', '.join(CHANNELS)}")


def response_error(channel: str, body: bytes) -> str | None:
    """None when a 2xx response means delivered; else why not (robots answer 200 with an error code)."""
    if channel not in ("wecom", "dingtalk", "feishu"):
        return None
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return f"{channel}: answer is not JSON"
    if not isinstance(data, dict):
        return f"{channel}: unexpected answer"
    code = data.get("errcode") if channel != "feishu" else data.get("code", data.get("StatusCode"))
    if code in (0, "0"):
        return None
    message = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
    return f"{channel}: error {code} {message}".rstrip()
