"""Reaching people: channels over httpx, signed acknowledgements, escalation, the liaison check.

    channels    pure: one module per channel (webhook, WeCom, DingTalk, Feishu, SMS) building its requests and
                reading its answers, the protocol they implement, the registry by channel type
    tokens      pure signed acknowledgement tokens
    texts       what a liaison reads (zh-CN first)
    sender      one AsyncClient (the only HTTP), bounded concurrency, retries what a channel calls retryable,
                fallbacks, rows recorded
    leases      who holds a sending lease, and whether that holder is gone
    lease_keeper  a sender's leases: claimed, renewed while sending, waited for or taken over
    escalation  notify_units / send_wave: a group's wave, the wait for acks, the chain, per-unit outcomes
    ack         acknowledging by token (web service, JSON API, CLI)
    check       the liaison communication check

The response flow calls `notify_units` (one call per working group) and reads `UnitOutcome`s.
"""

from tasks.notify.escalation import Person, UnitOutcome, notify_units, parse_chain, send_wave
from tasks.notify.texts import Message

__all__ = ["Message", "Person", "UnitOutcome", "notify_units", "parse_chain", "send_wave"]
