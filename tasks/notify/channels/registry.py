"""The channel registry: channel type → channel module, and every channel configured from one Settings. Pure.

A new channel is one module implementing `protocol.ChannelModule` and one line here. In drill mode
(`drill_base_url`) each channel is handed <drill base>/<channel type> as its endpoint, so every channel
goes to one drill gateway.

    ChannelError   raised by `build` when the liaison has no address for the channel or the channel is unknown,
                   and by a channel's `configure` or `build` (see protocol.py); by `Channels()` when a channel's
                   configuration is broken (e.g. the SMS template does not parse)
"""

from __future__ import annotations

from datetime import datetime

from models.directory import Channel
from models.settings import Settings
from tasks.notify.channels import dingtalk, feishu, sms, webhook, wecom
from tasks.notify.channels.protocol import Answer, ChannelError, ChannelModule, Envelope, Reply, WireRequest

REGISTRY: dict[Channel, ChannelModule] = {module.NAME: module for module in (
    sms,
    wecom,
    dingtalk,
    feishu,
    webhook,
)}


class Channels:
    """Every registered channel with its configuration: `build` a request, `read` its reply."""

    def __init__(self, settings: Settings):
        base = (settings.drill_base_url or "").rstrip("/") or None
        self._modules = dict(REGISTRY)  # as registered now: a channel registered later is not seen
        self._configs = {name: module.configure(settings, f"{base}/{name}" if base else None)
                         for name, module in self._modules.items()}

    def __len__(self) -> int:
        return len(self._modules)

    def build(self, channel: str, address: str | None, env: Envelope, *, now: datetime) -> WireRequest:
        if not address:
            raise ChannelError(f"{channel}: the liaison has no {channel} address")
        module = self._modules.get(channel)
        if module is None:
            raise ChannelError(f"{channel}: unknown channel; choose from {', '.join(self._modules)}")
        return module.build(address, env, self._configs[channel], now=now)

    def read(self, channel: str, reply: Reply) -> Answer:
        return self._modules[channel].read(reply)


PROBE = Envelope(key="probe", notification_id=0, kind="probe", context_kind="probe", context_id="probe", group="",
                 unit="probe", recipient_name="probe", recipient_role="primary", phone="10000000000", text="probe",
                 ack_url="https://ack.invalid/ack/probe")


def unconfigured(settings: Settings, channels: set[str], *, now: datetime) -> list[str]:
    """Why each of `channels` could not send with these settings (no endpoint, no signing key): each one builds a
    request to a placeholder address, so a channel module's own checks say it. Empty when every one can send."""
    try:
        registry = Channels(settings)
    except ChannelError as exc:
        return [str(exc)]
    problems = []
    for channel in sorted(channels):
        try:
            registry.build(channel, "https://probe.invalid/hook", PROBE, now=now)
        except ChannelError as exc:
            problems.append(str(exc))
    return problems
