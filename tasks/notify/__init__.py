"""Reaching people: channels over httpx, signed acknowledgements, escalation, the liaison check.

    wire        pure wire formats of the five channels (webhook, WeCom, DingTalk, Feishu, SMS) and signatures
    tokens      pure signed acknowledgement tokens
    texts       what a liaison reads (zh-CN first)
    sender      one AsyncClient, bounded concurrency, retries on timeouts/5xx, fallbacks, rows recorded
    escalation  notify_units / send_wave: a group's wave, the wait for acks, the chain, per-unit outcomes
    ack         acknowledging by token (web service, JSON API, CLI)
    check       the liaison communication check

The response flow calls `notify_units` (one call per working group) and reads `UnitOutcome`s.
"""

from tasks.notify.escalation import Person, UnitOutcome, notify_units, parse_chain, send_wave
from tasks.notify.texts import Message

__all__ = ["Message", "Person", "UnitOutcome", "notify_units", "parse_chain", "send_wave"]
