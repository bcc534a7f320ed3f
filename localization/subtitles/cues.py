"""The one cue model every subtitle format is read into and written from.

A cue's `lines` hold its text in a single canonical form: plain text with `&`, `<` and `>` escaped
(`&amp;`, `&lt;`, `&gt;`) and no markup but the styling subtitles may carry: `<i>`, `<b>`, `<u>` and
their closing tags. Its place on screen is `position`, a numpad position as in ASS's `{\\an8}` (1–3
bottom, 4–6 middle, 7–9 top; left, centre, right), None for the default bottom centre.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

from localization.errors import SubtitleErrorCode

MIB = 1024 * 1024
# A subtitle file for a 3-minute episode is a few KB, a feature film's TTML a couple of MB.
MAX_FILE_BYTES = 8 * MIB
MAX_CUES = 20_000
MAX_FINDINGS = 1_000  # beyond that the file needs fixing anyway; the rest are counted, not listed

_TAG_RE = re.compile(r"</?[ibu]>")


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(slots=True)
class Cue:
    """One subtitle event: start and end in milliseconds, its lines, and the source line it came from."""

    start_ms: int
    end_ms: int
    lines: list[str]
    line: int
    position: int | None = None
    identifier: str = ""

    def plain_lines(self) -> list[str]:
        """The lines as a reader sees them: no tags, entities decoded."""
        return [plain_text(line) for line in self.lines]


def plain_text(line: str) -> str:
    if "<" in line:
        line = _TAG_RE.sub("", line)
    if "&" in line:
        line = line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return line


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found in a file: where (cue index, source line), which rule, how bad, and what."""

    code: SubtitleErrorCode
    severity: Severity
    message: str
    line: int | None = None
    cue: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": str(self.code),
            "severity": str(self.severity),
            "message": self.message,
            "line": self.line,
            "cue": self.cue,
        }

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.code}: {self.message}"


@dataclass(slots=True)
class Findings:
    """Findings in the order they were made, capped at MAX_FINDINGS (the rest are counted)."""

    items: list[Finding] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    left_out: int = 0

    def add(
        self,
        code: SubtitleErrorCode,
        severity: Severity,
        message: str,
        *,
        line: int | None = None,
        cue: int | None = None,
    ) -> None:
        if severity is Severity.ERROR:
            self.errors += 1
        else:
            self.warnings += 1
        if len(self.items) < MAX_FINDINGS:
            self.items.append(Finding(code, severity, message, line, cue))
        else:
            self.left_out += 1

    def error(self, code: SubtitleErrorCode, message: str, *, line: int | None = None, cue: int | None = None) -> None:
        self.add(code, Severity.ERROR, message, line=line, cue=cue)

    def warning(
        self, code: SubtitleErrorCode, message: str, *, line: int | None = None, cue: int | None = None
    ) -> None:
        self.add(code, Severity.WARNING, message, line=line, cue=cue)

    def extend(self, other: Findings) -> None:
        for item in other.items:
            self.add(item.code, item.severity, item.message, line=item.line, cue=item.cue)
        self.left_out += other.left_out

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    def codes(self) -> list[str]:
        return [str(item.code) for item in self.items]

    def as_list(self) -> list[dict[str, Any]]:
        return [item.as_dict() for item in self.items]


class SubtitleFormat(enum.StrEnum):
    SRT = "srt"
    WEBVTT = "webvtt"
    TTML = "ttml"


@dataclass(slots=True)
class SubtitleDocument:
    """Cues read from one file, with what was found on the way (parse and, later, quality control)."""

    format: SubtitleFormat
    language: str
    cues: list[Cue]
    findings: Findings
    encoding: str = "utf-8"

    @property
    def valid(self) -> bool:
        return not self.findings.has_errors
