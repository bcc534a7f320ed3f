"""Reading SRT, WebVTT and TTML into cues: hostile inputs, the tolerances of the trade, the cue model."""

from __future__ import annotations

import codecs
import io

import pytest

from localization.errors import SubtitleErrorCode, SubtitleRefusedError, SubtitleTooLargeError
from localization.subtitles.cues import MAX_FILE_BYTES, Findings, SubtitleFormat
from localization.subtitles.parse import subtitle_file_read, subtitle_format_of, subtitle_parse
from localization.subtitles.srt import CueBlockReader
from localization.subtitles.webvtt import WebVttReader
from localization.tests.subtitle_samples import BILLION_LAUGHS_TTML, TTML_SAMPLE, srt, thai_tis620_200_bytes

TWO_CUES = srt(("00:00:01,000", "00:00:02,500", "Why did you come back?"), ("00:00:03,000", "00:00:04,000", "Go."))


def codes(document) -> list[str]:
    return document.findings.codes()


def errors(document) -> list[tuple[str, int | None]]:
    return [(str(f.code), f.line) for f in document.findings.items if f.severity == "error"]


# --- hostile inputs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "language", "duration_ms", "error", "line"),
    [
        pytest.param(b"1\n00:00:01,000 --> banana\nHello\n", "en", None, "bad_timestamp", 2, id="banana"),
        pytest.param(b"1\n-00:00:01,000 --> 00:00:02,000\nHello\n", "en", None, "negative_time", 2, id="negative"),
        pytest.param(b"1\n00:00:05,000 --> 00:00:02,000\nHello\n", "en", None, "end_before_start", 2, id="end-before-start"),
        pytest.param(b"1\n00:00:02,000 --> 00:00:02,000\nHello\n", "en", None, "end_before_start", 2, id="zero-length"),
        pytest.param(b"1\n00:01:61,000 --> 00:01:62,000\nHello\n", "en", None, "bad_timestamp", 2, id="61-seconds"),
        pytest.param(TWO_CUES.encode(), "en", 2000, "beyond_episode", 6, id="beyond-episode"),
        pytest.param(b"1\n00:00:01,000 --> 00:00:02,000\n<script>alert(1)</script>\n", "en", None, "markup_not_allowed", 3, id="script"),
        pytest.param(b"1\n00:00:01,000 --> 00:00:02,000\nHi <img src=x onerror=alert(1)>\n", "en", None, "markup_not_allowed", 3, id="img"),
        pytest.param(b"Hello there\n\n1\n00:00:01,000 --> 00:00:02,000\nHi\n", "en", None, "missing_timing", 1, id="text-before-any-timing"),
        pytest.param(b"1\n00:00:01,000 -> 00:00:02,000\nHi\n", "en", None, "bad_timestamp", 2, id="single-arrow"),
        pytest.param(b"WEBVTT\n\n00:01.000 --> 00:00.500\nHi\n", "en", None, "end_before_start", 3, id="vtt-end-before-start"),
        pytest.param(b"WEBVTT\n\n00:01.000 --> 00:02.000\n<script>x</script>\n", "en", None, "markup_not_allowed", 4, id="vtt-script"),
    ],
)  # fmt: skip
def test_bad_cues_are_errors_naming_their_line(data, language, duration_ms, error, line):
    document = subtitle_parse(data, language=language, filename="ep001.en.srt", duration_ms=duration_ms)

    assert not document.valid
    assert (error, line) in errors(document)


def test_a_bad_cue_is_reported_and_the_others_are_read():
    data = srt(
        ("00:00:01,000", "00:00:02,000", "one"),
        ("00:00:03,000", "banana", "two"),
        ("00:00:05,000", "00:00:06,000", "three"),
    ).encode()

    document = subtitle_parse(data, language="en")

    assert [cue.lines for cue in document.cues] == [["one"], ["three"]]
    assert errors(document) == [("bad_timestamp", 6)]


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        pytest.param(b"1\n00:00:01,000 --> 00:00:02,000\nHel\x00lo\n", "nul_bytes", 3, id="nul"),
        pytest.param(b"\x00\x01\x02binary", "nul_bytes", 1, id="binary"),
        pytest.param(BILLION_LAUGHS_TTML.encode(), "xml_entities_refused", 2, id="billion-laughs"),
        pytest.param(codecs.BOM_UTF16_LE + BILLION_LAUGHS_TTML.encode("utf-16-le"), "xml_entities_refused", 1, id="billion-laughs-utf16"),
        pytest.param(b'<?xml version="1.0"?>\n<tt xmlns="http://www.w3.org/ns/ttml"><body>\n<p begin="1s" end="2s">x</body></tt>', "malformed_xml", 3, id="malformed-xml"),
        pytest.param(b'<?xml version="1.0"?>\n<html><body/></html>', "not_ttml", 2, id="not-ttml"),
        pytest.param(b"   \n\n", "empty_file", 1, id="empty"),
        pytest.param(b"just some words", "unknown_format", None, id="not-subtitles"),
    ],
)  # fmt: skip
def test_files_that_are_not_subtitles_are_refused_with_a_named_error(data, code, line):
    with pytest.raises(SubtitleRefusedError) as refused:
        subtitle_parse(data, language="en", filename="upload")

    assert refused.value.code == code
    assert refused.value.line == line


def test_ttml_with_a_doctype_is_refused_before_lxml_reads_it():
    # the byte check runs first; lxml never sees the entity declarations
    with pytest.raises(SubtitleRefusedError, match="DOCTYPE"):
        subtitle_parse(BILLION_LAUGHS_TTML.encode(), language="en")


class _CountingReader(io.RawIOBase):
    """A stream of `size` bytes that counts what is read from it."""

    def __init__(self, size: int, *, seekable: bool) -> None:
        self.size, self.position, self.read_bytes, self._seekable = size, 0, 0, seekable

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self._seekable:
            raise OSError("not seekable")
        self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.position)
        buffer[:n] = b"1" * n
        self.position += n
        self.read_bytes += n
        return n


def test_a_50_mb_file_is_refused_before_a_byte_of_it_is_read():
    upload = _CountingReader(50 * 1024 * 1024, seekable=True)

    with pytest.raises(SubtitleTooLargeError) as refused:
        subtitle_file_read(upload)

    assert refused.value.code == SubtitleErrorCode.FILE_TOO_LARGE
    assert upload.read_bytes == 0


def test_a_50_mb_stream_of_unknown_size_is_read_no_further_than_the_limit():
    upload = _CountingReader(50 * 1024 * 1024, seekable=False)

    with pytest.raises(SubtitleTooLargeError):
        subtitle_file_read(upload)

    assert upload.read_bytes <= MAX_FILE_BYTES + 1


def test_a_50_mb_file_on_disk_is_refused(tmp_path):
    path = tmp_path / "huge.srt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written to the test machine's disk

    with path.open("rb") as handle, pytest.raises(SubtitleTooLargeError):
        subtitle_file_read(handle)


def test_bom_and_crlf_webvtt_is_read_with_warnings():
    data = (
        codecs.BOM_UTF8
        + b"WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nHello\r\n\r\n00:00:03.000 --> 00:00:04.000\r\nWorld\r\n"
    )

    document = subtitle_parse(data, language="en")

    assert document.format == SubtitleFormat.WEBVTT
    assert [(c.start_ms, c.end_ms, c.lines) for c in document.cues] == [
        (1000, 2000, ["Hello"]),
        (3000, 4000, ["World"]),
    ]
    assert codes(document) == ["byte_order_mark", "crlf"]
    assert document.valid


def test_gbk_srt_declared_utf8_is_read():
    data = srt(("00:00:01,000", "00:00:02,000", "三年了，我终于找到你了。")).encode("gbk")

    document = subtitle_parse(data, language="zh-Hans", declared_encoding="utf-8")

    assert document.encoding == "gb18030"
    assert document.cues[0].lines == ["三年了，我终于找到你了。"]
    assert document.valid


def test_a_200_byte_tis620_file_is_read():
    document = subtitle_parse(thai_tis620_200_bytes(), language="th")

    assert document.encoding == "tis-620"
    assert document.cues[0].lines == ["สวัสดีครับ ยินดีต้อนรับ"]
    assert document.valid


# --- tolerances ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "warnings", "cues"),
    [
        pytest.param("1\n00:00:01.000 --> 00:00:02.000\nHi\n", ["millisecond_separator"], [(1000, 2000, ["Hi"])], id="dot"),
        pytest.param("00:00:01,000 --> 00:00:02,000\nHi\n\n00:00:03,000 --> 00:00:04,000\nYo\n", ["missing_cue_number"],
                     [(1000, 2000, ["Hi"]), (3000, 4000, ["Yo"])], id="no-numbers"),
        pytest.param("1\r\n00:00:01,000 --> 00:00:02,000\r\nHi\r\n", ["crlf"], [(1000, 2000, ["Hi"])], id="crlf"),
        pytest.param("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n\n\n  \n", [], [(1000, 2000, ["Hi"])], id="trailing-blank"),
        pytest.param("1\n00:00:01,000 --> 00:00:02,000\nHi", [], [(1000, 2000, ["Hi"])], id="no-final-newline"),
        pytest.param("\n\n1\n00:00:01,000 --> 00:00:02,000\nHi\n", [], [(1000, 2000, ["Hi"])], id="leading-blank"),
        pytest.param("1\n00:00:01,000 --> 00:00:02,000\nHi\n2\n00:00:03,000 --> 00:00:04,000\nYo\n", ["missing_blank_line"],
                     [(1000, 2000, ["Hi"]), (3000, 4000, ["Yo"])], id="missing-blank-line"),
        pytest.param("1\n00:00:01,000 --> 00:00:02,000\nHi\n\nthere\n\n2\n00:00:03,000 --> 00:00:04,000\nYo\n", ["blank_line_in_cue"],
                     [(1000, 2000, ["Hi", "there"]), (3000, 4000, ["Yo"])], id="blank-line-in-cue"),
        pytest.param("1\n0:00:01,5 --> 0:00:02,25\nHi\n", [], [(1000 + 500, 2000 + 250, ["Hi"])], id="short-fields"),
        pytest.param("1\n00:00:01,000 --> 00:00:02,000 X1:10 X2:20 Y1:5 Y2:9\nHi\n", ["trailing_text"], [(1000, 2000, ["Hi"])], id="coordinates"),
        pytest.param("1\n00:00:03,000 --> 00:00:04,000\nB\n\n2\n00:00:01,000 --> 00:00:02,000\nA\n", ["out_of_order"],
                     [(1000, 2000, ["A"]), (3000, 4000, ["B"])], id="out-of-order"),
        pytest.param("1\n00:00:01,000 --> 00:00:02,000\n<i>Hi</i> <font color=\"#ff0\">there</font>\n", ["styling_dropped"],
                     [(1000, 2000, ["<i>Hi</i> there"])], id="font"),
        pytest.param("1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Sign & <3\n", [], [(1000, 2000, ["Sign &amp; &lt;3"])], id="an8-escape"),
    ],
)  # fmt: skip
def test_srt_tolerances(text, warnings, cues):
    document = subtitle_parse(text.encode(), language="en", filename="ep001.en.srt")

    assert [(c.start_ms, c.end_ms, c.lines) for c in document.cues] == cues
    assert codes(document) == warnings
    assert document.valid


def test_positions_and_styling_are_kept_in_the_cue_model():
    text = "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<I>Top</I>\n<b>and</b> <u>more</u>\n"

    cue = subtitle_parse(text.encode(), language="en").cues[0]

    assert cue.position == 8
    assert cue.lines == ["<i>Top</i>", "<b>and</b> <u>more</u>"]
    assert cue.plain_lines() == ["Top", "and more"]
    assert cue.line == 2
    assert cue.identifier == "1"


def test_line_numbers_point_at_each_cue_s_timing_line():
    text = "\n1\n00:00:01,000 --> 00:00:02,000\nHi\nthere\n\n\n2\n00:00:03,000 --> 00:00:04,000\nYo\n"

    document = subtitle_parse(text.encode(), language="en")

    assert [cue.line for cue in document.cues] == [3, 9]


class _LineReaderOnly(CueBlockReader):
    def read_clean(self) -> bool:
        return False


class _VttLineReaderOnly(WebVttReader):
    def read_clean(self) -> bool:
        return False


@pytest.mark.parametrize(
    "text",
    [
        "1\n00:00:01,000 --> 00:00:02,000\nHi <i>you</i>\nthere\n\n2\n00:00:03,000 --> 00:00:04,500\n{\\an8}Sign\n",
        "1\n00:00:01,000 --> 00:00:02,000\nHi   \n\n\n\n2\n01:00:03,000 --> 01:00:04,500\nA & B\n\n",
        "7\n00:00:01,000 --> 00:00:02,000\n\n8\n00:00:03,000 --> 00:00:04,000\nx",
    ],
)
def test_the_whole_file_reader_and_the_line_reader_agree_on_clean_srt(text):
    fast_findings, slow_findings = Findings(), Findings()

    fast = CueBlockReader(text, fast_findings).read()
    slow = _LineReaderOnly(text, slow_findings).read()

    assert fast == slow
    assert fast_findings.items == slow_findings.items


@pytest.mark.parametrize(
    "text",
    [
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000 line:0 align:start\nHi &amp; <c.yellow>you</c>\n\n00:03.000 --> 00:04.500\nTwo\n",
        "WEBVTT - title\nKind: captions\n\nintro\n00:00:01.000 --> 00:00:02.000\n<v Bob>Hi</v>\n",
    ],
)
def test_the_whole_file_reader_and_the_line_reader_agree_on_clean_webvtt(text):
    fast_findings, slow_findings = Findings(), Findings()

    fast = WebVttReader(text, fast_findings).read()
    slow = _VttLineReaderOnly(text, slow_findings).read()

    assert fast == slow
    assert fast_findings.items == slow_findings.items


# --- WebVTT ----------------------------------------------------------------------------------------


def test_webvtt_blocks_settings_and_entities():
    text = (
        "WEBVTT\nKind: subtitles\nLanguage: en\n\n"
        "NOTE made by hand\nover two lines\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "intro\n00:01.000 --> 00:02.000 line:0 align:start\nTom &amp; Jerry &lt;3 <v Narrator>says</v>\n\n"
        "00:00:03.000 --> 00:00:04.000 line:50%\n<ruby>漢<rt>kan</rt></ruby>\n\n"
        "00:00:05.000 --> 00:00:06.000 align:end\nRight\n"
    )

    document = subtitle_parse(text.encode(), language="en")

    assert [(c.start_ms, c.position, c.lines, c.identifier) for c in document.cues] == [
        (1000, 7, ["Tom &amp; Jerry &lt;3 says"], "intro"),
        (3000, 5, ["漢kan"], ""),
        (5000, 3, ["Right"], ""),
    ]
    # the STYLE block, then the first dropped tag (<v>)
    assert [(str(f.code), f.line) for f in document.findings.items] == [("styling_dropped", 8), ("styling_dropped", 13)]


def test_webvtt_without_its_header_is_read_with_a_warning():
    document = subtitle_parse(b"00:00:01.000 --> 00:00:02.000\nHi\n", language="en", filename="x.vtt")

    assert document.cues[0].lines == ["Hi"]
    assert codes(document) == ["missing_header"]


# --- TTML ------------------------------------------------------------------------------------------


def test_ttml_timing_styling_regions_and_lines():
    document = subtitle_parse(TTML_SAMPLE.encode(), language="en")

    assert document.format == SubtitleFormat.TTML
    assert [(c.start_ms, c.end_ms, c.lines, c.position) for c in document.cues] == [
        (1000, 2500, ["Hello <i>there</i>", "second line"], None),
        (3200, 4000, ["Frames &amp; <u>top</u>"], 8),
        (5000, 6500, ["<b><i>Ticks</i></b>"], None),
        (11000, 12000, ["Offset by its div"], None),
    ]
    assert document.cues[0].line == 16
    assert document.valid


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('<p begin="00:00:01.000" end="banana">x</p>', "bad_timestamp"),
        ('<p begin="-1s" end="2s">x</p>', "negative_time"),
        ('<p begin="3s" end="2s">x</p>', "end_before_start"),
        ('<p begin="3s">x</p>', "missing_timing"),
        (
            '<p begin="1s" end="2s">x<script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script></p>',
            "markup_not_allowed",
        ),
        ('<p begin="1s" end="2s">x<image/></p>', "markup_not_allowed"),
    ],
)
def test_ttml_bad_cues_are_errors_with_their_line(body, error):
    data = f'<?xml version="1.0"?>\n<tt xmlns="http://www.w3.org/ns/ttml">\n<body><div>\n{body}\n</div></body></tt>'.encode()

    document = subtitle_parse(data, language="en")

    assert (error, 4) in errors(document)


def test_ttml_empty_lines_are_dropped_so_that_webvtt_output_stays_one_cue():
    data = (
        b'<tt xmlns="http://www.w3.org/ns/ttml"><body><div>'
        b'<p begin="1s" end="2s">one<br/><br/>  <br/>two<br/></p></div></body></tt>'
    )

    document = subtitle_parse(data, language="en")

    assert document.cues[0].lines == ["one", "two"]


def test_ttml_in_a_legacy_encoding_is_read_through_its_declaration():
    data = (
        '<?xml version="1.0" encoding="GB2312"?>\n<tt xmlns="http://www.w3.org/ns/ttml"><body><div>'
        '<p begin="1s" end="2s">别碰她！</p></div></body></tt>'
    ).encode("gb2312")

    document = subtitle_parse(data, language="zh-Hans")

    assert document.cues[0].lines == ["别碰她！"]
    assert codes(document) == ["not_utf8"]


# --- Arabic in visual order ------------------------------------------------------------------------


def test_arabic_in_presentation_forms_is_flagged_as_visual_order():
    # "السلام عليكم" as an old fansub tool wrote it: shaped glyphs (U+FExx), reversed
    visual = "ﻢﻜﻴﻠﻋ ﻡﻼﺴﻟﺍ"
    text = srt(("00:00:01,000", "00:00:02,000", "مرحبا"), ("00:00:03,000", "00:00:04,000", visual))

    document = subtitle_parse(text.encode(), language="ar")

    assert codes(document) == ["arabic_visual_order"]
    assert document.findings.items[0].line == 6
    assert document.valid  # a warning: the file may be right, a person decides


def test_arabic_reversed_without_presentation_forms_is_flagged():
    logical = ["الشركة الكبيرة", "البيت الجديد", "الرجل القوي"]
    reversed_lines = [line[::-1] for line in logical]
    text = srt(*[(f"00:00:0{n},000", f"00:00:0{n},900", line) for n, line in enumerate(reversed_lines, 1)])

    document = subtitle_parse(text.encode(), language="ar")

    assert codes(document) == ["arabic_visual_order"]


def test_arabic_in_logical_order_is_not_flagged():
    logical = ["الشركة الكبيرة", "البيت الجديد", "الرجل القوي", "لا تلمسها!"]
    text = srt(*[(f"00:00:0{n},000", f"00:00:0{n},900", line) for n, line in enumerate(logical, 1)])

    document = subtitle_parse(text.encode(), language="ar")

    assert codes(document) == []


# --- formats ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"WEBVTT\n\n", "a.srt", SubtitleFormat.WEBVTT),
        (codecs.BOM_UTF8 + b"WEBVTT\n", "", SubtitleFormat.WEBVTT),
        (b"  <?xml version='1.0'?><tt/>", "a.srt", SubtitleFormat.TTML),
        (codecs.BOM_UTF16_LE + "<tt/>".encode("utf-16-le"), "", SubtitleFormat.TTML),
        (b"1\n00:00:01,000 --> 00:00:02,000\nx\n", "a.vtt", SubtitleFormat.WEBVTT),
        (b"1\n00:00:01,000 --> 00:00:02,000\nx\n", "", SubtitleFormat.SRT),
        (b"anything", "ep001.th.dfxp", SubtitleFormat.TTML),
    ],
)
def test_formats_are_told_by_content_then_by_name(data, name, expected):
    assert subtitle_format_of(data, name) == expected
