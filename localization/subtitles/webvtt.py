"""WebVTT text into cues: the SRT block reader with WebVTT's header, NOTE/STYLE/REGION blocks, cue
settings (line, align → the cue's position) and entities."""

from __future__ import annotations

import re

from localization.errors import SubtitleErrorCode
from localization.subtitles.cues import Cue, Findings
from localization.subtitles.srt import CLEAN_VTT_FILE_RE, CLEAN_VTT_RE, CueBlockReader

_HEADER_RE = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")
_SETTING_RE = re.compile(r"(line|align|position):(\S+)")


class WebVttReader(CueBlockReader):
    webvtt = True
    numbered = False
    expected_separator = "."
    clean_re, clean_file_re = CLEAN_VTT_RE, CLEAN_VTT_FILE_RE

    def read_header(self) -> int:
        lines = self.lines
        if lines and _HEADER_RE.match(lines[0]):
            index = 1
            while index < len(lines) and lines[index] and not lines[index].isspace():
                index += 1  # header metadata lines (Kind:, Language:, X-TIMESTAMP-MAP ...)
            return index
        self.warn_once(SubtitleErrorCode.MISSING_HEADER, "The file does not start with WEBVTT.", 1)
        return 0

    def read_block(self, start: int, end: int) -> None:
        first = self.lines[start]
        if first.startswith(_SKIPPED_BLOCKS) and "-->" not in first:
            if first.startswith("STYLE"):
                self.warn_once(SubtitleErrorCode.STYLING_DROPPED, "STYLE blocks are dropped.", start + 1)
            return
        super().read_block(start, end)

    def is_identifier(self, line: str) -> bool:
        return bool(line.strip()) and "-->" not in line

    def settings(self, rest: str, line_number: int) -> int | None:
        """A numpad position from the cue settings `line:` and `align:` (None: bottom centre)."""
        if not rest or rest.isspace():
            return None
        values = dict(_SETTING_RE.findall(rest))
        row = 0  # bottom
        line = values.get("line", "").split(",")[0]
        try:
            if line.endswith("%"):
                percent = float(line[:-1])
                row = 2 if percent < 40 else 1 if percent <= 60 else 0
            elif line:
                row = 2 if 0 <= int(line) <= 3 else 0
        except ValueError:
            self.warn_once(SubtitleErrorCode.TRAILING_TEXT, f"Cue setting line:{line} is not understood.", line_number)
        align = values.get("align", "")
        column = 1 if align in ("start", "left") else 3 if align in ("end", "right") else 2
        if row == 0 and column == 2:
            return None
        return row * 3 + column


def webvtt_read(text: str, findings: Findings) -> list[Cue]:
    """The cues of a WebVTT file's text (already decoded), with findings added to `findings`."""
    return WebVttReader(text, findings).read()
