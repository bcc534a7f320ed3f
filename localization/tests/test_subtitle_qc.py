"""Quality control per language against the default and vertical-video profiles."""

from __future__ import annotations

import pytest

from localization.subtitles.cues import Cue
from localization.subtitles.qc import (
    DEFAULT_PROFILE,
    QC_PROFILES,
    VERTICAL_PROFILE,
    line_length,
    subtitle_quality_check,
)


def cue(start: int, end: int, *lines: str, line: int = 1, position: int | None = None) -> Cue:
    return Cue(start, end, list(lines), line, position)


def found(findings) -> list[tuple[str, str, int | None, int | None]]:
    return [(str(f.code), str(f.severity), f.cue, f.line) for f in findings.items]


@pytest.mark.parametrize(
    ("cues", "language", "expected"),
    [
        pytest.param([cue(0, 3000, "Fine.", "Two lines.")], "en", [], id="clean"),
        pytest.param([cue(0, 3000, "one", "two", "three", line=4)], "en", [("too_many_lines", "error", 0, 4)], id="three-lines"),
        pytest.param([cue(0, 4000, "x" * 43)], "en", [("chars_per_line", "warning", 0, 1)], id="43-latin"),
        pytest.param([cue(0, 4000, "x" * 42)], "en", [], id="42-latin"),
        pytest.param([cue(0, 4000, "我" * 17)], "zh-Hans", [("chars_per_line", "warning", 0, 1)], id="17-han"),
        pytest.param([cue(0, 4000, "我" * 16)], "zh-Hans", [], id="16-han"),
        pytest.param([cue(0, 4000, "我" * 14 + "OK!!")], "zh-Hans", [], id="half-width-in-cjk"),
        pytest.param([cue(0, 1000, "x" * 21)], "en", [("reading_speed", "warning", 0, 1)], id="21-cps-latin"),
        pytest.param([cue(0, 1000, "x" * 20)], "en", [], id="20-cps-latin"),
        pytest.param([cue(0, 1000, "我" * 10)], "zh-Hans", [("reading_speed", "warning", 0, 1)], id="10-cps-han"),
        pytest.param([cue(0, 1000, "ก" * 15 + "่" * 10 + "   ")], "th", [], id="thai-marks-and-spaces-not-counted"),
        pytest.param([cue(0, 1000, "ก" * 16)], "th", [("reading_speed", "warning", 0, 1)], id="16-cps-thai"),
        pytest.param([cue(0, 2000, "م" * 30 + "َ" * 12)], "ar", [], id="harakat-not-counted"),
        pytest.param([cue(0, 500, "Hi")], "en", [("duration_too_short", "warning", 0, 1)], id="short"),
        pytest.param([cue(0, 7001, "Hi")], "en", [("duration_too_long", "warning", 0, 1)], id="long"),
        pytest.param([cue(0, 1000, "A"), cue(1050, 2500, "B", line=5)], "en", [("gap_too_short", "warning", 1, 5)], id="gap"),
        pytest.param([cue(0, 1000, "A"), cue(1000, 2500, "B", line=5)], "en", [("gap_too_short", "warning", 1, 5)], id="no-gap"),
        pytest.param([cue(0, 2000, "A"), cue(1500, 3000, "B", line=5)], "en", [("overlap", "error", 1, 5)], id="overlap"),
        pytest.param([cue(0, 5000, "A"), cue(1000, 2000, "B"), cue(3000, 4000, "C", line=9)], "en",
                     [("overlap", "error", 1, 1), ("overlap", "error", 2, 9)], id="overlap-with-a-long-cue"),
        pytest.param([cue(0, 2000, "Dialogue"), cue(500, 1800, "SIGN", position=8)], "en", [], id="overlap-elsewhere-on-screen"),
        pytest.param([cue(0, 1000, "<i></i>")], "en", [("empty_cue", "warning", 0, 1)], id="empty"),
        pytest.param([cue(0, 3000, "<i>" + "x" * 40 + "</i> &amp;")], "en", [], id="tags-not-counted"),
    ],
)  # fmt: skip
def test_default_profile_rules(cues, language, expected):
    findings = subtitle_quality_check(cues, language=language, profile=DEFAULT_PROFILE)

    assert found(findings) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "x" * 33),
        ("zh-Hans", "我" * 13),
        ("yue", "我" * 13),
        ("ko", "가" * 13),
        ("th", "ก" * 27),
        ("ar", "م" * 33),
    ],
)
def test_the_vertical_profile_wants_shorter_lines(language, text):
    cues = [cue(0, 6000, text)]

    default = subtitle_quality_check(cues, language=language, profile=DEFAULT_PROFILE)
    vertical = subtitle_quality_check(cues, language=language, profile=VERTICAL_PROFILE)

    assert found(default) == []
    assert found(vertical) == [("chars_per_line", "warning", 0, 1)]


@pytest.mark.parametrize(
    ("line", "language", "length"),
    [
        ("Hello, world", "en", 12),
        ("你好，世界", "zh-Hans", 5),
        ("OK 你好", "zh-Hans", 3.5),
        ("สวัสดีครับ ยินดี", "th", 10),
        ("<i>Hi</i> &amp; you", "en", 8),
        ("안녕하세요", "ko", 5),
    ],
)
def test_line_length_counts_characters_as_each_script_is_read(line, language, length):
    assert line_length(line, language=language) == length


def test_profiles_are_data_keyed_by_name_script_and_language():
    assert set(QC_PROFILES) == {"default", "vertical"}
    assert DEFAULT_PROFILE.limits_for("en-US").chars_per_line == 42
    assert DEFAULT_PROFILE.limits_for("zh-Hant-HK").chars_per_line == 16
    assert DEFAULT_PROFILE.limits_for("ja").chars_per_second == 4
    assert VERTICAL_PROFILE.limits_for("th").chars_per_line < DEFAULT_PROFILE.limits_for("th").chars_per_line
