"""Quality control of cues per language, against profiles in the manner of Netflix's timed-text style guides.

A profile is data: per script (and, where a language differs, per language) the characters a line may
hold and the characters per second a viewer can read, plus the rules that hold for every language (at
most 2 lines, a duration between 5/6 s and 7 s, 2 frames between cues, no overlaps). Characters are
counted as each script is read: CJK full-width characters count 1 and half-width ones ½; Thai counts
neither spaces nor its combining vowel and tone marks; Arabic leaves out its vowel marks (harakat).
The vertical profile is for 9:16 video, where a line is about three quarters as wide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from localization.errors import SubtitleErrorCode
from localization.languages import normalize_tag
from localization.subtitles import scripts
from localization.subtitles.cues import Cue, Findings, Severity, plain_text

# Spaces and the combining vowel and tone marks (Thai); the vowel marks and tatweel (Arabic).
_THAI_UNCOUNTED_RE = re.compile("[ \u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
_ARABIC_UNCOUNTED_RE = re.compile("[\u064b-\u065f\u0670\u0640]")


@dataclass(frozen=True, slots=True)
class ScriptLimits:
    chars_per_line: int
    chars_per_second: float


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class QcProfile:
    """Limits per script and per language, the rules common to all, and the severity of each rule."""

    name: str
    by_script: Mapping[str, ScriptLimits]
    by_language: Mapping[str, ScriptLimits] = field(default_factory=lambda: _frozen({}))
    max_lines: int = 2
    min_duration_ms: int = 833  # 5/6 s, 20 frames at 24 fps
    max_duration_ms: int = 7000
    min_gap_ms: int = 83  # 2 frames at 24 fps
    severities: Mapping[SubtitleErrorCode, Severity] = field(
        default_factory=lambda: _frozen(
            {
                SubtitleErrorCode.TOO_MANY_LINES: Severity.ERROR,
                SubtitleErrorCode.OVERLAP: Severity.ERROR,
                SubtitleErrorCode.CHARS_PER_LINE: Severity.WARNING,
                SubtitleErrorCode.READING_SPEED: Severity.WARNING,
                SubtitleErrorCode.DURATION_TOO_SHORT: Severity.WARNING,
                SubtitleErrorCode.DURATION_TOO_LONG: Severity.WARNING,
                SubtitleErrorCode.GAP_TOO_SHORT: Severity.WARNING,
                SubtitleErrorCode.EMPTY_CUE: Severity.WARNING,
            }
        )
    )

    def limits_for(self, language: str) -> ScriptLimits:
        tag = normalize_tag(language)
        for key in (tag, tag.split("-")[0]):
            if key in self.by_language:
                return self.by_language[key]
        return self.by_script.get(scripts.script_of(tag), self.by_script[scripts.LATIN])


DEFAULT_PROFILE = QcProfile(
    name="default",
    by_script=_frozen(
        {
            scripts.LATIN: ScriptLimits(42, 20),
            scripts.CYRILLIC: ScriptLimits(42, 17),
            scripts.GREEK: ScriptLimits(42, 17),
            scripts.DEVANAGARI: ScriptLimits(42, 17),
            scripts.ARABIC: ScriptLimits(42, 17),
            scripts.HEBREW: ScriptLimits(42, 17),
            scripts.THAI: ScriptLimits(35, 15),
            scripts.HAN: ScriptLimits(16, 9),
            scripts.HANGUL: ScriptLimits(16, 12),
            scripts.JAPANESE: ScriptLimits(13, 4),
        }
    ),
)
VERTICAL_PROFILE = QcProfile(
    name="vertical",
    by_script=_frozen(
        {
            scripts.LATIN: ScriptLimits(32, 20),
            scripts.CYRILLIC: ScriptLimits(32, 17),
            scripts.GREEK: ScriptLimits(32, 17),
            scripts.DEVANAGARI: ScriptLimits(32, 17),
            scripts.ARABIC: ScriptLimits(32, 17),
            scripts.HEBREW: ScriptLimits(32, 17),
            scripts.THAI: ScriptLimits(26, 15),
            scripts.HAN: ScriptLimits(12, 9),
            scripts.HANGUL: ScriptLimits(12, 12),
            scripts.JAPANESE: ScriptLimits(10, 4),
        }
    ),
)
QC_PROFILES: Mapping[str, QcProfile] = _frozen({p.name: p for p in (DEFAULT_PROFILE, VERTICAL_PROFILE)})


def _counter(script: str):
    """How to count a line's characters in `script` (tags and entities are not counted)."""
    if script in scripts.FULL_WIDTH:

        def count(line: str) -> float:
            if "<" in line or "&" in line:
                line = plain_text(line)
            # ASCII is half-width; in a CJK line every other character is taken as full-width (CJK, kana,
            # Hangul, full-width forms; the ellipsis and curly quotes take a full cell in CJK fonts too).
            return len(line) - len(line.encode("ascii", "ignore")) / 2

    elif script == scripts.THAI:

        def count(line: str) -> float:
            if "<" in line or "&" in line:
                line = plain_text(line)
            return len(line) - len(_THAI_UNCOUNTED_RE.findall(line))

    elif script == scripts.ARABIC:

        def count(line: str) -> float:
            if "<" in line or "&" in line:
                line = plain_text(line)
            return len(line) if line.isascii() else len(line) - len(_ARABIC_UNCOUNTED_RE.findall(line))

    else:

        def count(line: str) -> float:
            return len(plain_text(line)) if "<" in line or "&" in line else len(line)

    return count


def line_length(line: str, *, language: str) -> float:
    """A line's length as quality control counts it for `language` (tags and entities not counted)."""
    return _counter(scripts.script_of(language))(line)


def subtitle_quality_check(cues: list[Cue], *, language: str, profile: QcProfile = DEFAULT_PROFILE) -> Findings:
    """Findings of the profile's rules on each cue (cue index, source line, rule, severity, message)."""
    findings = Findings()
    limits = profile.limits_for(language)
    count = _counter(scripts.script_of(language))
    severity = profile.severities
    max_chars, max_cps, max_lines = limits.chars_per_line, limits.chars_per_second, profile.max_lines
    min_duration, max_duration, min_gap = profile.min_duration_ms, profile.max_duration_ms, profile.min_gap_ms
    latest_end, latest_position = -1, None
    for index, cue in enumerate(cues):
        start, end, lines = cue.start_ms, cue.end_ms, cue.lines
        duration = end - start
        # A line's length as counted is never more than its length in characters, so the counting (the
        # costly part, for Thai, Arabic and CJK) is done only for cues that raw lengths cannot clear.
        if len(lines) == 1:
            text = lines[0]
            total = longest = len(text)
        else:
            text = "\n".join(lines)
            total = len(text) - len(lines) + 1 if lines else 0
            longest = max(map(len, lines)) if lines else 0
        if not total or longest > max_chars or total * 1000 > max_cps * duration or "<" in text or "&" in text:
            lengths = list(map(count, lines))
            total = sum(lengths)
            longest = max(lengths) if lengths else 0
        if not total:
            findings.add(
                SubtitleErrorCode.EMPTY_CUE, severity[SubtitleErrorCode.EMPTY_CUE], "The cue has no text.",
                line=cue.line, cue=index,
            )  # fmt: skip
        if len(lines) > max_lines:
            findings.add(
                SubtitleErrorCode.TOO_MANY_LINES, severity[SubtitleErrorCode.TOO_MANY_LINES],
                f"{len(lines)} lines; at most {max_lines}.", line=cue.line, cue=index,
            )  # fmt: skip
        if longest > max_chars:
            findings.add(
                SubtitleErrorCode.CHARS_PER_LINE, severity[SubtitleErrorCode.CHARS_PER_LINE],
                f"A line of {longest:g} characters; at most {max_chars} ({profile.name} profile).",
                line=cue.line, cue=index,
            )  # fmt: skip
        if total and total * 1000 > max_cps * duration:
            findings.add(
                SubtitleErrorCode.READING_SPEED, severity[SubtitleErrorCode.READING_SPEED],
                f"{total * 1000 / duration:.1f} characters per second; at most {max_cps:g}.", line=cue.line, cue=index,
            )  # fmt: skip
        if duration < min_duration:
            findings.add(
                SubtitleErrorCode.DURATION_TOO_SHORT, severity[SubtitleErrorCode.DURATION_TOO_SHORT],
                f"On screen {duration} ms; at least {min_duration} ms.", line=cue.line, cue=index,
            )  # fmt: skip
        elif duration > max_duration:
            findings.add(
                SubtitleErrorCode.DURATION_TOO_LONG, severity[SubtitleErrorCode.DURATION_TOO_LONG],
                f"On screen {duration} ms; at most {max_duration} ms.", line=cue.line, cue=index,
            )  # fmt: skip
        if latest_end >= 0:
            gap = start - latest_end
            if gap < 0:
                # Text placed elsewhere on screen (a sign at the top while dialogue runs below) may overlap.
                if cue.position == latest_position:
                    findings.add(
                        SubtitleErrorCode.OVERLAP, severity[SubtitleErrorCode.OVERLAP],
                        f"Starts {-gap} ms before the cue before it ends.", line=cue.line, cue=index,
                    )  # fmt: skip
            elif gap < min_gap:
                findings.add(
                    SubtitleErrorCode.GAP_TOO_SHORT, severity[SubtitleErrorCode.GAP_TOO_SHORT],
                    f"{gap} ms after the cue before; at least {min_gap} ms.", line=cue.line, cue=index,
                )  # fmt: skip
        if end > latest_end:
            latest_end, latest_position = end, cue.position
    return findings
