"""What a liaison reads, from the one catalogue (models/i18n.py): zh-CN first, English with lang "en".
Short, because SMS is one of the channels."""

from __future__ import annotations

from dataclasses import dataclass

from models.i18n import tr


@dataclass(frozen=True)
class Message:
    """One message of a context: `kind` names it in the idempotency key (e.g. "activate", "check")."""

    kind: str
    text: str


def check_message(lang: str) -> Message:
    return Message("check", tr(lang, "[ParkLink] Liaison directory check: please open the link below to confirm "
                                     "you receive emergency messages."))


def compose(lang: str, *, message: Message, recipient: str, ack_url: str, subject_unit: str | None = None,
            silent: str | None = None) -> str:
    """The full text: greeting, (for an escalation) who stayed silent, the message, the acknowledgement link."""
    greeting = tr(lang, "Dear {name}, ", name=recipient)
    lead = ""
    if silent is not None:
        lead = tr(lang, "[Escalated] {who} of {unit} did not acknowledge in time; please acknowledge and act: ",
                  unit=subject_unit, who=silent)
    tail = tr(lang, "Acknowledge: {url}", url=ack_url)
    return f"{greeting}{lead}{message.text}\n{tail}"
