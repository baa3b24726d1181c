"""Secrets from Prefect Secret blocks (tasks/secret_blocks.py), against a real Prefect server."""

from __future__ import annotations

import uuid

import pytest

from models.errors import ParkLinkError
from models.settings import get_settings
from tasks import secret_blocks
from tasks.secret_blocks import SECRET_FIELDS, block_variable, with_block_secrets


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    for field in SECRET_FIELDS:
        monkeypatch.delenv(f"PARKLINK_{field.upper()}", raising=False)
        monkeypatch.delenv(block_variable(field), raising=False)
    secret_blocks.clear_cache()
    yield
    secret_blocks.clear_cache()


def test_the_secret_fields_are_those_typed_secret():
    assert SECRET_FIELDS == ("ack_secret", "webhook_secret", "dingtalk_secret", "feishu_secret", "sms_api_key")
    assert block_variable("ack_secret") == "PARKLINK_ACK_SECRET_BLOCK"


def test_without_block_variables_the_settings_are_returned_as_they_are():
    settings = get_settings()
    assert with_block_secrets(settings) is settings


@pytest.mark.prefect
def test_a_secret_is_read_from_its_block_and_cached(prefect_api, monkeypatch):
    from prefect.blocks.system import Secret

    name = f"plk-ack-{uuid.uuid4().hex[:8]}"
    Secret(value="s3cret-from-block").save(name)
    monkeypatch.setenv("PARKLINK_ACK_SECRET_BLOCK", name)
    monkeypatch.setenv("PARKLINK_WEBHOOK_SECRET", "from-env")
    monkeypatch.setenv("PARKLINK_WEBHOOK_SECRET_BLOCK", name)  # the environment's own value wins
    settings = with_block_secrets(get_settings())
    assert settings.ack_secret.get_secret_value() == "s3cret-from-block"
    assert settings.webhook_secret.get_secret_value() == "from-env"
    Secret(value="rotated").save(name, overwrite=True)
    assert with_block_secrets(get_settings()).ack_secret.get_secret_value() == "s3cret-from-block"  # cached
    secret_blocks.clear_cache()
    assert with_block_secrets(get_settings()).ack_secret.get_secret_value() == "rotated"
    from tasks.response.runtime import run_settings

    assert run_settings().ack_secret.get_secret_value() == "rotated", "what every task of a run sends with"


@pytest.mark.prefect
def test_a_missing_block_is_one_line_naming_the_variable_the_block_and_the_fix(prefect_api, monkeypatch):
    monkeypatch.setenv("PARKLINK_SMS_API_KEY_BLOCK", "plk-no-such-block")
    with pytest.raises(ParkLinkError) as err:
        with_block_secrets(get_settings())
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("PARKLINK_SMS_API_KEY_BLOCK=plk-no-such-block: there is no Prefect Secret block")
    assert "prefect block create secret" in message
