"""Cues out: WebVTT (the sidecar and HLS subtitle format) and IMSC 1.1 Text (TTML).

Right-to-left text stays in logical order, the order it is typed and stored in; the player lays it
out. IMSC cues of a right-to-left language carry tts:direction="rtl" and tts:unicodeBidi="embed".
"""

from __future__ import annotations

import re

from localization.languages import normalize_tag
from localization.subtitles import scripts
from localization.subtitles.cues import Cue

# WebVTT cue settings for a numpad position (1–3 bottom, 4–6 middle, 7–9 top; left, centre, right).
_VTT_ROW = {0: "", 1: " line:50%", 2: " line:0"}
_VTT_COLUMN = {1: " position:10% align:left", 2: "", 3: " position:90% align:right"}
_TAG_RE = re.compile(r"<(/?)([ibu])>")
_TTML_STYLE = {"i": 'tts:fontStyle="italic"', "b": 'tts:fontWeight="bold"', "u": 'tts:textDecoration="underline"'}
IMSC11_TEXT_PROFILE = "http://www.w3.org/ns/ttml/profile/imsc1.1/text"


def _vtt_time(ms: int) -> str:
    return "%02d:%02d:%02d.%03d" % (ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000)  # noqa: UP031 (3× faster than the f-string)


_FRACTIONS = [f".{n:03d}" for n in range(1000)]
_CLOCKS: list[str] = []


def _clock_table(seconds: int) -> list[str]:
    """ "hh:mm:ss" for every second up to `seconds`: a timestamp is then two lookups, not four divisions."""
    for second in range(len(_CLOCKS), seconds + 1):
        _CLOCKS.append(f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}")
    return _CLOCKS


def _vtt_settings(position: int | None) -> str:
    if position is None:
        return ""
    row, column = divmod(position - 1, 3)
    return _VTT_ROW[row] + _VTT_COLUMN[column + 1]


def webvtt_write(cues: list[Cue], *, language: str = "") -> str:
    """A WebVTT file of the cues (cue text already escaped; blank lines inside a cue would end it)."""
    header = f"WEBVTT\nLanguage: {normalize_tag(language)}\n\n" if language else "WEBVTT\n\n"
    parts = [header]
    append = parts.append
    clock, fraction = _clock_table(max((cue.end_ms for cue in cues), default=0) // 1000), _FRACTIONS
    number = 0
    for cue in cues:
        number += 1
        start, end = cue.start_ms, cue.end_ms
        settings = _vtt_settings(cue.position) if cue.position is not None else ""
        append(
            f"{number}\n{clock[start // 1000]}{fraction[start % 1000]} --> {clock[end // 1000]}{fraction[end % 1000]}"
            f"{settings}\n{chr(10).join(cue.lines)}\n\n"
        )
    return "".join(parts)


def _ttml_time(ms: int) -> str:
    return _vtt_time(ms)


def _ttml_line(line: str, open_tags: list[str]) -> str:
    """A canonical cue line as TTML: <i>/<b>/<u> become styled spans, kept nested, unclosed ones closed."""
    out: list[str] = []
    last = 0
    for match in _TAG_RE.finditer(line):
        out.append(line[last : match.start()])
        last = match.end()
        closing, tag = match.groups()
        if not closing:
            open_tags.append(tag)
            out.append(f"<span {_TTML_STYLE[tag]}>")
        elif tag in open_tags:
            # close down to the tag (spans must nest), then reopen the ones above it
            above = []
            while open_tags:
                top = open_tags.pop()
                out.append("</span>")
                if top == tag:
                    break
                above.append(top)
            for again in reversed(above):
                open_tags.append(again)
                out.append(f"<span {_TTML_STYLE[again]}>")
    out.append(line[last:])
    return "".join(out)


def imsc_write(cues: list[Cue], *, language: str) -> str:
    """An IMSC 1.1 Text profile document of the cues in `language` (bottom and top regions)."""
    tag = normalize_tag(language)
    rtl = scripts.is_right_to_left(tag)
    direction = ' tts:direction="rtl" tts:unicodeBidi="embed"' if rtl else ""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"'
        ' xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
        f' ttp:contentProfiles="{IMSC11_TEXT_PROFILE}" ttp:timeBase="media" xml:lang="{tag}">\n'
        "<head>\n<styling>\n"
        '<style xml:id="s_default" tts:fontFamily="proportionalSansSerif" tts:fontSize="100%"'
        ' tts:color="white" tts:backgroundColor="#00000099" tts:textAlign="center"/>\n'
        "</styling>\n<layout>\n"
        '<region xml:id="bottom" tts:origin="10% 10%" tts:extent="80% 80%" tts:displayAlign="after"/>\n'
        '<region xml:id="middle" tts:origin="10% 10%" tts:extent="80% 80%" tts:displayAlign="center"/>\n'
        '<region xml:id="top" tts:origin="10% 10%" tts:extent="80% 80%" tts:displayAlign="before"/>\n'
        "</layout>\n</head>\n"
        f'<body style="s_default"><div>\n'
    )
    parts = [head]
    regions = ("bottom", "middle", "top")
    aligns = ("", ' tts:textAlign="start"', "", ' tts:textAlign="end"')
    for number, cue in enumerate(cues, 1):
        region, align = "bottom", ""
        if cue.position is not None:
            row, column = divmod(cue.position - 1, 3)
            region, align = regions[row], aligns[column + 1]
        # Spans may not cross a <br/>: styling open at the end of a line is closed and opened again.
        open_tags: list[str] = []
        lines = []
        for line in cue.lines:
            reopen = "".join(f"<span {_TTML_STYLE[t]}>" for t in open_tags)
            text = _ttml_line(line, open_tags)
            lines.append(reopen + text + "</span>" * len(open_tags))
        body = "<br/>".join(lines)
        parts.append(
            f'<p xml:id="c{number}" begin="{_ttml_time(cue.start_ms)}" end="{_ttml_time(cue.end_ms)}"'
            f' region="{region}"{align}{direction}>{body}</p>\n'
        )
    parts.append("</div></body>\n</tt>\n")
    return "".join(parts)
