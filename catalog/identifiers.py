"""External identifiers: EIDR (with its ISO 7064 Mod 37,36 check character) and ALID."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from catalog.errors import CatalogErrorCode

_EIDR_RE = re.compile(
    r"^10\.5240/(?P<body>[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})-(?P<check>[0-9A-Z])$"
)
_MOD37_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def eidr_check_character(body: str) -> str:
    """ISO 7064 Mod 37,36 over the 20 hex digits of an EIDR content ID suffix."""
    digits = body.replace("-", "").upper()
    modulus = 36
    product = modulus
    for char in digits:
        total = (product + _MOD37_ALPHABET.index(char)) % modulus
        if total == 0:
            total = modulus
        product = (total * 2) % (modulus + 1)
    check = (modulus + 1 - product) % modulus
    return _MOD37_ALPHABET[check]


def is_valid_eidr(value: str) -> bool:
    match = _EIDR_RE.match(value.strip().upper())
    if not match:
        return False
    return eidr_check_character(match["body"]) == match["check"]


def validate_eidr(value: str) -> None:
    match = _EIDR_RE.match(value.strip().upper())
    if not match:
        raise ValidationError(
            "%(value)s is not an EIDR content ID (10.5240/XXXX-XXXX-XXXX-XXXX-XXXX-C).",
            code=CatalogErrorCode.INVALID_EIDR,
            params={"value": value},
        )
    expected = eidr_check_character(match["body"])
    if expected != match["check"]:
        raise ValidationError(
            "EIDR %(value)s has check character %(got)s; expected %(expected)s.",
            code=CatalogErrorCode.INVALID_EIDR_CHECK,
            params={"value": value, "got": match["check"], "expected": expected},
        )


def eidr_with_check(body: str) -> str:
    """A full EIDR ID from its 20-hex-digit body (used by demo data and tests)."""
    body = body.upper()
    return f"10.5240/{body}-{eidr_check_character(body)}"


_ALID_RE = re.compile(r"^md:alid:[A-Za-z0-9.\-]+:.+$")


def validate_alid(value: str) -> None:
    # EMA ALIDs are MovieLabs Digital Content IDs: md:alid:<scheme>:<ssid>
    if not _ALID_RE.match(value):
        raise ValidationError(
            "%(value)s is not an ALID (md:alid:<scheme>:<id>).",
            code=CatalogErrorCode.INVALID_ALID,
            params={"value": value},
        )
