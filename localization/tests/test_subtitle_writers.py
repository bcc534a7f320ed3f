"""WebVTT and IMSC 1.1 output: read back to the same cues, positions kept, right-to-left in logical order."""

from __future__ import annotations

import pytest
from lxml import etree

from localization.subtitles.cues import Cue
from localization.subtitles.parse import subtitle_parse
from localization.subtitles.writers import IMSC11_TEXT_PROFILE, imsc_write, webvtt_write

TT = "{http://www.w3.org/ns/ttml}"
TTS = "{http://www.w3.org/ns/ttml#styling}"

CUES = [
    Cue(1000, 2500, ["<i>Why did you</i>", "come back &amp; stay?"], 2),
    Cue(3_600_000 + 61_001, 3_600_000 + 62_000, ["Top left"], 6, position=7),
    Cue(3_700_000, 3_701_000, ["<b>Bottom right</b>"], 9, position=3),
    Cue(3_702_000, 3_703_000, ["Middle"], 12, position=5),
]


def reread(text: str, language: str = "en") -> list[tuple[int, int, list[str], int | None]]:
    document = subtitle_parse(text.encode(), language=language)
    assert document.valid, document.findings.items
    return [(c.start_ms, c.end_ms, c.lines, c.position) for c in document.cues]


def test_webvtt_output_reads_back_to_the_same_cues():
    vtt = webvtt_write(CUES, language="en")

    assert vtt.startswith("WEBVTT\nLanguage: en\n\n1\n00:00:01.000 --> 00:00:02.500\n<i>Why did you</i>\n")
    assert "01:01:01.001 --> 01:01:02.000 line:0 position:10% align:left\n" in vtt
    assert reread(vtt) == [(c.start_ms, c.end_ms, c.lines, c.position) for c in CUES]


def test_srt_to_webvtt_keeps_text_escaped_and_positions():
    srt = "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Tom & Jerry <3\n"

    vtt = webvtt_write(subtitle_parse(srt.encode(), language="en").cues)

    assert vtt == "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000 line:0\nTom &amp; Jerry &lt;3\n\n"


def test_imsc_output_is_imsc_11_text_and_reads_back_to_the_same_cues():
    document = imsc_write(CUES, language="en")

    root = etree.fromstring(document.encode())
    assert root.tag == f"{TT}tt"
    assert root.get("{http://www.w3.org/ns/ttml#parameter}contentProfiles") == IMSC11_TEXT_PROFILE
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert reread(document) == [(c.start_ms, c.end_ms, c.lines, c.position) for c in CUES]
    assert all(p.get(f"{TTS}direction") is None for p in root.iter(f"{TT}p"))


def test_imsc_styling_open_across_lines_is_closed_and_reopened_at_each_break():
    cues = [Cue(0, 1000, ["<i>one", "two</i> three"], 1)]

    root = etree.fromstring(imsc_write(cues, language="en").encode())

    p = next(root.iter(f"{TT}p"))
    assert etree.tostring(p, encoding=str).count('tts:fontStyle="italic"') == 2
    assert reread(imsc_write(cues, language="en"))[0][2] == ["<i>one</i>", "<i>two</i> three"]


@pytest.mark.parametrize("language", ["ar", "he", "fa", "ur", "ar-EG"])
def test_imsc_right_to_left_cues_stay_in_logical_order_with_direction_set(language):
    text = "مرحبا بكم في البيت"
    cues = [Cue(0, 2000, [text, "<i>لا تلمسها!</i>"], 1)]

    document = imsc_write(cues, language=language)

    root = etree.fromstring(document.encode())
    p = next(root.iter(f"{TT}p"))
    assert p.get(f"{TTS}direction") == "rtl"
    assert p.get(f"{TTS}unicodeBidi") == "embed"
    # logical order: the characters as typed, first letter first; nothing reversed or shaped
    assert p.text == text
    assert reread(document, language="ar")[0][2] == [text, "<i>لا تلمسها!</i>"]


def test_writers_take_an_empty_list():
    assert webvtt_write([]) == "WEBVTT\n\n"
    assert etree.fromstring(imsc_write([], language="th").encode()) is not None
