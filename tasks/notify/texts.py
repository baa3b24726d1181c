"""What a liaison reads: zh-CN first, English with lang "en". Short, because SMS is one of the channels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """One message of a context: `kind` names it in the idempotency key (e.g. "activate", "check")."""

    kind: str
    text: str


def _pick(lang: str, zh: str, en: str, **kw) -> str:
    return (en if lang == "en" else zh).format(**kw)


def check_message(lang: str) -> Message:
    return Message("check", _pick(
        lang,
        "【园区应急联动】联络员通讯录核验：请点击下方链接确认您能收到应急联动消息。",
        "[ParkLink] Liaison directory check: please open the link below to confirm you receive emergency messages."))


def compose(lang: str, *, message: Message, recipient: str, ack_url: str, subject_unit: str | None = None,
            silent: str | None = None) -> str:
    """The full text: greeting, (for an escalation) who stayed silent, the message, the acknowledgement link."""
    greeting = _pick(lang, "{name}您好：", "Dear {name}, ", name=recipient)
    lead = ""
    if silent is not None:
        lead = _pick(lang, "【升级】{unit}联络员{who}未在时限内确认，请您代为确认并落实：",
                     "[Escalated] {who} of {unit} did not acknowledge in time; please acknowledge and act: ",
                     unit=subject_unit, who=silent)
    tail = _pick(lang, "\n确认收到：{url}", "\nAcknowledge: {url}", url=ack_url)
    return f"{greeting}{lead}{message.text}{tail}"
