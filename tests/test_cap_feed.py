"""Feeds of CAP alerts (issue 13, item 3): the documents an Atom or RSS feed, or a drop folder, holds."""

from __future__ import annotations

import os

import pytest

from models.errors import InputError
from tasks.cap.feed import read_feed, read_folder
from tasks.cap.interpret import DecisionKind, interpret
from tasks.cap.parse import read_cap
from tests.cap_support import CAP, MAPS, NOW, PARK, fixture_bytes


def test_atom_entries_typed_link_alternate_link_inline_and_one_left_out():
    feed = read_feed(fixture_bytes("feed-atom.xml"), where="feed-atom.xml")
    assert [(e.title, e.url, e.document is not None) for e in feed.entries] == [
        ("化工园区周边危险化学品泄漏预警", "https://alerts.example.invalid/cap/AZ-YJ-20261201-001.xml", False),
        ("暴雨橙色预警", "https://alerts.example.invalid/cap/AZ-QX-20261201-004.xml", False),
        ("寒潮预警", None, True),
    ]
    assert feed.skipped == 1  # an ftp: link is no CAP document ParkLink fetches
    inline = read_cap(feed.entries[2].document, where="feed-atom.xml#3")
    assert (inline.identifier, inline.infos[0].event) == ("LF-QX-20261201-002", "寒潮")
    assert interpret(inline, park=PARK, maps=MAPS, now=NOW).kind is DecisionKind.alert


def test_rss_enclosure_then_link_and_non_web_links_left_out():
    feed = read_feed(fixture_bytes("feed-rss.xml"), where="feed-rss.xml")
    assert [(e.title, e.url) for e in feed.entries] == [
        ("寒潮预警", "https://alerts.example.invalid/cap/LF-QX-20261201-002.xml"),
        ("暴雨橙色预警", "https://alerts.example.invalid/cap/AZ-QX-20261201-004.xml"),
    ]
    assert feed.skipped == 1  # file:///etc/passwd


def test_relative_links_resolve_against_the_feed_url():
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title><link href="a/1.xml"/></entry>'
            b'</feed>')
    feed = read_feed(atom, where="f", base_url="https://cap.example.invalid/feeds/atom.xml")
    assert feed.entries[0].url == "https://cap.example.invalid/feeds/a/1.xml"
    assert read_feed(atom, where="f").entries == ()  # no base: a relative link names nothing fetchable


@pytest.mark.parametrize(("document", "line"), [
    (b"<rss version='2.0'><channel><item></channel></rss>",
     "f.xml:1:37: malformed XML (mismatched tag); fix the document so that it is well-formed XML"),
    (b"<html/>", "f.xml: the root element is <html>, not an Atom <feed> or an RSS 2.0 <rss>; give a feed of CAP alerts"),
    (b"<rss version='2.0'/>",
     "f.xml: the root element is <rss>, not an Atom <feed> or an RSS 2.0 <rss>; give a feed of CAP alerts"),
    (b'<!DOCTYPE x [<!ENTITY a "b">]><rss/>',
     "f.xml: the document declares a DTD or entities; a CAP alert needs neither, remove them"),
])
def test_a_bad_feed_is_one_line_exit_2(document, line):
    with pytest.raises(InputError) as caught:
        read_feed(document, where="f.xml")
    assert (str(caught.value), caught.value.exit_code) == (line, 2)


def test_a_folder_gives_its_xml_files_in_name_order(tmp_path):
    for name in ("b.xml", "a.XML", "c.txt", ".hidden.xml"):
        (tmp_path / name).write_bytes((CAP / "alert-hazmat.xml").read_bytes())
    (tmp_path / "d.xml").mkdir()
    os.symlink(CAP / "alert-hazmat.xml", tmp_path / "e.xml")
    assert [p.name for p in read_folder(tmp_path)] == ["a.XML", "b.xml"]
    with pytest.raises(InputError) as caught:
        read_folder(tmp_path / "c.txt")
    assert (str(caught.value), caught.value.exit_code) == (
        f"{tmp_path / 'c.txt'}: not a folder; give the folder CAP files are dropped in", 2)
