"""Property: whatever bytes arrive as a CAP alert or a feed, the ingest reads them or refuses them in one line.

Arbitrary bytes, and the fixtures with bytes changed (so that mutations reach past the XML parser into the field
checks), give a CapAlert / Feed / CapDecision or an InputError with exit code 2 on one line — nothing else.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.errors import InputError
from tasks.cap.feed import read_feed
from tasks.cap.interpret import interpret
from tasks.cap.parse import read_cap
from tests.cap_support import CAP, MAPS, NOW, PARK

SETTINGS = settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
SEEDS = [p.read_bytes() for p in sorted(CAP.glob("*.xml"))]
SPECIAL = [b"<", b">", b"&", b"&amp;", b"\x00", b"\xff", b"\xe4\xb8", b",", b" ", b"\n", b"-", b"+", b":", b"T",
           b"nan", b"1e999", b"99", b"<info>", b"</info>", b"<!DOCTYPE a [<!ENTITY b 'c'>]>", b'encoding="GBK"',
           b"urn:oasis:names:tc:emergency:cap:1.1", b"Update", b"Cancel", b"Exercise", b"Unknown", b"]]>", b"<![CDATA["]


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 12))
        data[at:at + cut] = draw(st.sampled_from(SPECIAL) | st.binary(max_size=6))
    return bytes(data)


def _clean(call) -> None:
    try:
        call()
    except InputError as exc:
        assert exc.exit_code == 2 and "\n" not in str(exc) and str(exc).startswith("x.xml")


def _ingest(data: bytes) -> None:
    alert = read_cap(data, where="x.xml")
    interpret(alert, park=PARK, maps=MAPS, now=NOW)
    interpret(alert, park=PARK, maps=MAPS, now=NOW, drill=True, playbook="fire")


@SETTINGS
@given(st.binary(max_size=2000) | mutated())
def test_any_bytes_as_an_alert_are_read_or_refused_in_one_line(data):
    _clean(lambda: _ingest(data))


@SETTINGS
@given(st.binary(max_size=2000) | mutated())
def test_any_bytes_as_a_feed_are_read_or_refused_in_one_line(data):
    _clean(lambda: read_feed(data, where="x.xml", base_url="https://cap.example.invalid/"))
