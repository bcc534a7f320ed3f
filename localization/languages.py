"""Language tags (BCP 47) and the fallback chain used when a localisation is missing."""

from __future__ import annotations

import functools
import re
from typing import Literal

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
    "fil": "Filipino",
}
# Subtags named in the catalogue's own words where the ISO names read oddly ("Han (Simplified variant)").
SCRIPT_NAMES: dict[str, str] = {"Hans": "Simplified", "Hant": "Traditional", "Latn": "Latin", "Arab": "Arabic"}
REGION_NAMES: dict[str, str] = {"419": "Latin America", "001": "World", "150": "Europe"}

TextDirection = Literal["ltr", "rtl", "auto"]


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


@functools.lru_cache(maxsize=512)
def language_name(tag: str) -> str | None:
    """A tag's English name for people: "fil" -> "Filipino", "zh-Hant-TW" -> "Chinese (Traditional, Taiwan)",
    "ar-EG" -> "Arabic (Egypt)"; None for a tag that is not a valid one.

    Names every tag is_valid_tag() accepts: the catalogue's own names first, else ISO 639 / 15924 / 3166.
    """
    tag = normalize_tag(tag)
    if tag in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[tag]
    match = _TAG_RE.match(tag)
    if not match or not is_valid_tag(tag):
        return None
    lang = match["lang"]
    found = pycountry.languages.get(**{"alpha_2" if len(lang) == 2 else "alpha_3": lang})
    base = LANGUAGE_NAMES.get(lang) or getattr(found, "common_name", None) or found.name  # type: ignore[union-attr]
    base = base.removesuffix(" (macrolanguage)")
    details = []
    if match["script"]:
        script = match["script"]
        found_script = pycountry.scripts.get(alpha_4=script)
        details.append(SCRIPT_NAMES.get(script) or (found_script.name if found_script else script))
    if match["region"]:
        region = match["region"]
        found_region = None if region.isdigit() else pycountry.countries.get(alpha_2=region)
        details.append(
            REGION_NAMES.get(region)
            or (getattr(found_region, "common_name", None) or found_region.name if found_region else region)
        )
    return f"{base} ({', '.join(details)})" if details else base


def language_label(tag: str) -> str:
    """A tag as people read it, with the tag kept for the trade: "Filipino (fil)"; an unknown tag as typed."""
    name = language_name(tag) if tag else None
    return f"{name} ({tag})" if name else tag


@functools.lru_cache(maxsize=512)
def language_direction(tag: str | None) -> TextDirection:
    """How text in `tag` runs: "rtl" for Arabic, Persian, Urdu, Hebrew ... (by the tag's script, see
    localization.subtitles.scripts), "ltr" for other valid tags, "auto" when the tag is missing or unknown
    (the browser then takes the direction from the text's first strong letter)."""
    # scripts imports normalize_tag from this module: imported here, not at the top.
    from localization.subtitles import scripts

    if not tag or not is_valid_tag(normalize_tag(tag)):
        return "auto"
    return "rtl" if scripts.is_right_to_left(tag) else "ltr"


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
