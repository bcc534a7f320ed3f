"""SRT (and, through the same reader, WebVTT) text into cues.

Tolerated with a warning naming the first line where it happens: a dot instead of a comma before the
milliseconds (or a comma in WebVTT), missing cue numbers, CRLF line ends, a missing blank line between
cues, a blank line inside a cue's text. Errors, each naming its line (the cue is not read, and the
file cannot go live): a timing line that does not parse, negative times, an end before the start,
text with no timing line, markup that is not subtitle styling.
"""

from __future__ import annotations

import re

from localization.errors import SubtitleErrorCode
from localization.subtitles.cues import MAX_CUES, Cue, Findings
from localization.subtitles.markup import CueTextReader

_TIME = r"(-?)(?:(\d+):)?(\d+):(\d+)([,.])(\d{1,3})"
TIMING_RE = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(.*)$")
_LOOSE_TIME_RE = re.compile(r"^\s*-?\d+:\d{2}(?::\d{2})?[,.]\d")


class CueBlockReader:
    """Reads blank-line separated blocks of timing + text; the WebVTT reader adds its header and blocks."""

    webvtt = False
    expected_separator = ","

    def __init__(self, text: str, findings: Findings) -> None:
        self.findings = findings
        self.cues: list[Cue] = []
        self.text_reader = CueTextReader(findings, webvtt=self.webvtt)
        self.warned: set[SubtitleErrorCode] = set()
        if "\r" in text:
            self.warn_once(
                SubtitleErrorCode.CRLF,
                "CR or CRLF line ends converted to LF.",
                text.count("\n", 0, text.index("\r")) + 1,
            )
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.lines = text.split("\n")

    def warn_once(self, code: SubtitleErrorCode, message: str, line: int) -> None:
        if code not in self.warned:
            self.warned.add(code)
            self.findings.warning(code, message, line=line)

    def read(self) -> list[Cue]:
        lines = self.lines
        count = len(lines)
        index = self.read_header()
        while index < count:
            line = lines[index]
            if not line or line.isspace():
                index += 1
                continue
            end = index + 1
            while end < count and lines[end] and not lines[end].isspace():
                end += 1
            self.read_block(index, end)
            index = end
        return self.cues

    def read_header(self) -> int:
        return 0

    def read_block(self, start: int, end: int) -> None:
        lines = self.lines
        timings = [i for i in range(start, end) if "-->" in lines[i]]
        if not timings:
            self.read_loose_text(start, end)
            return
        first = timings[0]
        before = end_of_text = first
        if first > start and self.is_identifier(lines[first - 1]):
            before = first - 1
        if before > start:
            self.read_loose_text(start, before)
        if before == first:
            self.warn_once(
                SubtitleErrorCode.MISSING_CUE_NUMBER, "Cues without a number are numbered in order.", first + 1
            )
        for n, timing in enumerate(timings):
            end_of_text = timings[n + 1] if n + 1 < len(timings) else end
            if n + 1 < len(timings):
                self.warn_once(
                    SubtitleErrorCode.MISSING_BLANK_LINE,
                    "A cue follows another without a blank line between them.",
                    timing + 2,
                )
                if end_of_text - 1 > timing and self.is_identifier(lines[end_of_text - 1]):
                    end_of_text -= 1
            identifier = lines[timing - 1].strip() if timing > start and self.is_identifier(lines[timing - 1]) else ""
            self.read_cue(timing, end_of_text, identifier)

    def is_identifier(self, line: str) -> bool:
        return line.strip().isdigit()

    def read_loose_text(self, start: int, end: int) -> None:
        """Text with no timing line: the rest of the previous cue after a blank line, or an error."""
        for index in range(start, min(start + 2, end)):
            if _LOOSE_TIME_RE.search(self.lines[index]):
                self.findings.error(
                    SubtitleErrorCode.BAD_TIMESTAMP,
                    f"A timing line without '-->': {self.lines[index].strip()[:80]!r}.",
                    line=index + 1,
                )
                return
        if self.cues and self.cues[-1].line < start + 1:
            previous = self.cues[-1]
            more, _ = self.text_reader.lines(self.lines[start:end], first_line=start + 1, cue=len(self.cues) - 1)
            previous.lines.extend(more)
            self.warn_once(
                SubtitleErrorCode.BLANK_LINE_IN_CUE,
                "A blank line inside a cue's text; the text after it is kept in the cue.",
                start + 1,
            )
            return
        self.findings.error(
            SubtitleErrorCode.MISSING_TIMING,
            f"Text with no timing line before it: {self.lines[start].strip()[:60]!r}.",
            line=start + 1,
        )

    def read_cue(self, timing: int, end: int, identifier: str) -> None:
        line_number = timing + 1
        match = TIMING_RE.match(self.lines[timing])
        if match is None:
            self.findings.error(
                SubtitleErrorCode.BAD_TIMESTAMP,
                f"Not a timing line (hh:mm:ss,mmm --> hh:mm:ss,mmm): {self.lines[timing].strip()[:80]!r}.",
                line=line_number,
            )
            return
        groups = match.groups()
        start_ms = self.milliseconds(groups[0:6], line_number)
        end_ms = self.milliseconds(groups[6:12], line_number)
        if start_ms is None or end_ms is None:
            return
        if end_ms <= start_ms:
            self.findings.error(
                SubtitleErrorCode.END_BEFORE_START,
                "The cue ends before it starts." if end_ms < start_ms else "The cue ends when it starts.",
                line=line_number,
            )
            return
        if len(self.cues) >= MAX_CUES:
            if SubtitleErrorCode.TOO_MANY_CUES not in self.warned:
                self.warned.add(SubtitleErrorCode.TOO_MANY_CUES)
                self.findings.error(SubtitleErrorCode.TOO_MANY_CUES, f"More than {MAX_CUES} cues.", line=line_number)
            return
        cue_index = len(self.cues)
        lines, position = self.text_reader.lines(
            self.lines[timing + 1 : end], first_line=line_number + 1, cue=cue_index
        )
        settings_position = self.settings(groups[12], line_number)
        self.cues.append(Cue(start_ms, end_ms, lines, line_number, position or settings_position, identifier))

    def milliseconds(self, groups: tuple[str, ...], line_number: int) -> int | None:
        negative, hours, minutes, seconds, separator, fraction = groups
        if negative:
            self.findings.error(SubtitleErrorCode.NEGATIVE_TIME, "A negative time.", line=line_number)
            return None
        minutes_n, seconds_n = int(minutes), int(seconds)
        if minutes_n > 59 or seconds_n > 59:
            self.findings.error(
                SubtitleErrorCode.BAD_TIMESTAMP, "Minutes and seconds run from 00 to 59.", line=line_number
            )
            return None
        if separator != self.expected_separator:
            self.warn_once(
                SubtitleErrorCode.MILLISECOND_SEPARATOR,
                f"{separator!r} before the milliseconds (the format uses {self.expected_separator!r}).",
                line_number,
            )
        millis = int(fraction) * (1, 100, 10, 1)[len(fraction)]
        return ((int(hours or 0) * 60 + minutes_n) * 60 + seconds_n) * 1000 + millis

    def settings(self, rest: str, line_number: int) -> int | None:
        if rest.strip():
            self.warn_once(
                SubtitleErrorCode.TRAILING_TEXT,
                f"Text after the timing is ignored: {rest.strip()[:40]!r}.",
                line_number,
            )
        return None


def srt_read(text: str, findings: Findings) -> list[Cue]:
    """The cues of an SRT file's text (already decoded), with findings added to `findings`."""
    return CueBlockReader(text, findings).read()
