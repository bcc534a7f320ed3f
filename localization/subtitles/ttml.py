"""TTML / IMSC (and older DFXP) into cues, parsed safely.

lxml reads the file with entities unresolved, no network, no DTD loaded and its size caps on (huge_tree
off); a document with a DOCTYPE is refused outright (xml_entities_refused), so a billion-laughs file
never expands. Each <p> is a cue; its timing comes from begin/end/dur on it and its ancestors (clock
times, frames and offsets such as 1.5s, 90f, 10000t). Spans styled italic, bold or underlined, directly
or through referenced styles, keep that styling; <br/> breaks lines; a region at the top (displayAlign
before) gives the cue a top position. Elements that are not TTML inside a cue are refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lxml import etree

from localization.errors import SubtitleErrorCode, SubtitleRefusedError
from localization.subtitles.cues import MAX_CUES, Cue, Findings, escape_text

TT_NAMESPACES = ("http://www.w3.org/ns/ttml", "http://www.w3.org/2006/10/ttaf1", "http://www.w3.org/2006/04/ttaf1")
MAX_DEPTH = 64  # a TTML document is under 10 deep

_CLOCK_RE = re.compile(r"^(\d{2,}):(\d{2}):(\d{2})(?:\.(\d+)|:(\d{2,})(?:\.(\d+))?)?$")
_OFFSET_RE = re.compile(r"^(\d+(?:\.\d+)?)(h|m|s|ms|f|t)$")
_PERCENT_PAIR_RE = re.compile(r"^\s*(-?[\d.]+)%\s+(-?[\d.]+)%\s*$")


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _namespace(tag: object) -> str:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


@dataclass(slots=True)
class _Timing:
    frame_rate: float = 30.0
    sub_frame_rate: float = 1.0
    tick_rate: float = 1.0


class TtmlReader:
    def __init__(self, data: bytes, findings: Findings) -> None:
        self.data = data
        self.findings = findings
        self.cues: list[Cue] = []
        self.timing = _Timing()
        self.styles: dict[str, set[str]] = {}
        self.regions: dict[str, int | None] = {}
        self.tt_ns = ""
        self.encoding = "utf-8"

    # --- the document ----------------------------------------------------------------------------

    def parse(self) -> etree._Element:
        found = [at for at in (self.data.find(b"<!DOCTYPE"), self.data.find(b"<!ENTITY")) if at >= 0]
        if found:
            raise SubtitleRefusedError(
                "The document declares a DOCTYPE or entities; TTML uses none, and they are not read.",
                code=SubtitleErrorCode.XML_ENTITIES_REFUSED,
                line=self.data.count(b"\n", 0, min(found)) + 1,
            )
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            root = etree.fromstring(self.data, parser)
        except etree.XMLSyntaxError as error:
            message = str(error)
            code = SubtitleErrorCode.MALFORMED_XML
            if "entity" in message.lower() or "amplification" in message.lower():
                code = SubtitleErrorCode.XML_ENTITIES_REFUSED
            raise SubtitleRefusedError(
                f"Not well-formed XML: {message}", code=code, line=error.lineno or None
            ) from error
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:  # a DOCTYPE in UTF-16 escapes the byte check
            raise SubtitleRefusedError(
                "The document declares a DOCTYPE; TTML uses none, and entities are not read.",
                code=SubtitleErrorCode.XML_ENTITIES_REFUSED,
                line=1,
            )
        self.encoding = (docinfo.encoding or "UTF-8").lower()
        if _local(root.tag) != "tt" or _namespace(root.tag) not in TT_NAMESPACES:
            raise SubtitleRefusedError(
                "Not a TTML document: the root must be <tt> in the http://www.w3.org/ns/ttml namespace.",
                code=SubtitleErrorCode.NOT_TTML,
                line=root.sourceline,
            )
        self.tt_ns = _namespace(root.tag)
        return root

    def read(self) -> list[Cue]:
        root = self.parse()
        self.read_parameters(root)
        head = self.child(root, "head")
        if head is not None:
            self.read_styles(head)
            self.read_regions(head)
        body = self.child(root, "body")
        if body is not None:
            self.read_timed(body, 0, None, depth=1)
        return self.cues

    def child(self, element: etree._Element, name: str) -> etree._Element | None:
        return element.find(f"{{{self.tt_ns}}}{name}")

    def attribute(self, element: etree._Element, name: str) -> str | None:
        """A ttp:/tts: attribute in whatever namespace revision the document uses."""
        for key, value in element.attrib.items():
            if _local(key) == name and _namespace(key).startswith(self.tt_ns):
                return value
        return None

    def read_parameters(self, root: etree._Element) -> None:
        try:
            rate = self.attribute(root, "frameRate")
            if rate:
                self.timing.frame_rate = float(rate)
                multiplier = (self.attribute(root, "frameRateMultiplier") or "").split()
                if len(multiplier) == 2:
                    self.timing.frame_rate *= float(multiplier[0]) / float(multiplier[1])
            sub = self.attribute(root, "subFrameRate")
            if sub:
                self.timing.sub_frame_rate = float(sub)
            tick = self.attribute(root, "tickRate")
            if tick:
                self.timing.tick_rate = float(tick)
            elif rate:
                self.timing.tick_rate = self.timing.frame_rate * self.timing.sub_frame_rate
        except (ValueError, ZeroDivisionError):
            self.findings.error(
                SubtitleErrorCode.BAD_TIMESTAMP, "The frame or tick rate is not a number.", line=root.sourceline
            )

    def read_styles(self, head: etree._Element) -> None:
        styling = self.child(head, "styling")
        if styling is None:
            return
        pending: dict[str, list[str]] = {}
        for style in styling.iterchildren(f"{{{self.tt_ns}}}style"):
            style_id = style.get("{http://www.w3.org/XML/1998/namespace}id")
            if style_id:
                self.styles[style_id] = self.inline_styling(style)
                pending[style_id] = (style.get("style") or "").split()
        for style_id, referenced in pending.items():  # one level of style chaining, as used in practice
            for other in referenced:
                self.styles[style_id] |= self.styles.get(other, set())

    def read_regions(self, head: etree._Element) -> None:
        layout = self.child(head, "layout")
        if layout is None:
            return
        for region in layout.iterchildren(f"{{{self.tt_ns}}}region"):
            region_id = region.get("{http://www.w3.org/XML/1998/namespace}id")
            if not region_id:
                continue
            row = 0
            display_align = self.attribute(region, "displayAlign")
            origin = _PERCENT_PAIR_RE.match(self.attribute(region, "origin") or "")
            if display_align == "before" or (display_align is None and origin and float(origin.group(2)) < 40):
                row = 2
            elif display_align == "center":
                row = 1
            column = self.column(region)
            self.regions[region_id] = None if row == 0 and column == 2 else row * 3 + column

    def column(self, element: etree._Element) -> int:
        align = self.attribute(element, "textAlign")
        return 1 if align in ("left", "start") else 3 if align in ("right", "end") else 2

    def inline_styling(self, element: etree._Element) -> set[str]:
        found = set()
        if self.attribute(element, "fontStyle") in ("italic", "oblique"):
            found.add("i")
        if self.attribute(element, "fontWeight") == "bold":
            found.add("b")
        if "underline" in (self.attribute(element, "textDecoration") or ""):
            found.add("u")
        return found

    def styling_of(self, element: etree._Element) -> set[str]:
        found = self.inline_styling(element)
        for style_id in (element.get("style") or "").split():
            found |= self.styles.get(style_id, set())
        return found

    # --- timing ----------------------------------------------------------------------------------

    def time(self, value: str, line: int) -> int | None:
        value = value.strip()
        timing = self.timing
        clock = _CLOCK_RE.match(value)
        if clock:
            hours, minutes, seconds, fraction, frames, sub_frames = clock.groups()
            if int(minutes) > 59 or int(seconds) > 59:
                clock = None
            else:
                total: float = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
                if fraction:
                    total += float(f"0.{fraction}")
                if frames:
                    total += int(frames) / timing.frame_rate
                    if sub_frames:
                        total += int(sub_frames) / (timing.frame_rate * timing.sub_frame_rate)
                return round(total * 1000)
        offset = _OFFSET_RE.match(value)
        if offset:
            number, unit = float(offset.group(1)), offset.group(2)
            seconds_per_unit = {
                "h": 3600.0,
                "m": 60.0,
                "s": 1.0,
                "ms": 0.001,
                "f": 1 / timing.frame_rate,
                "t": 1 / timing.tick_rate,
            }[unit]
            return round(number * seconds_per_unit * 1000)
        if value.startswith("-"):
            self.findings.error(SubtitleErrorCode.NEGATIVE_TIME, f"A negative time: {value!r}.", line=line)
        else:
            self.findings.error(
                SubtitleErrorCode.BAD_TIMESTAMP, f"Not a TTML time expression: {value[:40]!r}.", line=line
            )
        return None

    def interval(
        self, element: etree._Element, parent_begin: int, parent_end: int | None
    ) -> tuple[int, int | None] | None:
        line = element.sourceline or 0
        begin_value, end_value, dur_value = element.get("begin"), element.get("end"), element.get("dur")
        begin = parent_begin
        if begin_value is not None:
            offset = self.time(begin_value, line)
            if offset is None:
                return None
            begin = parent_begin + offset
        end = parent_end
        if end_value is not None:
            offset = self.time(end_value, line)
            if offset is None:
                return None
            end = parent_begin + offset
        elif dur_value is not None:
            duration = self.time(dur_value, line)
            if duration is None:
                return None
            end = begin + duration
        if end is not None and parent_end is not None:
            end = min(end, parent_end)
        return begin, end

    def read_timed(self, element: etree._Element, parent_begin: int, parent_end: int | None, *, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise SubtitleRefusedError(
                f"Elements nest deeper than {MAX_DEPTH} levels.",
                code=SubtitleErrorCode.XML_TOO_DEEP,
                line=element.sourceline,
            )
        interval = self.interval(element, parent_begin, parent_end)
        if interval is None:
            return
        begin, end = interval
        for child in element.iterchildren():
            name = _local(child.tag)
            if _namespace(child.tag) != self.tt_ns:
                if _namespace(child.tag).startswith(self.tt_ns):  # ttm:, tts: ... metadata
                    continue
                self.foreign(child)
            elif name == "div":
                self.read_timed(child, begin, end, depth=depth + 1)
            elif name == "p":
                self.read_cue(child, begin, end, region=element.get("region"))
            elif name not in ("metadata", "set"):
                self.foreign(child)

    def foreign(self, element: etree._Element) -> None:
        self.findings.error(
            SubtitleErrorCode.MARKUP_NOT_ALLOWED,
            f"<{_local(element.tag)}> is not TTML subtitle content.",
            line=element.sourceline,
        )

    # --- one cue ---------------------------------------------------------------------------------

    def read_cue(self, p: etree._Element, parent_begin: int, parent_end: int | None, region: str | None) -> None:
        line = p.sourceline or 0
        interval = self.interval(p, parent_begin, parent_end)
        if interval is None:
            return
        begin, end = interval
        if end is None:
            self.findings.error(SubtitleErrorCode.MISSING_TIMING, "A cue with no end (no end or dur).", line=line)
            return
        if end <= begin:
            self.findings.error(
                SubtitleErrorCode.END_BEFORE_START,
                "The cue ends before it starts." if end < begin else "The cue ends when it starts.",
                line=line,
            )
            return
        if len(self.cues) >= MAX_CUES:
            raise SubtitleRefusedError(f"More than {MAX_CUES} cues.", code=SubtitleErrorCode.TOO_MANY_CUES, line=line)
        lines: list[list[str]] = [[]]
        self.read_content(p, lines, [], depth=0)
        # Empty lines (<br/><br/>, or only spaces) are dropped: in WebVTT a blank line ends the cue.
        text = [joined for parts in lines if (joined := " ".join(unicodedata.normalize("NFC", "".join(parts)).split()))]
        region_id = p.get("region") or region
        position = self.regions.get(region_id) if region_id else None
        column = self.column(p)
        if column != 2:
            position = (((position or 2) - 1) // 3) * 3 + column
        self.cues.append(Cue(begin, end, text, line, position, p.get("{http://www.w3.org/XML/1998/namespace}id") or ""))

    def read_content(
        self, element: etree._Element, lines: list[list[str]], open_tags: list[str], *, depth: int
    ) -> None:
        if depth > MAX_DEPTH:
            raise SubtitleRefusedError(
                f"Elements nest deeper than {MAX_DEPTH} levels.",
                code=SubtitleErrorCode.XML_TOO_DEEP,
                line=element.sourceline,
            )
        tags = sorted(self.styling_of(element) - set(open_tags))
        for tag in tags:
            lines[-1].append(f"<{tag}>")
        open_tags = open_tags + tags
        if element.text:
            lines[-1].append(escape_text(element.text))
        for child in element.iterchildren():
            name = _local(child.tag)
            if _namespace(child.tag) != self.tt_ns:
                if not _namespace(child.tag).startswith(self.tt_ns):
                    self.foreign(child)
            elif name == "br":
                for tag in reversed(open_tags):
                    lines[-1].append(f"</{tag}>")
                lines.append([f"<{tag}>" for tag in open_tags])
            elif name == "span":
                self.read_content(child, lines, open_tags, depth=depth + 1)
            elif name not in ("metadata", "set"):
                self.foreign(child)
            if child.tail:
                lines[-1].append(escape_text(child.tail))
        for tag in reversed(tags):
            lines[-1].append(f"</{tag}>")


def ttml_read(data: bytes, findings: Findings) -> tuple[list[Cue], str]:
    """The cues of a TTML document, and the encoding it declared (lxml decodes it)."""
    reader = TtmlReader(data, findings)
    cues = reader.read()
    return cues, reader.encoding
