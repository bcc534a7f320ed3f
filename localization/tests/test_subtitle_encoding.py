"""Encoding detection: byte order marks, strict UTF-8, the language's legacy encodings, the script check."""

from __future__ import annotations

import codecs
import unicodedata

import pytest

from localization.errors import SubtitleErrorCode, SubtitleRefusedError
from localization.subtitles.encoding import legacy_candidates, subtitle_bytes_decode
from localization.tests.subtitle_samples import THAI_LINES, srt, thai_tis620_200_bytes

CHINESE = srt(
    ("00:00:01,000", "00:00:02,000", "三年了，我终于找到你了。"), ("00:00:03,000", "00:00:04,000", "别碰她！")
)
TRADITIONAL = srt(
    ("00:00:01,000", "00:00:02,000", "三年了，我終於找到你了。"), ("00:00:03,000", "00:00:04,000", "別碰她！")
)
ARABIC = srt(
    ("00:00:01,000", "00:00:02,000", "لماذا عدت؟"), ("00:00:03,000", "00:00:04,000", "من اليوم، هذه الشركة لي.")
)
KOREAN = srt(
    ("00:00:01,000", "00:00:02,000", "왜 돌아온 거야?"), ("00:00:03,000", "00:00:04,000", "그녀에게 손대지 마!")
)
SPANISH = srt(("00:00:01,000", "00:00:02,000", "¿Por qué volviste? Señor, está aquí."))


@pytest.mark.parametrize(
    ("data", "language", "encoding", "text", "warnings"),
    [
        pytest.param(
            codecs.BOM_UTF8 + CHINESE.encode(), "zh-Hans", "utf-8", CHINESE, ["byte_order_mark"], id="utf8-bom"
        ),
        pytest.param(
            codecs.BOM_UTF16_LE + CHINESE.encode("utf-16-le"),
            "zh-Hans",
            "utf-16-le",
            CHINESE,
            ["not_utf8"],
            id="utf16le-bom",
        ),
        pytest.param(
            codecs.BOM_UTF16_BE + ARABIC.encode("utf-16-be"), "ar", "utf-16-be", ARABIC, ["not_utf8"], id="utf16be-bom"
        ),
        pytest.param(CHINESE.encode(), "zh-Hans", "utf-8", CHINESE, [], id="utf8"),
        pytest.param(CHINESE.encode("gbk"), "zh-Hans", "gb18030", CHINESE, ["not_utf8"], id="gbk"),
        pytest.param(TRADITIONAL.encode("big5"), "zh-Hant", "big5", TRADITIONAL, ["not_utf8"], id="big5"),
        pytest.param(TRADITIONAL.encode("big5"), "yue", "big5", TRADITIONAL, ["not_utf8"], id="big5-cantonese"),
        pytest.param(ARABIC.encode("cp1256"), "ar", "cp1256", ARABIC, ["not_utf8"], id="cp1256"),
        pytest.param(KOREAN.encode("cp949"), "ko", "cp949", KOREAN, ["not_utf8"], id="cp949"),
        pytest.param(SPANISH.encode("cp1252"), "es", "cp1252", SPANISH, ["not_utf8"], id="cp1252"),
    ],
)
def test_encodings_are_found_and_text_comes_out_as_written(data, language, encoding, text, warnings):
    decoded = subtitle_bytes_decode(data, language=language)

    assert decoded.encoding == encoding
    assert decoded.text == text
    assert decoded.findings.codes() == warnings


def test_gbk_declared_as_utf8_is_read_as_gb18030_with_warnings_naming_the_line():
    # given a Chinese file saved as GBK whose uploader says it is UTF-8
    data = CHINESE.encode("gbk")

    # when it is decoded
    decoded = subtitle_bytes_decode(data, language="zh-Hans", declared="UTF-8")

    # then the text is right, and both the wrong declaration and the conversion are reported at line 3
    assert decoded.text == CHINESE
    assert decoded.encoding == "gb18030"
    assert decoded.findings.codes() == ["declared_encoding_wrong", "not_utf8"]
    assert {finding.line for finding in decoded.findings.items} == {3}


def test_a_200_byte_tis620_thai_file_comes_out_as_thai():
    data = thai_tis620_200_bytes()

    decoded = subtitle_bytes_decode(data, language="th")

    assert decoded.encoding == "tis-620"
    assert all(line in decoded.text for line in THAI_LINES)


def test_a_declared_legacy_encoding_is_used_when_it_gives_the_language_s_script():
    data = ARABIC.encode("cp1256")

    decoded = subtitle_bytes_decode(data, language="ar", declared="cp1256")

    assert decoded.text == ARABIC
    assert decoded.encoding == "cp1256"


def test_a_wrong_declared_encoding_is_reported_and_the_right_one_found():
    data = thai_tis620_200_bytes()

    decoded = subtitle_bytes_decode(data, language="th", declared="cp1251")

    assert decoded.encoding == "tis-620"
    assert decoded.findings.codes()[0] == "declared_encoding_wrong"


def test_text_comes_out_in_nfc():
    # given Vietnamese typed with combining marks (NFD)
    nfd = unicodedata.normalize("NFD", srt(("00:00:01,000", "00:00:02,000", "Tiếng Việt")))

    decoded = subtitle_bytes_decode(nfd.encode(), language="vi")

    assert unicodedata.is_normalized("NFC", decoded.text)
    assert "Tiếng Việt" in decoded.text


def test_bytes_that_give_no_text_in_the_language_s_script_are_refused_with_the_line():
    # given a Chinese GBK file uploaded as Thai: cp874/tis-620 decode it, but not into Thai letters
    data = CHINESE.encode("gbk")

    with pytest.raises(SubtitleRefusedError) as refused:
        subtitle_bytes_decode(data, language="th")

    assert refused.value.code == SubtitleErrorCode.UNKNOWN_ENCODING
    assert refused.value.line == 3


def test_a_bom_that_lies_is_refused():
    with pytest.raises(SubtitleRefusedError) as refused:
        subtitle_bytes_decode(codecs.BOM_UTF8 + CHINESE.encode("gbk"), language="zh-Hans")

    assert refused.value.code == SubtitleErrorCode.UNKNOWN_ENCODING


def test_a_unicode_file_in_another_script_than_its_language_is_flagged():
    # an English file uploaded as the Thai track
    data = srt(("00:00:01,000", "00:00:02,000", "Why did you come back to this house?")).encode()

    decoded = subtitle_bytes_decode(data, language="th")

    assert decoded.findings.codes() == ["language_script_mismatch"]


@pytest.mark.parametrize(
    ("language", "first"),
    [("zh-Hans", "gb18030"), ("zh-Hant-HK", "big5"), ("yue", "big5"), ("th", "tis-620"), ("ar", "cp1256"),
     ("ko", "cp949"), ("en", "cp1252"), ("pt-BR", "cp1252"), ("vi", "cp1258")],
)  # fmt: skip
def test_legacy_candidates_follow_the_language(language, first):
    assert legacy_candidates(language)[0] == first
