"""Field checks shared by the XML and spreadsheet parsers: each returns a clean value or raises FieldError."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

import pycountry

from partners.geography import COUNTRY_CODES, REGION_GROUPS

from . import vocabulary


class FieldError(ValueError):
    """A value that does not fit its field; the message is the reason shown to the user."""


_LANG_RE = re.compile(r"^(?P<lang>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|\d{3}))?$")
_EIDR_URN_RE = re.compile(r"^(?:urn:eidr:)?10\.5240[:/](?P<suffix>[0-9A-Za-z]{4}(?:-[0-9A-Za-z]{4}){4}-[0-9A-Za-z])$")


def language(value: str) -> str:
    """A BCP 47 tag (RFC 5646 language[-Script][-REGION]); returned in canonical case."""
    raw = str(value).strip()
    match = _LANG_RE.match(raw)
    if not match:
        raise FieldError(f"'{raw}' is not a BCP 47 language tag (language[-Script][-REGION], e.g. en, es-419).")
    lang = match["lang"].lower()
    if len(lang) == 2:
        if pycountry.languages.get(alpha_2=lang) is None:
            raise FieldError(f"'{raw}': '{lang}' is not an ISO 639-1 language code.")
    else:
        known = pycountry.languages.get(alpha_3=lang)
        if known is None:
            raise FieldError(f"'{raw}': '{lang}' is not an ISO 639 language code.")
        if getattr(known, "alpha_2", None):
            raise FieldError(
                f"'{raw}': BCP 47 uses the two-letter code '{known.alpha_2}' for {known.name}, not '{lang}'."
            )
    parts = [lang]
    if match["script"]:
        script = match["script"].title()
        if pycountry.scripts.get(alpha_4=script) is None:
            raise FieldError(f"'{raw}': '{script}' is not an ISO 15924 script.")
        parts.append(script)
    if match["region"]:
        region = match["region"].upper()
        if not region.isdigit() and region not in COUNTRY_CODES:
            raise FieldError(f"'{raw}': '{region}' is not an ISO 3166-1 region.")
        parts.append(region)
    return "-".join(parts)


def languages(values: list[str]) -> tuple[list[str], list[str]]:
    """Clean a list of tags: (good ones, reasons for the bad ones)."""
    good: list[str] = []
    bad: list[str] = []
    for value in values:
        try:
            tag = language(value)
        except FieldError as error:
            bad.append(str(error))
        else:
            if tag not in good:
                good.append(tag)
    return good, bad


def territory(value: str) -> list[str]:
    """An ISO 3166-1 alpha-2 country, a region group (SEA, MENA, ...) or WW; returned as countries."""
    code = str(value).strip().upper()
    if code == "WW":
        return sorted(COUNTRY_CODES)
    if code in REGION_GROUPS:
        return list(REGION_GROUPS[code])
    if code in COUNTRY_CODES:
        return [code]
    raise FieldError(f"'{value}' is not an ISO 3166-1 alpha-2 country code or a region group.")


def split_list(value) -> list[str]:
    """Spreadsheet cells hold lists separated by commas or semicolons."""
    if value is None:
        return []
    return [part.strip() for part in re.split(r"[,;]", str(value)) if part.strip()]


def instant(value) -> datetime:
    """An xs:date / xs:dateTime (or a spreadsheet date cell) as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(f"'{value}' is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDThh:mm:ss).") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def date_or_condition(value) -> tuple[datetime | None, str]:
    """Start/End cells hold a date or a condition such as Open or ESTStart."""
    if isinstance(value, str) and value.strip() in vocabulary.DATE_CONDITIONS:
        return None, value.strip()
    return instant(value), ""


def choice(value, allowed: frozenset[str], name: str) -> str:
    text = str(value).strip()
    if text not in allowed:
        close = [a for a in sorted(allowed) if a.lower() == text.lower()]
        if close:
            return close[0]
        raise FieldError(f"'{text}' is not a {name}; expected one of {', '.join(sorted(allowed))}.")
    return text


def boolean(value) -> bool:
    """Yes/No, true/false, T/F (older templates), 1/0, and spreadsheet formulas =TRUE() / =FALSE()."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise FieldError(f"'{value}' is not a yes/no value.")
    text = str(value).strip().lower().lstrip("=").removesuffix("()")
    if text in {"yes", "y", "true", "t", "1"}:
        return True
    if text in {"no", "n", "false", "f", "0", ""}:
        return False
    raise FieldError(f"'{value}' is not a yes/no value.")


def positive_int(value) -> int:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(f"'{value}' is not a whole number.") from None
    if number != number.to_integral_value() or number < 0:
        raise FieldError(f"'{value}' is not a whole number of at least 0.")
    return int(number)


def money(value) -> str:
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(f"'{value}' is not an amount.") from None
    if amount < 0:
        raise FieldError(f"'{value}' is negative.")
    return str(amount)


def currency(value) -> str:
    code = str(value).strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise FieldError(f"'{value}' is not an ISO 4217 currency code.")
    return code


def eidr(value) -> str:
    """An EIDR as 10.5240/XXXX-XXXX-XXXX-XXXX-XXXX-C (from either the DOI or the URN spelling)."""
    text = str(value).strip()
    match = _EIDR_URN_RE.match(text)
    if not match:
        raise FieldError(f"'{text}' is not an EIDR (10.5240/XXXX-XXXX-XXXX-XXXX-XXXX-C or urn:eidr:10.5240:...).")
    return f"10.5240/{match['suffix'].upper()}"


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


_RANGE_RE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def episode_range(value) -> tuple[int | None, int | None]:
    """An episode range: 1-20, or open on one side (5- from episode 5 on, -20 up to episode 20)."""
    match = _RANGE_RE.match(str(value))
    first = int(match[1]) if match and match[1] else None
    last = int(match[2]) if match and match[2] else None
    if (
        not match
        or (first is None and last is None)
        or (first is not None and first < 1)
        or (last is not None and last < 1)
        or (first is not None and last is not None and last < first)
    ):
        raise FieldError(f"'{value}' is not an episode range such as 1-20, 5- or -20.")
    return first, last
