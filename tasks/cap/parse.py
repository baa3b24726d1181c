"""Reading a CAP 1.2 alert (GB/T 35965.1-2018 is its Chinese profile) into a typed `CapAlert`. Pure.

    read_cap(data, where=…)        → CapAlert   the document's bytes (a file's, a feed entry's, an HTTP body)
    read_cap_file(path, shown=…)   → CapAlert   a file, read within models.text_file's limits (1 MiB)

Parsed with defusedxml over xml.etree: a DTD, an entity declaration or an external reference is refused
(no XXE, no billion laughs). The root must be `<alert>` in the namespace urn:oasis:names:tc:emergency:cap:1.2.
The fields the ingest uses are checked: identifier, sender, sent, status, msgType, scope, references (required
for Update and Cancel); each info's category, event, urgency, severity, certainty (required), language,
onset, expires, headline, description, instruction, eventCode and parameter; each area's areaDesc (required),
polygon, circle and geocode. Every refusal is one `InputError` line, exit code 2:

    alert.xml: <info><severity> is 'Huge'; use Extreme, Severe, Moderate, Minor or Unknown
    alert.xml:3:8: malformed XML (mismatched tag); fix the document so that it is well-formed XML
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pydantic import ValidationError

from models.cap_kinds import CapMsgType, CapStatus
from models.errors import InputError
from models.text_file import MAX_BYTES, FileRefused, read_bytes
from tasks.cap import fields
from tasks.cap.fields import EXIT_CODE, Refuse, choice, shown
from tasks.cap.model import (
    CapAlert,
    CapArea,
    CapInfo,
    Category,
    Certainty,
    NamedValue,
    Scope,
    Severity,
    Urgency,
)

NS = "urn:oasis:names:tc:emergency:cap:1.2"
_Q = "{" + NS + "}"
ALERT_NEEDS = "identifier, sender, sent, status, msgType and scope"
INFO_NEEDS = "category, event, urgency, severity and certainty"


def read_cap_file(path: Path | str, *, shown_as: str | None = None) -> CapAlert:
    where = shown_as or str(path)
    try:
        data = read_bytes(path, shown=where, limit=MAX_BYTES)
    except FileRefused as exc:
        raise InputError(str(exc), exit_code=EXIT_CODE) from None
    return read_cap(data, where=where)


def read_cap(data: bytes, *, where: str) -> CapAlert:
    refuse = Refuse(where)
    if len(data) > MAX_BYTES:
        raise InputError(f"{where}: the alert is {len(data):,} bytes, over the 1 MiB limit; a CAP alert is far "
                         "smaller: is this the right document?", exit_code=EXIT_CODE)
    data = _as_utf8(data, where)
    root = parse_xml(data, where)
    if root.tag != _Q + "alert":
        ns, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
        if local == "alert":
            raise refuse("<alert>", f"is in the namespace {shown(ns) if ns else '(none)'}",
                         f"a CAP 1.2 alert must be in {NS}: ask the sender for CAP 1.2")
        raise refuse("the root element", f"is <{local}>, not <alert>", "give a CAP 1.2 alert document")
    try:
        return _alert(root, refuse, _text_of(data)).model_copy(update={"where": where})
    except ValidationError as exc:  # a safety net: the checks above should have said it first
        first = exc.errors()[0]
        raise refuse("<alert>", f"is not valid ({first['msg']})", "fix the field it names") from None


def parse_xml(data: bytes, where: str) -> Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        line, col = exc.position
        why = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise InputError(f"{where}:{line}:{col + 1}: malformed XML ({why}); fix the document so that it is "
                         "well-formed XML", exit_code=EXIT_CODE) from None
    except DefusedXmlException:
        raise InputError(f"{where}: the document declares a DTD or entities; a CAP alert needs neither, remove "
                         "them", exit_code=EXIT_CODE) from None
    except (ValueError, LookupError) as exc:  # an encoding expat does not know, and the like
        raise InputError(f"{where}: unreadable XML ({str(exc)[:80]}); save the alert as UTF-8",
                         exit_code=EXIT_CODE) from None


def _as_utf8(data: bytes, where: str) -> bytes:
    """A document in an encoding it declares (GB18030, GBK, GB2312 are common here) as UTF-8: expat reads no
    multi-byte encoding but UTF-8 and UTF-16. Without a declaration the bytes go to the parser as they are."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    declared = re.match(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']", data)
    if declared is None:
        return data
    encoding = declared.group(1).decode("ascii")
    try:
        text = data.decode(encoding)
    except LookupError:
        raise InputError(f"{where}: the document declares encoding {encoding!r}, which is unknown; save it as UTF-8",
                         exit_code=EXIT_CODE) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: byte {exc.start:,} is not {encoding} text as the document declares; save it as "
                         "UTF-8", exit_code=EXIT_CODE) from None
    start, end = declared.span(1)
    return (data[:start].decode("ascii", errors="replace") + "UTF-8" + text[len(data[:end].decode(encoding)):]).encode()


def _text_of(data: bytes) -> str:
    """The document as text, to keep (the parser has read it already: UTF-8, or UTF-16 with its BOM)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


class _Node:
    """One element and the path a message names it by (`<info><area>`, `<info>[2]<severity>`)."""

    def __init__(self, element: Element, path: str, refuse: Refuse):
        self.element, self.path, self.refuse = element, path, refuse

    def all(self, name: str) -> list[_Node]:
        found = self.element.findall(_Q + name)
        inner = "" if self.path == "<alert>" else self.path
        return [_Node(e, f"{inner}<{name}>" + (f"[{i}]" if len(found) > 1 else ""), self.refuse)
                for i, e in enumerate(found, 1)]

    def text(self, name: str, *, needs: str | None = None) -> str | None:
        """The stripped text of the child `name`; None when absent (a refusal when `needs` says it is required)."""
        found = self.all(name)
        if len(found) > 1:
            raise self.refuse(found[0].path.rsplit("[", 1)[0], f"appears {len(found)} times", "keep one")
        value = (found[0].element.text or "").strip() if found else ""
        if not value and needs:
            what, fix = ("an empty", "fill it in") if found else ("no", "add it")
            raise self.refuse(self.path, f"has {what} <{name}>", f"{fix} (CAP 1.2 requires {needs})")
        return value or None

    def child_path(self, name: str) -> str:
        return ("" if self.path == "<alert>" else self.path) + f"<{name}>"

    def pairs(self, name: str) -> tuple[NamedValue, ...]:
        out = []
        for node in self.all(name):
            value_name, value = node.text("valueName"), node.text("value")
            if value_name is None or value is None:
                raise self.refuse(node.path, "lacks <valueName> or <value>", "give both")
            out.append(NamedValue(name=value_name, value=value))
        return tuple(out)


def _alert(root: Element, refuse: Refuse, raw: str) -> CapAlert:
    alert = _Node(root, "<alert>", refuse)
    need = {name: alert.text(name, needs=ALERT_NEEDS) for name in
            ("identifier", "sender", "sent", "status", "msgType", "scope")}
    msg_type = choice(refuse, "<msgType>", need["msgType"], CapMsgType)
    refs_text = alert.text("references")
    if refs_text is None and msg_type in (CapMsgType.update, CapMsgType.cancel):
        raise refuse("<alert>", f"is an {msg_type.value} without <references>",
                     "name the alert it changes as sender,identifier,sent")
    infos = tuple(_info(node) for node in alert.all("info"))
    if not infos and msg_type in (CapMsgType.alert, CapMsgType.update):
        raise refuse("<alert>", f"is an {msg_type.value} without <info>", f"add an <info> with its {INFO_NEEDS}")
    return CapAlert(
        identifier=fields.key_part(refuse, "<identifier>", need["identifier"]),
        sender=fields.key_part(refuse, "<sender>", need["sender"]),
        sent=fields.cap_time(refuse, "<sent>", need["sent"]),
        status=choice(refuse, "<status>", need["status"], CapStatus), msg_type=msg_type,
        scope=choice(refuse, "<scope>", need["scope"], Scope),
        references=fields.references(refuse, refs_text) if refs_text else (), infos=infos, raw=raw)


def _info(info: _Node) -> CapInfo:
    refuse = info.refuse
    categories = [node.element.text.strip() if node.element.text else "" for node in info.all("category")]
    if not categories:
        raise refuse(info.path, "has no <category>", f"add it (CAP 1.2 requires {INFO_NEEDS})")
    need = {name: info.text(name, needs=INFO_NEEDS) for name in ("event", "urgency", "severity", "certainty")}
    onset, expires = info.text("onset"), info.text("expires")
    return CapInfo(
        language=info.text("language") or "en-US",
        categories=tuple(choice(refuse, info.child_path("category"), c, Category) for c in categories),
        event=need["event"],
        urgency=choice(refuse, info.child_path("urgency"), need["urgency"], Urgency),
        severity=choice(refuse, info.child_path("severity"), need["severity"], Severity),
        certainty=choice(refuse, info.child_path("certainty"), need["certainty"], Certainty),
        onset=fields.cap_time(refuse, info.child_path("onset"), onset) if onset else None,
        expires=fields.cap_time(refuse, info.child_path("expires"), expires) if expires else None,
        headline=info.text("headline") or "", description=info.text("description") or "",
        instruction=info.text("instruction") or "",
        event_codes=info.pairs("eventCode"), parameters=info.pairs("parameter"),
        areas=tuple(_area(node) for node in info.all("area")))


def _area(area: _Node) -> CapArea:
    refuse = area.refuse
    return CapArea(
        area_desc=area.text("areaDesc", needs="areaDesc"),
        polygons=tuple(fields.polygon(refuse, node.path, (node.element.text or "").strip())
                       for node in area.all("polygon")),
        circles=tuple(fields.circle(refuse, node.path, (node.element.text or "").strip())
                      for node in area.all("circle")),
        geocodes=area.pairs("geocode"))
