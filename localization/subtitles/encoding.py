"""Turning the bytes of a subtitle file into NFC text, and saying which encoding they were in.

Order: a byte order mark (UTF-8, UTF-16 LE/BE, UTF-32); the encoding the uploader declared; strict
UTF-8; the legacy encodings of the declared language (zh-Hans: GB18030; zh-Hant and Cantonese: Big5,
then GB18030; Thai: TIS-620 then cp874; Arabic: cp1256; Korean: cp949; Latin languages: cp1252 ...);
then charset-normalizer's guess when it is installed. A legacy decoding is accepted only when most of
the letters it gives are in the language's script: every single-byte code page decodes any bytes, and
detectors alone misread short files (charset-normalizer takes a 100-byte TIS-620 Thai file for cp932).
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

from localization.errors import SubtitleErrorCode, SubtitleRefusedError
from localization.languages import normalize_tag
from localization.subtitles import scripts
from localization.subtitles.cues import Findings

# The share of a legacy decoding's letters that must be in the declared language's script.
SCRIPT_SHARE_ACCEPTED = 0.5
# A Unicode file's language is checked on its start only: the check is a hint, and it is on every upload.
UNICODE_SAMPLE_CHARS = 600

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UTF8_NAMES = {"utf-8", "utf8", "utf_8", "utf-8-sig"}

_LEGACY_BY_SCRIPT: dict[str, tuple[str, ...]] = {
    scripts.HAN: ("gb18030", "big5"),
    scripts.JAPANESE: ("cp932", "euc_jp"),
    scripts.HANGUL: ("cp949",),
    scripts.THAI: ("tis-620", "cp874"),
    scripts.ARABIC: ("cp1256", "iso8859-6"),
    scripts.HEBREW: ("cp1255",),
    scripts.CYRILLIC: ("cp1251", "koi8-r"),
    scripts.GREEK: ("cp1253",),
    scripts.DEVANAGARI: (),
    scripts.LATIN: ("cp1252",),
}
_LEGACY_BY_LANGUAGE: dict[str, tuple[str, ...]] = {
    "vi": ("cp1258", "cp1252"),
    "tr": ("cp1254",),
    **dict.fromkeys(("pl", "cs", "sk", "hu", "ro", "hr", "sl", "bs"), ("cp1250", "cp1252")),
}
_TRADITIONAL_CHINESE = ("big5", "big5hkscs", "gb18030")


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str
    findings: Findings


def legacy_candidates(language: str) -> tuple[str, ...]:
    """The legacy encodings files in `language` come in, most likely first."""
    tag = normalize_tag(language)
    parts = tag.split("-")
    if parts[0] in _LEGACY_BY_LANGUAGE:
        return _LEGACY_BY_LANGUAGE[parts[0]]
    script = scripts.script_of(tag)
    if script == scripts.HAN and (
        "Hant" in parts or parts[0] == "yue" or any(region in parts for region in ("HK", "TW", "MO"))
    ):
        return _TRADITIONAL_CHINESE
    return _LEGACY_BY_SCRIPT.get(script, ("cp1252",))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decoded(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _script_fits(text: str, script: str) -> bool:
    share = scripts.script_share(text, script)
    return share is None or share >= SCRIPT_SHARE_ACCEPTED


def _detector_guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # an optional helper: the candidates above cover the catalogue's languages
        return None
    best = from_bytes(data).best()
    return best.encoding if best is not None else None


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def subtitle_bytes_decode(data: bytes, *, language: str, declared: str | None = None) -> DecodedText:
    """The text of a subtitle file in NFC, the encoding it was found in, and warnings about it.

    Raises SubtitleRefusedError (unknown_encoding) when no decoding gives text in the language's script.
    """
    findings = Findings()
    script = scripts.script_of(language)

    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decoded(data[len(bom) :], encoding)
            if text is None:
                raise SubtitleRefusedError(
                    f"The file starts with a {encoding} byte order mark but is not {encoding}.",
                    code=SubtitleErrorCode.UNKNOWN_ENCODING,
                    line=1,
                )
            if encoding == "utf-8":
                findings.warning(SubtitleErrorCode.BYTE_ORDER_MARK, "A UTF-8 byte order mark was removed.", line=1)
            else:
                findings.warning(SubtitleErrorCode.NOT_UTF8, f"The file was {encoding}; converted to UTF-8.", line=1)
            return _checked(DecodedText(_nfc(text), encoding, findings), script)

    declared_name = (declared or "").strip().lower()
    if declared_name and declared_name not in _UTF8_NAMES:
        text = _decoded(data, declared_name)
        if text is not None and _script_fits(text, script):
            findings.warning(SubtitleErrorCode.NOT_UTF8, f"The file was {declared_name}; converted to UTF-8.")
            return DecodedText(_nfc(text), declared_name, findings)
        findings.warning(
            SubtitleErrorCode.DECLARED_ENCODING_WRONG,
            f"The file was declared {declared_name}, but it does not read as {declared_name} text in {language}.",
        )

    try:
        return _checked(DecodedText(_nfc(data.decode("utf-8")), "utf-8", findings), script)
    except UnicodeDecodeError as error:
        bad_line = _line_of(data, error.start)
        if declared_name in _UTF8_NAMES:
            findings.warning(
                SubtitleErrorCode.DECLARED_ENCODING_WRONG,
                f"The file was declared UTF-8, but byte 0x{data[error.start]:02X} is not UTF-8.",
                line=bad_line,
            )

    tried: list[str] = []
    for encoding in legacy_candidates(language):
        tried.append(encoding)
        text = _decoded(data, encoding)
        if text is not None and _script_fits(text, script):
            return _legacy(text, encoding, findings, bad_line)
    guess = _detector_guess(data)
    if guess and guess not in tried:
        tried.append(guess)
        text = _decoded(data, guess)
        if text is not None and _script_fits(text, script):
            return _legacy(text, guess, findings, bad_line)
    raise SubtitleRefusedError(
        f"The file is not UTF-8 (line {bad_line}), and none of {', '.join(tried)} gives {script} text "
        f"for language {language}; save it as UTF-8, or check its language.",
        code=SubtitleErrorCode.UNKNOWN_ENCODING,
        line=bad_line,
    )


def _legacy(text: str, encoding: str, findings: Findings, line: int) -> DecodedText:
    findings.warning(
        SubtitleErrorCode.NOT_UTF8,
        f"The file is not UTF-8 (first at line {line}); read as {encoding} and converted to UTF-8.",
        line=line,
    )
    return DecodedText(_nfc(text), encoding, findings)


def _checked(decoded: DecodedText, script: str) -> DecodedText:
    """A Unicode file whose letters are mostly in another script: most likely the wrong language's track."""
    share = scripts.script_share(decoded.text[:UNICODE_SAMPLE_CHARS], script)
    if share is not None and share < SCRIPT_SHARE_ACCEPTED:
        decoded.findings.warning(
            SubtitleErrorCode.LANGUAGE_SCRIPT_MISMATCH,
            f"Only {share:.0%} of the letters are {script}; is this the right language's file?",
        )
    return decoded
