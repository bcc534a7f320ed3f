"""Which writing system a language tag is written in, and how much of a text is in it.

Used to pick the right decoding of a legacy file (a GBK file decoded as cp1252 gives Latin
letters, not Han ones) and, in quality control, to count characters the way each script is read.
"""

from __future__ import annotations

import re

from localization.languages import normalize_tag

HAN = "han"
JAPANESE = "japanese"
HANGUL = "hangul"
THAI = "thai"
ARABIC = "arabic"
HEBREW = "hebrew"
CYRILLIC = "cyrillic"
DEVANAGARI = "devanagari"
GREEK = "greek"
LATIN = "latin"

_HAN = "\u3000-\u303f\uff00-\uffef\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
SCRIPT_CHARS: dict[str, str] = {
    HAN: _HAN,
    JAPANESE: _HAN + "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f",
    HANGUL: _HAN + "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f",
    THAI: "\u0e00-\u0e7f",
    ARABIC: "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff",
    HEBREW: "\u0590-\u05ff\ufb1d-\ufb4f",
    CYRILLIC: "\u0400-\u04ff\u0500-\u052f",
    DEVANAGARI: "\u0900-\u097f",
    GREEK: "\u0370-\u03ff\u1f00-\u1fff",
    LATIN: "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
}
_SCRIPT_RE = {script: re.compile(f"[{chars}]") for script, chars in SCRIPT_CHARS.items()}
_ASCII_LETTER_RE = re.compile("[A-Za-z]")
_LATIN_BEYOND_ASCII_RE = re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")

_BY_LANGUAGE: dict[str, str] = {
    **dict.fromkeys(("zh", "yue", "cmn", "wuu", "hak", "nan", "gan", "hsn", "cdo", "lzh"), HAN),
    "ja": JAPANESE,
    "ko": HANGUL,
    "th": THAI,
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ckb", "sd", "ug", "ku"), ARABIC),
    **dict.fromkeys(("he", "yi", "iw"), HEBREW),
    **dict.fromkeys(("ru", "uk", "bg", "be", "kk", "ky", "mn", "mk", "tg"), CYRILLIC),
    **dict.fromkeys(("hi", "mr", "ne", "sa"), DEVANAGARI),
    "el": GREEK,
}
_BY_SCRIPT_SUBTAG = {
    "Hans": HAN,
    "Hant": HAN,
    "Hani": HAN,
    "Jpan": JAPANESE,
    "Kore": HANGUL,
    "Hang": HANGUL,
    "Thai": THAI,
    "Arab": ARABIC,
    "Hebr": HEBREW,
    "Cyrl": CYRILLIC,
    "Deva": DEVANAGARI,
    "Grek": GREEK,
    "Latn": LATIN,
}
RIGHT_TO_LEFT = {ARABIC, HEBREW}
# Scripts whose characters are full-width: a line holds about half as many as a Latin line.
FULL_WIDTH = {HAN, JAPANESE, HANGUL}


def script_of(language: str) -> str:
    """The script a language tag is written in: its Script subtag, else the language's usual one (Latin
    when not listed: the catalogue's other languages are en, es, pt, id, ms, vi ...)."""
    parts = normalize_tag(language).split("-")
    for part in parts[1:]:
        if part in _BY_SCRIPT_SUBTAG:
            return _BY_SCRIPT_SUBTAG[part]
    return _BY_LANGUAGE.get(parts[0], LATIN)


def is_right_to_left(language: str) -> bool:
    return script_of(language) in RIGHT_TO_LEFT


def script_share(text: str, script: str) -> float | None:
    """The share of the text's letters written in `script` (None when it has none).

    Letters here are the ASCII letters and every character beyond ASCII: subtitle text is letters,
    spaces, digits and punctuation, and a Unicode letter-category test costs ten times as much.
    """
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    ascii_letters = len(_ASCII_LETTER_RE.findall(text))
    letters = non_ascii + ascii_letters
    if not letters:
        return None
    if script == LATIN:
        in_script = ascii_letters + (len(_LATIN_BEYOND_ASCII_RE.findall(text)) if non_ascii else 0)
    else:
        in_script = len(_SCRIPT_RE[script].findall(text)) if non_ascii else 0
    return min(1.0, in_script / letters)
