"""SMS through an HTTP gateway: the body is the configured Jinja2 template (sandboxed, strict). Pure — no I/O.

    POST <PARKLINK_SMS_URL>   (drill: <drill base>/sms/send)
    Content-Type: PARKLINK_SMS_CONTENT_TYPE
    body: PARKLINK_SMS_BODY_TEMPLATE rendered with to (the address: the SMS number, else the phone), text,
          ref (the idempotency key), sender, api_key
    any 2xx is delivered (gateways differ too much to read their answers)

    ChannelError   PARKLINK_SMS_URL is not set, or the template fails: when configured (a syntax error,
                   found before anything is sent) or when rendered (an undefined variable, an unsafe access)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jinja2 import Template, TemplateError

from models.directory import Channel
from models.settings import Settings
from models.templating import sandbox
from tasks.notify.channels.common import endpoint, headers, read_http, secret
from tasks.notify.channels.protocol import Answer, ChannelError, Envelope, Reply, WireRequest

NAME = Channel.sms

_ENV = sandbox()  # the one sandboxed, strict environment of models.templating


@dataclass(frozen=True)
class Config:
    url: str | None
    template: Template
    content_type: str = "application/json"
    api_key: str | None = None
    sender: str = "ParkLink"


def configure(settings: Settings, drill_url: str | None) -> Config:
    try:
        template = _ENV.from_string(settings.sms_body_template)
    except TemplateError as exc:
        raise ChannelError(f"PARKLINK_SMS_BODY_TEMPLATE: {exc}; fix the template") from None
    return Config(url=endpoint(settings.sms_url, drill_url, "/send"), template=template,
                  content_type=settings.sms_content_type, api_key=secret(settings.sms_api_key),
                  sender=settings.sms_sender)


def build(address: str, env: Envelope, config: Config, *, now: datetime) -> WireRequest:
    if not config.url:
        raise ChannelError("sms: PARKLINK_SMS_URL is not set (no SMS gateway configured)")
    try:
        text = config.template.render(to=address, text=env.text, ref=env.key, sender=config.sender,
                                      api_key=config.api_key or "")
    except TemplateError as exc:  # includes StrictUndefined and sandbox SecurityError
        raise ChannelError(f"sms: PARKLINK_SMS_BODY_TEMPLATE: {exc}") from None
    return WireRequest(NAME, "POST", config.url, headers(env, config.content_type), text.encode())


def read(reply: Reply) -> Answer:
    return read_http(NAME, reply)
