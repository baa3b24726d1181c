"""Secrets from Prefect `Secret` blocks: `PARKLINK_<NAME>_BLOCK=<block name>` instead of the secret itself.

For every secret setting of `models.notify_settings.NotifySettings` (the fields typed `SecretStr | None`:
ack_secret, webhook_secret, dingtalk_secret, feishu_secret, sms_api_key), when the variable
`PARKLINK_<FIELD>_BLOCK` names a block and the setting itself is not set, the block's value is read at run
time (`Secret.load(name).get()`) and returned in a copy of the settings. The database is never touched; the
Prefect API is, at most once per block per `CACHE_S` seconds in a process, so a run does not ask the API
for every message it sends.

    ParkLinkError   a named block does not exist or cannot be read: one line naming the variable, the block
                    and how to create it
"""

from __future__ import annotations

import os
import threading
import time
import types
import typing

from pydantic import SecretStr

from models.errors import ParkLinkError
from models.notify_settings import NotifySettings
from models.settings import Settings

CACHE_S = 60.0

_cache: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


def _is_optional_secret(annotation: object) -> bool:
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return False
    return set(typing.get_args(annotation)) == {SecretStr, type(None)}


SECRET_FIELDS: tuple[str, ...] = tuple(
    name for name, field in NotifySettings.model_fields.items() if _is_optional_secret(field.annotation))


def block_variable(field: str) -> str:
    """The environment variable that names the block of a secret setting: ack_secret → PARKLINK_ACK_SECRET_BLOCK."""
    return f"PARKLINK_{field.upper()}_BLOCK"


def named_blocks(environ: typing.Mapping[str, str] | None = None) -> dict[str, str]:
    """{secret field: block name} for every `PARKLINK_<FIELD>_BLOCK` that is set (and not blank)."""
    environ = os.environ if environ is None else environ
    out = {}
    for field in SECRET_FIELDS:
        name = environ.get(block_variable(field), "").strip()
        if name:
            out[field] = name
    return out


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _create_hint(block: str) -> str:
    return (f"create it with `prefect block create secret` (the UI form) or `python -c \"from prefect.blocks.system "
            f"import Secret; Secret(value='…').save('{block}')\"`")


def read_block(field: str, block: str) -> str:
    """The value of the Secret block `block` (for the setting `field`), from the cache when it is fresh."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(block)
        if hit is not None and now - hit[0] < CACHE_S:
            return hit[1]
    from prefect.blocks.system import Secret

    variable = block_variable(field)
    try:
        value = Secret.load(block, _sync=True).get()
    except ValueError:
        raise ParkLinkError(f"{variable}={block}: there is no Prefect Secret block `{block}`; "
                            f"{_create_hint(block)}") from None
    except Exception as exc:  # noqa: BLE001 — the API unreachable, refused, a block of another type: one line
        raise ParkLinkError(f"{variable}={block}: cannot read the Prefect Secret block `{block}` "
                            f"({exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                            "check PREFECT_API_URL") from None
    text = value if isinstance(value, str) else str(value)
    with _lock:
        _cache[block] = (time.monotonic(), text)
    return text


def with_block_secrets(settings: Settings, environ: typing.Mapping[str, str] | None = None) -> Settings:
    """`settings` with every secret that is unset but named by a `PARKLINK_<FIELD>_BLOCK` read from its block."""
    update = {}
    for field, block in named_blocks(environ).items():
        if getattr(settings, field) is None:
            update[field] = SecretStr(read_block(field, block))
    return settings.model_copy(update=update) if update else settings
