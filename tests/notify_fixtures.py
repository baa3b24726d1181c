"""Helpers of the notification tests: fast settings, the drill gateway and the ack service on loopback."""

from __future__ import annotations

from contextlib import contextmanager

from pydantic import SecretStr
from sqlmodel import select

from models.db import session_scope
from models.notification import Notification
from models.settings import get_settings
from tasks.drill.gateway import Behaviour, DrillGateway
from tasks.web.ack_app import create_app
from tasks.web.serving import serve_in_thread

SECRETS = {"ack_secret": "test-ack-key", "webhook_secret": "test-webhook-key",
           "dingtalk_secret": "SECtest-dingtalk", "feishu_secret": "test-feishu"}


def fast_settings(**overrides):
    """Secrets set, tiny backoff, quick polls; overrides win (e.g. drill_base_url, ack_base_url)."""
    values = {name: SecretStr(v) for name, v in SECRETS.items()}
    values.update(notify_backoff_s=0.01, notify_timeout_s=5.0, ack_poll_s=0.05, ack_base_url="http://127.0.0.1:9/x")
    values.update(overrides)
    return get_settings(**values)


@contextmanager
def gateway(**behaviour):
    gw = DrillGateway(Behaviour(**{"answer_rate": 0.0, "delay": (0.0, 0.0), "error_rate": 0.0, **behaviour}))
    with serve_in_thread(gw.app, name="test gateway") as url:
        yield gw, url


@contextmanager
def ack_service(engine, settings):
    with serve_in_thread(create_app(engine, settings), name="test ack service") as url:
        yield url


def rows(engine, **where) -> list[Notification]:
    with session_scope(engine) as session:
        query = select(Notification).order_by(Notification.id)
        for key, value in where.items():
            query = query.where(getattr(Notification, key) == value)
        return list(session.exec(query).all())
