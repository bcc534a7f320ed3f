"""Cue text from SRT and WebVTT into the canonical form of cues.py, keeping only subtitle styling.

Kept: <i>, <b>, <u>. Positioning (ASS/SSA `{\\an8}` overrides) becomes the cue's position. Dropped
with a warning: <font ...>, WebVTT's <c>, <v>, <lang>, <ruby>/<rt> and karaoke timestamps (the text
stays), other ASS overrides. Anything else that looks like a tag (<script>, <img>, <a> ...) is an error.
"""

from __future__ import annotations

import html
import re

from localization.errors import SubtitleErrorCode
from localization.subtitles.cues import Findings, escape_text

_MARKUP_RE = re.compile(r"<[^<>]*>|\{\\[^{}]*\}")
_TAG_RE = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)[^<>]*>|<\s*(/?)\s*(\d[\d:.]*)\s*>")
_ASS_POSITION_RE = re.compile(r"\\an([1-9])")
_ASS_STYLE_RE = re.compile(r"\\([ibu])([01])")
_KEPT = {"i", "b", "u"}
_DROPPED_SRT = {"font"}
_DROPPED_VTT = {"c", "v", "lang", "ruby", "rt", "font"}
# A line whose only markup is <i>, <b>, <u> in lower case is already in canonical form.
_CANONICAL_RE = re.compile(r"(?:[^<>&{]++|</?[ibu]>)*+")


class CueTextReader:
    """Reads the text lines of one file's cues; warns once per file about what it drops."""

    def __init__(self, findings: Findings, *, webvtt: bool) -> None:
        self.findings = findings
        self.webvtt = webvtt
        self.dropped = _DROPPED_VTT if webvtt else _DROPPED_SRT
        self.warned_dropped = False

    def lines(self, raw: list[str], *, first_line: int, cue: int | None) -> tuple[list[str], int | None]:
        """The cue's lines in canonical form, and its position from an ASS override (if any)."""
        position: int | None = None
        out: list[str] = []
        for offset, line in enumerate(raw):
            line = line.rstrip()
            if _CANONICAL_RE.fullmatch(line):
                out.append(line)
                continue
            text, found = self._line(line, line_number=first_line + offset, cue=cue)
            if found is not None:
                position = found
            out.append(text)
        return out, position

    def _line(self, line: str, *, line_number: int, cue: int | None) -> tuple[str, int | None]:
        position: int | None = None
        parts: list[str] = []
        last = 0
        for match in _MARKUP_RE.finditer(line):
            parts.append(self._text(line[last : match.start()]))
            last = match.end()
            markup = match.group()
            if markup.startswith("{"):
                parts.append(self._ass(markup, line_number))
                found = _ASS_POSITION_RE.search(markup)
                if found:
                    position = int(found.group(1))
                continue
            tag = _TAG_RE.fullmatch(markup)
            if tag is None:
                self.findings.error(
                    SubtitleErrorCode.MARKUP_NOT_ALLOWED,
                    f"{markup[:40]!r} is not subtitle styling; only <i>, <b> and <u> are kept.",
                    line=line_number,
                    cue=cue,
                )
                parts.append(escape_text(markup))
                continue
            closing, name = tag.group(1) or tag.group(3), (tag.group(2) or "").lower()
            if name in _KEPT:
                parts.append(f"</{name}>" if closing else f"<{name}>")
            elif name in self.dropped or (self.webvtt and tag.group(4)):
                self._dropped(line_number, markup)
            else:
                self.findings.error(
                    SubtitleErrorCode.MARKUP_NOT_ALLOWED,
                    f"<{closing}{name}> is not subtitle styling; only <i>, <b> and <u> are allowed.",
                    line=line_number,
                    cue=cue,
                )
                parts.append(escape_text(markup))
        parts.append(self._text(line[last:]))
        return "".join(parts), position

    def _text(self, text: str) -> str:
        if not text:
            return text
        # WebVTT escapes &, < and > as entities; SRT has no escapes, its text is literal.
        if self.webvtt and "&" in text:
            text = html.unescape(text)
        return escape_text(text)

    def _ass(self, markup: str, line_number: int) -> str:
        """An ASS override block: italic/bold/underline switches become tags, positions are taken by the
        caller, anything else is dropped with a warning."""
        kept = []
        rest = _ASS_POSITION_RE.sub("", markup[1:-1])
        for switch, on in _ASS_STYLE_RE.findall(rest):
            kept.append(f"<{switch}>" if on == "1" else f"</{switch}>")
        rest = _ASS_STYLE_RE.sub("", rest).replace("\\", "").strip()
        if rest:
            self._dropped(line_number, markup)
        return "".join(kept)

    def _dropped(self, line_number: int, markup: str) -> None:
        if not self.warned_dropped:
            self.warned_dropped = True
            self.findings.warning(
                SubtitleErrorCode.STYLING_DROPPED,
                f"Styling other than italic, bold, underline and position is dropped (first: {markup[:40]!r}).",
                line=line_number,
            )
