"""Territories: ISO 3166-1 alpha-2 codes, and the region groups partners speak in (SEA, MENA, ...)."""

from __future__ import annotations

import pycountry
from django.core.exceptions import ValidationError

from partners.errors import PartnersErrorCode

COUNTRY_CODES: frozenset[str] = frozenset(country.alpha_2 for country in pycountry.countries)

# Region groups as licences name them; each expands to its member countries.
REGION_GROUPS: dict[str, tuple[str, ...]] = {
    "SEA": ("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "TL", "VN"),
    "MENA": (
        "AE", "BH", "DZ", "EG", "IL", "IQ", "JO", "KW", "LB", "LY", "MA", "OM", "PS", "QA", "SA",
        "SY", "TN", "YE", "IR",
    ),
    "GCC": ("AE", "BH", "KW", "OM", "QA", "SA"),
    "NA": ("US", "CA"),
    "LATAM": (
        "AR", "BO", "BR", "CL", "CO", "CR", "CU", "DO", "EC", "GT", "HN", "MX", "NI", "PA", "PE",
        "PR", "PY", "SV", "UY", "VE",
    ),
    "EU": (
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
        "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    ),
    "GREATER_CHINA": ("CN", "HK", "MO", "TW"),
    "EAST_ASIA": ("CN", "HK", "MO", "TW", "JP", "KR", "MN"),
}  # fmt: skip


def country_name(code: str) -> str:
    """The country's name as people say it ("South Korea", "Taiwan", "Vietnam"), else its ISO name, else the code."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def territories_expand(codes: list[str] | tuple[str, ...]) -> list[str]:
    """Expand region groups to countries, upper-case, de-duplicate, keep order; reject unknowns."""
    result: list[str] = []
    unknown: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if code == "WW":
            members: tuple[str, ...] = tuple(sorted(COUNTRY_CODES))
        elif code in REGION_GROUPS:
            members = REGION_GROUPS[code]
        elif code in COUNTRY_CODES:
            members = (code,)
        else:
            unknown.append(raw)
            continue
        result.extend(member for member in members if member not in result)
    if unknown:
        raise ValidationError(
            "Unknown territory code(s): %(codes)s. Use ISO 3166-1 alpha-2 codes or a region group (%(groups)s).",
            code=PartnersErrorCode.UNKNOWN_TERRITORY,
            params={"codes": ", ".join(unknown), "groups": ", ".join(sorted(REGION_GROUPS))},
        )
    return result


def validate_territories(value: list[str]) -> None:
    bad = [code for code in value if code not in COUNTRY_CODES]
    if bad:
        raise ValidationError(
            "Not ISO 3166-1 alpha-2 country codes: %(codes)s.",
            code=PartnersErrorCode.UNKNOWN_TERRITORY,
            params={"codes": ", ".join(bad)},
        )
