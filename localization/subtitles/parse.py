"""One entry point for every subtitle format: bytes in, a SubtitleDocument (cues and findings) out.

Checked before the cues are read: the size (refused before a file is read whole), the encoding
(encoding.py), NUL characters, the format. Checked on the cues of every format: order, a cue beyond
the end of the episode (when its duration is known), an Arabic file in visual order.
"""

from __future__ import annotations

import codecs
import re
from operator import attrgetter
from pathlib import PurePath
from typing import IO

from localization.errors import SubtitleErrorCode, SubtitleRefusedError, SubtitleTooLargeError
from localization.languages import normalize_tag
from localization.subtitles import scripts
from localization.subtitles.cues import MAX_FILE_BYTES, Cue, Findings, SubtitleDocument, SubtitleFormat
from localization.subtitles.encoding import subtitle_bytes_decode
from localization.subtitles.srt import srt_read
from localization.subtitles.ttml import ttml_read
from localization.subtitles.webvtt import webvtt_read

EXTENSIONS: dict[str, SubtitleFormat] = {
    ".srt": SubtitleFormat.SRT,
    ".vtt": SubtitleFormat.WEBVTT,
    ".webvtt": SubtitleFormat.WEBVTT,
    ".ttml": SubtitleFormat.TTML,
    ".dfxp": SubtitleFormat.TTML,
    ".xml": SubtitleFormat.TTML,
    ".imsc": SubtitleFormat.TTML,
}
# The end of a cue may run past the episode's duration by this much: durations are whole seconds.
BEYOND_EPISODE_TOLERANCE_MS = 1000

_START, _END = attrgetter("start_ms"), attrgetter("end_ms")
_UNICODE_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Presentation forms: what pre-Unicode-bidi tools wrote, already shaped, in visual order.
_ARABIC_PRESENTATION_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufefc]")
_ARABIC_LETTER_RE = re.compile("[\u0621-\u064a\u0671-\u06d3\ufb50-\ufdff\ufe70-\ufefc]")
ARABIC_ORDER_SAMPLE_CHARS = 4000
# A reversed line turns the article ال at the start of words into لا at their end.
_ARTICLE_FIRST_RE = re.compile("(?<![\u0621-\u064a])\u0627\u0644(?=[\u0621-\u064a])")
_ARTICLE_REVERSED_RE = re.compile("(?<=[\u0621-\u064a])\u0644\u0627(?![\u0621-\u064a])")


def subtitle_file_read(file: IO[bytes] | bytes, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of an upload, refused (SubtitleTooLargeError) once past `limit`, before it is read whole."""
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
        if len(data) > limit:
            raise SubtitleTooLargeError(
                f"The file is over {limit // 1024 // 1024} MiB; a subtitle file is far smaller."
            )
        return data
    size = getattr(file, "size", None)
    if size is None and file.seekable():
        position = file.tell()
        size = file.seek(0, 2) - position
        file.seek(position)
    if size is not None and size > limit:
        raise SubtitleTooLargeError(f"The file is over {limit // 1024 // 1024} MiB; a subtitle file is far smaller.")
    data = file.read(limit + 1)
    if len(data) > limit:
        raise SubtitleTooLargeError(f"The file is over {limit // 1024 // 1024} MiB; a subtitle file is far smaller.")
    return data


def subtitle_format_of(data: bytes, filename: str = "") -> SubtitleFormat:
    """The format by content when it says (a WEBVTT header, an XML document), else by extension."""
    head = data[:64]
    for bom in _UNICODE_BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            if bom is not codecs.BOM_UTF8:
                head = head.decode("utf-16-le" if bom is codecs.BOM_UTF16_LE else "utf-16-be", "ignore").encode()
            break
    head = head.lstrip()
    if head.startswith(b"WEBVTT"):
        return SubtitleFormat.WEBVTT
    if head.startswith(b"<"):
        return SubtitleFormat.TTML
    by_name = EXTENSIONS.get(PurePath(filename).suffix.lower())
    if by_name is not None:
        return by_name
    if b"-->" in data:
        return SubtitleFormat.SRT
    raise SubtitleRefusedError(
        "Not a subtitle file: no WEBVTT header, no XML, no SRT timing line (and no .srt/.vtt/.ttml name).",
        code=SubtitleErrorCode.UNKNOWN_FORMAT,
    )


def subtitle_parse(
    data: bytes,
    *,
    language: str,
    filename: str = "",
    declared_encoding: str | None = None,
    duration_ms: int | None = None,
    format: SubtitleFormat | None = None,
) -> SubtitleDocument:
    """Read a subtitle file (SRT, WebVTT or TTML) in `language` into cues, with every finding on the way.

    Raises SubtitleRefusedError when the file cannot be read as subtitles at all (size, encoding, NUL,
    XML, format); errors on single cues are findings of severity error (the document is not valid).
    """
    language = normalize_tag(language)
    data = subtitle_file_read(data)
    if not data or data.isspace():
        raise SubtitleRefusedError("The file is empty.", code=SubtitleErrorCode.EMPTY_FILE, line=1)
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _refuse_nul(data.count(b"\n", 0, data.index(b"\x00")) + 1)
    kind = format or subtitle_format_of(data, filename)
    findings = Findings()
    if kind is SubtitleFormat.TTML:
        cues, encoding = ttml_read(data, findings)
        if encoding.replace("_", "-") not in ("utf-8", "utf8"):
            findings.warning(SubtitleErrorCode.NOT_UTF8, f"The document was {encoding}; written out as UTF-8.", line=1)
    else:
        decoded = subtitle_bytes_decode(data, language=language, declared=declared_encoding)
        findings.extend(decoded.findings)
        encoding, text = decoded.encoding, decoded.text
        if "\x00" in text:
            _refuse_nul(text.count("\n", 0, text.index("\x00")) + 1)
        cues = (webvtt_read if kind is SubtitleFormat.WEBVTT else srt_read)(text, findings)
    cues = _checked_cues(cues, findings, language=language, duration_ms=duration_ms)
    return SubtitleDocument(format=kind, language=language, cues=cues, findings=findings, encoding=encoding)


def _refuse_nul(line: int) -> None:
    raise SubtitleRefusedError(
        "The file holds NUL characters: it is binary, or UTF-16 without a byte order mark.",
        code=SubtitleErrorCode.NUL_BYTES,
        line=line,
    )


def _checked_cues(cues: list[Cue], findings: Findings, *, language: str, duration_ms: int | None) -> list[Cue]:
    if not cues:
        if not findings.has_errors:
            findings.error(SubtitleErrorCode.NO_CUES, "The file holds no cues.")
        return cues
    starts = list(map(_START, cues))
    if starts != sorted(starts):
        first = next(cue for cue, previous in zip(cues[1:], cues) if cue.start_ms < previous.start_ms)
        findings.warning(
            SubtitleErrorCode.OUT_OF_ORDER, "Cues are not in time order; they are sorted by start.", line=first.line
        )
        cues = sorted(cues, key=lambda c: (c.start_ms, c.end_ms))
    if duration_ms is not None and max(map(_END, cues)) > duration_ms + BEYOND_EPISODE_TOLERANCE_MS:
        limit = duration_ms + BEYOND_EPISODE_TOLERANCE_MS
        for index, cue in enumerate(cues):
            if cue.end_ms > limit:
                findings.error(
                    SubtitleErrorCode.BEYOND_EPISODE,
                    f"The cue ends at {cue.end_ms / 1000:.3f} s, after the episode's end ({duration_ms / 1000:.3f} s).",
                    line=cue.line,
                    cue=index,
                )
    if scripts.script_of(language) == scripts.ARABIC:
        _check_arabic_order(cues, findings)
    return cues


def _check_arabic_order(cues: list[Cue], findings: Findings) -> None:
    """Warn about Arabic in visual order: presentation forms (shaped glyphs, as old fansub tools wrote
    them), or the article ال found reversed at the end of words far more often than at their start.
    The article count reads a sample: a reversed file is reversed throughout."""
    text = "\n".join(line for cue in cues for line in cue.lines)
    if _ARABIC_PRESENTATION_RE.search(text):
        letters = len(_ARABIC_LETTER_RE.findall(text))
        shaped = len(_ARABIC_PRESENTATION_RE.findall(text))
        if letters and shaped / letters > 0.3:
            first = next(cue for cue in cues if any(_ARABIC_PRESENTATION_RE.search(line) for line in cue.lines))
            _warn_visual_order(findings, first, f"{shaped / letters:.0%} of the Arabic letters are presentation forms")
            return
    sample = text[:ARABIC_ORDER_SAMPLE_CHARS]
    reversed_articles = len(_ARTICLE_REVERSED_RE.findall(sample))
    if reversed_articles >= 3 and reversed_articles > 2 * len(_ARTICLE_FIRST_RE.findall(sample)):
        first = next(cue for cue in cues if any(_ARTICLE_REVERSED_RE.search(line) for line in cue.lines))
        _warn_visual_order(findings, first, f"the article ال is reversed at the end of {reversed_articles} words")


def _warn_visual_order(findings: Findings, first: Cue, reason: str) -> None:
    findings.warning(
        SubtitleErrorCode.ARABIC_VISUAL_ORDER,
        f"The Arabic looks to be in visual (reversed) order, as old subtitle tools wrote it: {reason}. "
        "Players reverse it again; export it from the tool in logical order.",
        line=first.line,
    )
