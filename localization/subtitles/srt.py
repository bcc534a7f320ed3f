"""SRT (and, through the same reader, WebVTT) text into cues.

Tolerated with a warning naming the first line where it happens: a dot instead of a comma before the
milliseconds (or a comma in WebVTT), missing cue numbers, CRLF line ends, a missing blank line between
cues, a blank line inside a cue's text. Errors, each naming its line (the cue is not read, and the
file cannot go live): a timing line that does not parse, negative times, an end before the start,
text with no timing line, markup that is not subtitle styling.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re

from localization.errors import SubtitleErrorCode
from localization.subtitles.cues import MAX_CUES, Cue, Findings
from localization.subtitles.markup import CueTextReader

_TIME = r"(-?)(?:(\d+):)?(\d+):(\d+)([,.])(\d{1,3})"
TIMING_RE = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(.*)$")
# A clean file (what tools write) is checked by one pattern and read by another in C, one row of groups
# per cue; anything else goes through the line reader below. Groups: identifier, start h m s ms, end h m
# s ms, the rest of the timing line, the text, the blank lines after it.
_CLEAN_TEXT = r"((?:[^\S\n]*+\S[^\n]*+(?:\n|\Z))*+)((?:[^\S\n]*+\n)*+)"
_CLEAN_SRT_CUE = (
    r"(\d+)[^\S\n]*\n"
    r"(\d\d+):([0-5]\d):([0-5]\d),(\d\d\d) --> (\d\d+):([0-5]\d):([0-5]\d),(\d\d\d)([^\S\n]*)\n" + _CLEAN_TEXT
)
_CLEAN_VTT_CUE = (
    r"(?:([^\n]*\S[^\n]*)\n)?"
    r"(?:(\d\d+):)?([0-5]\d):([0-5]\d)\.(\d\d\d)[^\S\n]+-->[^\S\n]+(?:(\d\d+):)?([0-5]\d):([0-5]\d)\.(\d\d\d)([^\n]*)\n"
    + _CLEAN_TEXT
)
CLEAN_SRT_RE, CLEAN_SRT_FILE_RE = re.compile(_CLEAN_SRT_CUE), re.compile(f"(?:{_CLEAN_SRT_CUE})*+")
CLEAN_VTT_RE, CLEAN_VTT_FILE_RE = re.compile(_CLEAN_VTT_CUE), re.compile(f"(?:{_CLEAN_VTT_CUE})*+")
# SRT as tools write it, to the letter: once the whole file matches, each block is cut by position.
_STRICT_SRT_CUE = (
    r"\d+\n\d\d:[0-5]\d:[0-5]\d,\d\d\d --> \d\d:[0-5]\d:[0-5]\d,\d\d\d\n"
    r"(?:[^\S\n]*+\S[^\n]*+(?:\n|\Z))*+(?:[^\S\n]*+\n)*+"
)
STRICT_SRT_FILE_RE = re.compile(f"(?:{_STRICT_SRT_CUE})*+")
_BLANK_RUN_RE = re.compile(r"(\n(?:[^\S\n]*\n)+)")
_FRACTION_MS = {f"{n:03d}": n for n in range(1000)}


class _ClockMs(dict[str, int]):
    """ "hh:mm:ss" -> ms, each computed once when first met (a few thousand keys at most)."""

    def __missing__(self, clock: str) -> int:
        value = self[clock] = (int(clock[0:2]) * 3600 + int(clock[3:5]) * 60 + int(clock[6:8])) * 1000
        return value


_CLOCK_MS = _ClockMs()


_LOOSE_TIME_RE = re.compile(r"^\s*-?\d+:\d{2}(?::\d{2})?[,.]\d")


class CueBlockReader:
    """Reads blank-line separated blocks of timing + text; the WebVTT reader adds its header and blocks."""

    webvtt = False
    numbered = True  # SRT cues carry numbers; WebVTT identifiers are optional
    expected_separator = ","

    def __init__(self, text: str, findings: Findings) -> None:
        self.findings = findings
        self.cues: list[Cue] = []
        self.text_reader = CueTextReader(findings, webvtt=self.webvtt)
        self.warned: set[SubtitleErrorCode] = set()
        self.text = text
        if "\r" in text:
            self.warn_once(
                SubtitleErrorCode.CRLF,
                "CR or CRLF line ends converted to LF.",
                text.count("\n", 0, text.index("\r")) + 1,
            )
            self.text = text.replace("\r\n", "\n").replace("\r", "\n")

    @functools.cached_property
    def lines(self) -> list[str]:
        """The text's lines, for the line reader (a clean file is read without them)."""
        return self.text.split("\n")

    def warn_once(self, code: SubtitleErrorCode, message: str, line: int) -> None:
        if code not in self.warned:
            self.warned.add(code)
            self.findings.warning(code, message, line=line)

    def read(self) -> list[Cue]:
        if self.read_clean():
            return self.cues
        self.cues = []
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

    clean_re, clean_file_re = CLEAN_SRT_RE, CLEAN_SRT_FILE_RE

    def read_clean(self) -> bool:
        """Read a file that follows the format to the letter with one pattern match per cue; False (and
        nothing kept, no finding made) at the first thing the pattern does not take, for the line reader."""
        findings, text_reader, warned = self.findings, self.text_reader, set(self.warned)
        self.findings = Findings()
        self.text_reader = CueTextReader(self.findings, webvtt=self.webvtt)
        clean = False
        try:
            clean = self._read_clean()
        finally:
            if clean:
                findings.extend(self.findings)
            else:
                self.cues, self.warned = [], warned
            self.findings, self.text_reader = findings, text_reader
        return clean

    def _read_clean(self) -> bool:
        if not self.webvtt and not self.text.startswith("\n"):
            return self._read_strict_srt()
        return self._read_clean_rows()

    def _read_strict_srt(self) -> bool:
        """SRT that matches the strict pattern: blocks split at blank lines, every step a list comprehension
        or a C call over all cues (this is the path nearly every upload takes)."""
        text = self.text
        if STRICT_SRT_FILE_RE.fullmatch(text) is None:
            return self._read_clean_rows()
        parts = _BLANK_RUN_RE.split(text)
        if not parts[-1]:
            parts.pop()
        blocks = parts[0::2]
        if text.count("-->") != len(blocks) or len(blocks) > MAX_CUES:  # a timing line inside a cue's text
            return False
        # block: number \n hh:mm:ss,mmm --> hh:mm:ss,mmm \n text lines (the pattern holds each to that)
        numbers_and_bodies = [block.split("\n", 2) for block in blocks]
        clock, fraction = _CLOCK_MS, _FRACTION_MS
        starts = [clock[head[1][0:8]] + fraction[head[1][9:12]] for head in numbers_and_bodies]
        ends = [clock[head[1][17:25]] + fraction[head[1][26:29]] for head in numbers_and_bodies]
        if starts != sorted(starts) or any(map(operator.le, ends, starts)):
            return False
        # each cue's timing line follows the lines of the blocks and blank lines before it
        spans = [block.count("\n") for block in blocks]
        gaps = [separator.count("\n") for separator in parts[1::2]]
        timing_lines = [2, *itertools.accumulate(span + gap for span, gap in zip(spans, gaps))]
        timing_lines[1:] = [2 + n for n in timing_lines[1:]]
        cues = self.cues
        reader_lines = self.text_reader.lines
        for index, (start_ms, end_ms, head) in enumerate(zip(starts, ends, numbers_and_bodies)):
            body = head[2].rstrip("\n") if len(head) == 3 else ""
            position = None
            lines: list[str]
            if not body:
                lines = []
            elif "<" in body or ">" in body or "&" in body or "{" in body:
                lines, position = reader_lines(body.split("\n"), first_line=timing_lines[index] + 1, cue=index)
            elif " \n" in body or "\t\n" in body or body.endswith((" ", "\t")):
                lines = [line.rstrip() for line in body.split("\n")]
            else:
                lines = body.split("\n")
            cues.append(Cue(start_ms, end_ms, lines, timing_lines[index], position, head[0]))
        return True

    def _read_clean_rows(self) -> bool:
        text = self.text
        line = self.read_header()
        position = sum(len(header) + 1 for header in self.lines[:line])
        while position < len(text) and text[position] == "\n":
            position += 1
            line += 1
        if self.clean_file_re.fullmatch(text, position) is None:
            return False
        rows = self.clean_re.findall(text, position)
        if len(rows) > MAX_CUES:
            return False
        cues = self.cues
        append = cues.append
        text_reader = self.text_reader
        previous_start = 0
        for identifier, h1, m1, s1, f1, h2, m2, s2, f2, rest, block, blanks in rows:
            start_ms = ((int(h1 or 0) * 60 + int(m1)) * 60 + int(s1)) * 1000 + int(f1)
            end_ms = ((int(h2 or 0) * 60 + int(m2)) * 60 + int(s2)) * 1000 + int(f2)
            if end_ms <= start_ms or start_ms < previous_start or "-->" in block:
                return False
            previous_start = start_ms
            timing_line = line + 2 if identifier else line + 1
            line = timing_line + block.count("\n") + blanks.count("\n")
            raw = block.rstrip().split("\n") if block else []
            if "<" in block or ">" in block or "&" in block or "{" in block:
                lines, cue_position = text_reader.lines(raw, first_line=timing_line + 1, cue=len(cues))
            elif " \n" in block or "\t\n" in block:
                lines, cue_position = [raw_line.rstrip() for raw_line in raw], None
            else:
                lines, cue_position = raw, None
            if rest and not rest.isspace():
                cue_position = cue_position or self.settings(rest, timing_line)
            append(Cue(start_ms, end_ms, lines, timing_line, cue_position, identifier.strip()))
        return True

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
        if before == first and self.numbered:
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
        lines, cue_position = self.text_reader.lines(
            self.lines[timing + 1 : end], first_line=line_number + 1, cue=cue_index
        )
        settings_position = self.settings(groups[12], line_number)
        self.cues.append(Cue(start_ms, end_ms, lines, line_number, cue_position or settings_position, identifier))

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
