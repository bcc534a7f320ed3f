"""Language tags (BCP 47) and the fallback chain used when a localisation is missing."""

from __future__ import annotations

import re

import pycountry
from django.core.exceptions import ValidationError

from localization.errors import LocalizationErrorCode

# language[-Script][-REGION]; enough for the catalogue's tags (zh-Hans, zh-Hant-HK, yue, en-US, ...)
_TAG_RE = re.compile(r"^(?P<lang>[a-z]{2,3})(?:-(?P<script>[A-Z][a-z]{3}))?(?:-(?P<region>[A-Z]{2}|\d{3}))?$")

# Where a language falls back to before the generic steps (strip subtags, then English).
EXTRA_FALLBACKS: dict[str, tuple[str, ...]] = {
    "yue": ("zh-Hant-HK", "zh-Hant"),
    "zh-Hant-HK": ("zh-Hant",),
    "zh-Hant-TW": ("zh-Hant",),
    "zh-Hant-MO": ("zh-Hant-HK", "zh-Hant"),
    "zh-Hant": ("zh-Hans",),
    "zh-HK": ("zh-Hant-HK", "zh-Hant"),
    "zh-TW": ("zh-Hant-TW", "zh-Hant"),
    "zh-CN": ("zh-Hans",),
    "zh": ("zh-Hans",),
}
DEFAULT_FALLBACK = "en"

LANGUAGE_NAMES: dict[str, str] = {
    "zh-Hans": "Chinese (Simplified)",
    "zh-Hant": "Chinese (Traditional)",
    "zh-Hant-HK": "Chinese (Traditional, Hong Kong)",
    "yue": "Cantonese",
    "en": "English",
    "ko": "Korean",
    "th": "Thai",
    "ar": "Arabic",
    "ja": "Japanese",
    "vi": "Vietnamese",
    "id": "Indonesian",
    "ms": "Malay",
    "es": "Spanish",
    "pt": "Portuguese",
}


def normalize_tag(tag: str) -> str:
    """Canonical casing: language lower, Script title, REGION upper (zh-hant-hk -> zh-Hant-HK)."""
    parts = tag.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) in (2, 3):
            out.append(part.upper())
        else:
            out.append(part)
    return "-".join(out)


def is_valid_tag(tag: str) -> bool:
    match = _TAG_RE.match(tag)
    if not match:
        return False
    lang = match["lang"]
    if len(lang) == 2:
        return pycountry.languages.get(alpha_2=lang) is not None
    return pycountry.languages.get(alpha_3=lang) is not None


def validate_language_tag(value: str) -> None:
    if not is_valid_tag(value):
        raise ValidationError(
            "%(value)s is not a BCP 47 language tag of the form language[-Script][-REGION] "
            "(e.g. en, zh-Hans, zh-Hant-HK, yue).",
            code=LocalizationErrorCode.INVALID_LANGUAGE,
            params={"value": value},
        )


def validate_language_tags(values: list[str]) -> None:
    for value in values:
        validate_language_tag(value)


def language_fallback_chain(tag: str, *, final: str | None = DEFAULT_FALLBACK) -> list[str]:
    """The tags to try, in order, for a reader of `tag`.

    zh-Hant-HK -> zh-Hant -> zh-Hans -> en; yue -> zh-Hant-HK -> zh-Hant -> zh-Hans -> en;
    en-US -> en; th -> en.
    """
    chain: list[str] = []

    def add(candidate: str) -> None:
        if candidate not in chain:
            chain.append(candidate)
            for extra in EXTRA_FALLBACKS.get(candidate, ()):
                add(extra)

    tag = normalize_tag(tag)
    parts = tag.split("-")
    for end in range(len(parts), 0, -1):
        add("-".join(parts[:end]))
    if final:
        add(final)
    return chain
