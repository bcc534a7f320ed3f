"""Media RSS 2.0 (https://www.rssboard.org/media-rss) for a partner's catalogue."""

from __future__ import annotations

from email.utils import format_datetime

from lxml import etree

MEDIA = "http://search.yahoo.com/mrss/"
ATOM = "http://www.w3.org/2005/Atom"


def mrss_feed(*, title: str, link: str, language: str, items: list[dict]) -> bytes:
    rss = etree.Element("rss", version="2.0", nsmap={"media": MEDIA, "atom": ATOM})
    channel = etree.SubElement(rss, "channel")
    etree.SubElement(channel, "title").text = title
    etree.SubElement(channel, "link").text = link
    etree.SubElement(channel, "description").text = "Licensed short dramas available now."
    etree.SubElement(channel, "language").text = language
    etree.SubElement(channel, f"{{{ATOM}}}link", href=link, rel="self", type="application/rss+xml")
    for row in items:
        item = etree.SubElement(channel, "item")
        etree.SubElement(item, "title").text = row["title"]
        etree.SubElement(item, "link").text = row["link"]
        etree.SubElement(item, "guid", isPermaLink="false").text = f"migu:title:{row['id']}"
        etree.SubElement(item, "description").text = row["synopsis_short"] or row["title"]
        etree.SubElement(item, "pubDate").text = format_datetime(row["updated_at"])
        for genre in row["genres"]:
            etree.SubElement(item, f"{{{MEDIA}}}category", scheme="urn:migu:genre").text = genre
        for trope in row["tropes"]:
            etree.SubElement(item, f"{{{MEDIA}}}category", scheme="urn:migu:trope").text = trope
        etree.SubElement(item, f"{{{MEDIA}}}title").text = row["title"]
        for artwork in row["artworks"]:
            attrs = {"url": artwork["url"]}
            if artwork["width"]:
                attrs.update(width=str(artwork["width"]), height=str(artwork["height"]))
            etree.SubElement(item, f"{{{MEDIA}}}thumbnail", **attrs)
    return etree.tostring(rss, xml_declaration=True, encoding="utf-8", pretty_print=True)
