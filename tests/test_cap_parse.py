"""CAP 1.2 / GB/T 35965.1 alerts read into typed models (issue 13, item 3): every fixture, every refusal's line."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

import pytest

from models.cap_kinds import CapKey, CapMsgType, CapStatus
from models.errors import InputError
from tasks.cap.model import Category, Certainty, Circle, NamedValue, Point, Scope, Severity, Urgency
from tasks.cap.parse import read_cap, read_cap_file
from tests.cap_support import ALERT_REF, CAP, SENDER, UPDATE_REF, fixture, variant

SHANGHAI = timezone(timedelta(hours=8))


def refusal(call) -> InputError:
    with pytest.raises(InputError) as caught:
        call()
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)
    return caught.value


def test_an_alert_is_read_into_typed_frozen_models():
    alert = fixture("alert-hazmat.xml")
    assert (alert.identifier, alert.sender, alert.status, alert.msg_type, alert.scope) == (
        "AZ-YJ-20261201-001", SENDER, CapStatus.actual, CapMsgType.alert, Scope.public)
    assert alert.sent == datetime(2026, 12, 1, 0, 0, tzinfo=UTC) and alert.sent.utcoffset() == timedelta(hours=8)
    assert str(alert.key) == ALERT_REF and alert.references == () and alert.where == "alert-hazmat.xml"
    (info,) = alert.infos
    assert (info.language, info.categories, info.event, info.urgency, info.severity, info.certainty) == (
        "zh-CN", (Category.safety, Category.cbrne), "危险化学品泄漏", Urgency.immediate, Severity.severe,
        Certainty.likely)
    assert (info.onset, info.expires) == (datetime(2026, 12, 1, 8, tzinfo=SHANGHAI),
                                          datetime(2026, 12, 2, 8, tzinfo=SHANGHAI))
    assert info.headline == "化工园区周边危险化学品泄漏预警" and info.instruction.startswith("企业启动预警响应")
    assert info.event_codes == (NamedValue(name="GB/T 35965.1", value="11B99"),)
    (area,) = info.areas
    assert area.area_desc == "安泽经济技术开发区化工园区" and len(area.polygons[0]) == 5
    assert area.polygons[0][0] == Point(latitude=36.10, longitude=112.22) == area.polygons[0][-1]
    assert "<identifier>AZ-YJ-20261201-001</identifier>" in alert.raw
    with pytest.raises(ValueError):
        alert.identifier = "other"  # frozen


def test_update_and_cancel_carry_their_references():
    update, cancel = fixture("update-hazmat.xml"), fixture("cancel-hazmat.xml")
    assert update.msg_type is CapMsgType.update and [str(r) for r in update.references] == [ALERT_REF]
    assert update.references[0] == CapKey(sender=SENDER, identifier="AZ-YJ-20261201-001",
                                          sent=datetime(2026, 12, 1, 0, tzinfo=UTC))
    assert cancel.msg_type is CapMsgType.cancel and cancel.infos == ()
    assert [str(r) for r in cancel.references] == [ALERT_REF, UPDATE_REF]


def test_circles_parameters_and_several_infos():
    alert = fixture("rainstorm-orange.xml")
    assert [i.language for i in alert.infos] == ["zh-CN", "en-US"]
    assert alert.infos[0].parameters == (NamedValue(name="预警级别", value="橙色"),)
    assert alert.infos[0].areas[0].circles == (Circle(centre=Point(latitude=36.15, longitude=112.28), radius_km=20),)
    geocoded = fixture("geocode-coldwave.xml")
    assert geocoded.infos[0].areas[0].geocodes == (NamedValue(name="GB/T 2260", value="141000"),)


BAD_FIXTURES = {
    "malformed.xml": "malformed.xml:5:36: malformed XML (mismatched tag); fix the document so that it is well-formed XML",
    "wrong-namespace.xml": "wrong-namespace.xml: <alert> is in the namespace 'urn:oasis:names:tc:emergency:cap:1.1'; "
                           "a CAP 1.2 alert must be in urn:oasis:names:tc:emergency:cap:1.2: ask the sender for CAP 1.2",
    "missing-field.xml": "missing-field.xml: <info> has no <severity>; add it (CAP 1.2 requires category, event, "
                         "urgency, severity and certainty)",
}


@pytest.mark.parametrize("name", sorted(BAD_FIXTURES))
def test_each_bad_fixture_is_one_line_exit_2(name):
    assert str(refusal(lambda: fixture(name))) == BAD_FIXTURES[name]


ISO = "write an ISO 8601 time with its offset, e.g. 2026-12-01T08:00:00+08:00"
ALERT_NEEDS = "(CAP 1.2 requires identifier, sender, sent, status, msgType and scope)"
POLYGON = "36.10,112.22 36.10,112.33 36.20,112.33 36.20,112.22 36.10,112.22"
BAD_FIELDS = [
    (("<severity>Severe", "<severity>Huge"),
     "<info><severity> is 'Huge'; use Extreme, Severe, Moderate, Minor or Unknown"),
    (("<msgType>Alert", "<msgType>Notice"), "<msgType> is 'Notice'; use Alert, Update, Cancel, Ack or Error"),
    (("<status>Actual", "<status>Real"), "<status> is 'Real'; use Actual, Exercise, Test, System or Draft"),
    (("<scope>Public", "<scope>Everyone"), "<scope> is 'Everyone'; use Public, Restricted or Private"),
    (("<urgency>Immediate", "<urgency>Now"), "<info><urgency> is 'Now'; use Immediate, Expected, Future, Past or Unknown"),
    (("<certainty>Likely", "<certainty>Sure"),
     "<info><certainty> is 'Sure'; use Observed, Likely, Possible, Unlikely or Unknown"),
    (("<sent>2026-12-01T08:00:00+08:00", "<sent>2026-12-01 08:00"), f"<sent> is '2026-12-01 08:00'; {ISO}"),
    (("<sent>2026-12-01T08:00:00+08:00", "<sent>2026-12-01T08:00:00"), f"<sent> is '2026-12-01T08:00:00'; {ISO}"),
    (("<onset>2026-12-01T08:00:00+08:00", "<onset>tomorrow"), f"<info><onset> is 'tomorrow'; {ISO}"),
    (("<expires>2026-12-02T08:00:00+08:00", "<expires>2026-13-02T08:00:00+08:00"),
     f"<info><expires> is '2026-13-02T08:00:00+08:00'; {ISO}"),
    (("<identifier>AZ-YJ-20261201-001</identifier>", ""), f"<alert> has no <identifier>; add it {ALERT_NEEDS}"),
    (("<sender>yjglj@anze.example.invalid</sender>", "<sender> </sender>"),
     f"<alert> has an empty <sender>; fill it in {ALERT_NEEDS}"),
    (("<identifier>AZ-YJ-20261201-001", "<identifier>AZ YJ"),
     "<identifier> is 'AZ YJ'; remove the spaces, commas, < and & (CAP forbids them there)"),
    (("<severity>Severe</severity>", "<severity>Severe</severity><severity>Minor</severity>"),
     "<info><severity> appears 2 times; keep one"),
    (("<category>Safety", "<category>Chemical"), "<info><category> is 'Chemical'; use Geo, Met, Safety, Security, "
                                                 "Rescue, Fire, Health, Env, Transport, Infra, CBRNE or Other"),
    (("36.20,112.22 36.10,112.22</polygon>", "36.20,112.22 36.11,112.22</polygon>"),
     "<info><area><polygon> is not closed (its last point differs from its first); repeat the first point at the end"),
    ((POLYGON, "36.10,112.22 36.10,112.33 36.10,112.22"),
     "<info><area><polygon> has 3 point(s); a CAP polygon needs at least 4, the last equal to the first"),
    (("36.10,112.33 36.20", "36.10;112.33 36.20"),
     "<info><area><polygon> point '36.10;112.33' is not lat,lon; write WGS 84 degrees such as 36.14,112.27"),
    (("36.10,112.33 36.20", "nan,112.33 36.20"),
     "<info><area><polygon> point 'nan,112.33' is not lat,lon; write WGS 84 degrees such as 36.14,112.27"),
    (("36.10,112.33 36.20", "136.10,112.33 36.20"), "<info><area><polygon> point '136.10,112.33' is off the globe; "
                                                    "latitude comes first (−90…90), then longitude (−180…180)"),
    ((f"<polygon>{POLYGON}</polygon>", "<circle>36.14,112.27 -3</circle>"),
     "<info><area><circle> is '36.14,112.27 -3'; write LAT,LON RADIUS_KM, e.g. 36.14,112.27 5"),
    ((f"<polygon>{POLYGON}</polygon>", "<circle>36.14,112.27</circle>"),
     "<info><area><circle> is '36.14,112.27'; write LAT,LON RADIUS_KM, e.g. 36.14,112.27 5"),
    (("<areaDesc>安泽经济技术开发区化工园区</areaDesc>", ""),
     "<info><area> has no <areaDesc>; add it (CAP 1.2 requires areaDesc)"),
    (("<msgType>Alert", "<msgType>Update"),
     "<alert> is an Update without <references>; name the alert it changes as sender,identifier,sent"),
    (("<msgType>Alert</msgType>", "<msgType>Cancel</msgType><references>a,b</references>"),
     "<references> entry 'a,b' is not sender,identifier,sent; write each alert it changes as sender,identifier,sent, "
     "e.g. qxj@example.invalid,QX-001,2026-12-01T08:00:00+08:00, separated by spaces"),
    (("<msgType>Alert</msgType>", "<msgType>Cancel</msgType><references>a,b,yesterday</references>"),
     f"<references> sent is 'yesterday'; {ISO}"),
    (("<info>", "<foo>"), ("</info>", "</foo>")),
    (("<value>11B99</value>", ""), "<info><eventCode> lacks <valueName> or <value>; give both"),
]


@pytest.mark.parametrize(("replacements", "problem"), [
    (c[:-1], c[-1]) if isinstance(c[-1], str) else (c, None) for c in BAD_FIELDS])
def test_each_bad_field_is_named_with_what_to_use(replacements, problem):
    problem = problem or ("<alert> is an Alert without <info>; add an <info> with its category, event, urgency, "
                          "severity and certainty")
    assert str(refusal(lambda: variant("alert-hazmat.xml", *replacements))) == f"alert-hazmat.xml: {problem}"


def test_a_cancel_may_come_without_info_but_an_alert_may_not_lack_required_fields_in_an_info():
    cancel = variant("cancel-hazmat.xml", ("<scope>Public", "<scope>Restricted"))
    assert cancel.scope is Scope.restricted and cancel.infos == ()


@pytest.mark.parametrize(("document", "line"), [
    (b"", "x.xml:1:1: malformed XML (no element found); fix the document so that it is well-formed XML"),
    (b"<alert", "x.xml:1:1: malformed XML (unclosed token); fix the document so that it is well-formed XML"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><alert>&lol2;</alert>',
     "x.xml: the document declares a DTD or entities; a CAP alert needs neither, remove them"),
    (b'<?xml version="1.0"?><!DOCTYPE alert SYSTEM "file:///etc/passwd"><alert/>',
     "x.xml: the document declares a DTD or entities; a CAP alert needs neither, remove them"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"/>',
     "x.xml: the root element is <feed>, not <alert>; give a CAP 1.2 alert document"),
    (b"<alert/>", "x.xml: <alert> is in the namespace (none); a CAP 1.2 alert must be in "
                  "urn:oasis:names:tc:emergency:cap:1.2: ask the sender for CAP 1.2"),
])
def test_bad_documents_and_xml_attacks_are_refused_in_one_line(document, line):
    assert str(refusal(lambda: read_cap(document, where="x.xml"))) == line


def test_size_limit_and_what_is_not_a_regular_file(tmp_path):
    assert str(refusal(lambda: read_cap(b" " * (1024 * 1024 + 1), where="big.xml"))) == (
        "big.xml: the alert is 1,048,577 bytes, over the 1 MiB limit; a CAP alert is far smaller: is this the right "
        "document?")
    assert str(refusal(lambda: read_cap_file(tmp_path, shown_as="dir"))) == (
        "dir: is a directory, not a regular file; give the path of a file")
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    assert str(refusal(lambda: read_cap_file(fifo))) == (
        f"{fifo}: is a FIFO (named pipe), not a regular file; give the path of a file")


def test_a_document_in_another_declared_encoding_is_read_and_kept_as_text():
    text = (CAP / "alert-hazmat.xml").read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="GB18030"')
    alert = read_cap(text.encode("gb18030"), where="gb.xml")
    assert alert.infos[0].event == "危险化学品泄漏" and "危险化学品泄漏" in alert.raw
