"""Where CAP alerts come from in bulk: an Atom or RSS 2.0 feed of CAP entries, or a folder files are dropped in.
Pure: the `warn` flow fetches the feed and each URL (httpx) and reads each document with tasks.cap.parse.

    read_feed(data, where=…, base_url=None) → Feed   its entries (FeedEntry) in the feed's order; each either carries
        its CAP document inline (`document`: bytes, an <alert> inside Atom <content> or an RSS <item>) or
        names it (`url`: the link typed application/cap+xml, an RSS <enclosure> of that type, else the entry's
        alternate link / the item's <link>), resolved against `base_url` (or the feed's xml:base)
    read_folder(path) → (Path…)   the folder's `*.xml` files (regular files) in name order

An entry that names no CAP document, or only one that is not http(s), is left out (`skipped` counts them).
A feed that is not well-formed XML, or neither Atom nor RSS 2.0, is one InputError line, exit code 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, tostring

from pydantic import BaseModel, ConfigDict

from models.errors import InputError
from tasks.cap.fields import EXIT_CODE
from tasks.cap.parse import NS, parse_xml

ATOM = "{http://www.w3.org/2005/Atom}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
CAP_TYPE = "application/cap+xml"
FEED_MAX_BYTES = 8 * 1024 * 1024


class FeedEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str = ""
    url: str | None = None
    document: bytes | None = None


class Feed(BaseModel):
    model_config = ConfigDict(frozen=True)

    entries: tuple[FeedEntry, ...]
    skipped: int = 0


def read_feed(data: bytes, *, where: str, base_url: str | None = None) -> Feed:
    if len(data) > FEED_MAX_BYTES:
        raise InputError(f"{where}: the feed is {len(data):,} bytes, over the 8 MiB limit; page it",
                         exit_code=EXIT_CODE)
    root = parse_xml(data, where)
    base = urljoin(base_url or "", root.get(XML_BASE, ""))
    if root.tag == ATOM + "feed":
        found = [_atom_entry(e, base) for e in root.findall(ATOM + "entry")]
    elif root.tag == "rss" and root.find("channel") is not None:
        found = [_rss_item(i, base) for i in root.find("channel").findall("item")]
    else:
        raise InputError(f"{where}: the root element is <{root.tag.rpartition('}')[2]}>, not an Atom <feed> or an "
                         "RSS 2.0 <rss>; give a feed of CAP alerts", exit_code=EXIT_CODE)
    entries = tuple(e for e in found if e is not None)
    return Feed(entries=entries, skipped=len(found) - len(entries))


def _inline(element: Element | None) -> bytes | None:
    alert = element.find("{" + NS + "}alert") if element is not None else None
    if alert is None:
        return None
    try:
        return tostring(alert, encoding="utf-8", default_namespace=NS, xml_declaration=True)
    except ValueError:  # an element of another namespace inside: keep the prefixes
        return tostring(alert, encoding="utf-8", xml_declaration=True)


def _web(base: str, href: str | None) -> str | None:
    if not href or not href.strip():
        return None
    url = urljoin(base, href.strip())
    return url if urlsplit(url).scheme in ("http", "https") else None


def _atom_entry(entry: Element, base: str) -> FeedEntry | None:
    base = urljoin(base, entry.get(XML_BASE, ""))
    title = (entry.findtext(ATOM + "title") or "").strip()
    document = _inline(entry.find(ATOM + "content"))
    if document is not None:
        return FeedEntry(title=title, document=document)
    links = entry.findall(ATOM + "link")
    typed = [link for link in links if (link.get("type") or "").strip().lower() == CAP_TYPE]
    plain = [link for link in links if link.get("rel", "alternate") == "alternate"]
    url = next((u for link in typed + plain if (u := _web(base, link.get("href")))), None)
    return FeedEntry(title=title, url=url) if url else None


def _rss_item(item: Element, base: str) -> FeedEntry | None:
    title = (item.findtext("title") or "").strip()
    document = _inline(item)
    if document is not None:
        return FeedEntry(title=title, document=document)
    typed = [e.get("url") for e in item.findall("enclosure") if (e.get("type") or "").strip().lower() == CAP_TYPE]
    url = next((u for href in [*typed, item.findtext("link")] if (u := _web(base, href))), None)
    return FeedEntry(title=title, url=url) if url else None


def read_folder(path: Path | str) -> tuple[Path, ...]:
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder; give the folder CAP files are dropped in", exit_code=EXIT_CODE)
    with os.scandir(folder) as found:
        names = sorted(e.name for e in found if e.name.lower().endswith(".xml") and e.is_file(follow_symlinks=False)
                       and not e.name.startswith("."))
    return tuple(folder / name for name in names)
