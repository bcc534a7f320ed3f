"""Read EMA Avails files (XML v2.1–v2.7, spreadsheet template v1.6–v1.9) into AvailRecords."""

from __future__ import annotations

from pathlib import Path

from avails.errors import AvailsErrorCode
from avails.records import AvailProblem, AvailRecord, AvailsParseResult

from .limits import MAX_FILE_BYTES, MIB
from .xlsx import avails_parse_xlsx
from .xml import avails_parse_xml

__all__ = ["avails_check_duplicates", "avails_parse", "avails_parse_path", "avails_parse_xlsx", "avails_parse_xml"]

XLSX_MAGIC = b"PK\x03\x04"


def avails_parse(data: bytes, *, source: str) -> AvailsParseResult:
    """Parse Avails bytes, choosing the reader by content (a zip is a workbook, else XML).

    Both readers stream within avails.parsers.limits; a file past a limit is refused with its code.
    """
    suffix = Path(source).suffix.lower()
    if len(data) > MAX_FILE_BYTES:
        return _refused(
            source,
            suffix.lstrip(".") or "unknown",
            AvailsErrorCode.FILE_TOO_LARGE,
            "file",
            f"The file is {len(data) // MIB} MiB; an import reads at most {MAX_FILE_BYTES // MIB} MiB.",
        )
    if suffix == ".xlsx" and not data.startswith(XLSX_MAGIC):
        return _refused(
            source,
            "xlsx",
            AvailsErrorCode.MALFORMED_XLSX,
            "workbook",
            "The file is named .xlsx but is not a workbook (an .xlsx is a zip archive; a CSV or an .xls renamed "
            ".xlsx is not read).",
        )
    if data.startswith(XLSX_MAGIC):
        return avails_check_duplicates(avails_parse_xlsx(data, source=source))
    if data.lstrip()[:1] == b"<":
        return avails_check_duplicates(avails_parse_xml(data, source=source))
    result = AvailsParseResult(source=source, format=Path(source).suffix.lstrip(".").lower() or "unknown")
    result.problems.append(
        AvailProblem(
            file=source,
            location="file",
            field="format",
            reason="Not an EMA Avails file: expected an XML document or an .xlsx workbook.",
            code=AvailsErrorCode.UNKNOWN_FORMAT,
        )
    )
    return result


def _refused(source: str, fmt: str, code: str, field: str, reason: str) -> AvailsParseResult:
    result = AvailsParseResult(source=source, format=fmt)
    result.problems.append(AvailProblem(file=source, location="file", field=field, reason=reason, code=code))
    return result


def avails_parse_path(path: str | Path) -> AvailsParseResult:
    path = Path(path)
    return avails_parse(path.read_bytes(), source=path.name)


# What makes two transactions the same offer (asset metadata may be given once and omitted on a repeat).
OFFER_FIELDS = (
    "alid", "licensor", "licensee", "license_type", "format_profile", "territories", "territory_exclusions",
    "start", "end", "start_condition", "end_condition", "allowed_languages", "holdback_languages", "exclusive",
    "price_type", "price_value", "price_currency", "season_number", "episode_number",
)  # fmt: skip


# A spreadsheet gives one transaction over several territories as rows sharing its TransactionID.
TERRITORY_FIELDS = ("territories", "territory_exclusions")


def _comparable(record, *, leave_out: tuple[str, ...] = ()) -> tuple:
    return tuple(getattr(record, name) for name in OFFER_FIELDS if name not in leave_out)


def _merge_territories(into: AvailRecord, record: AvailRecord) -> None:
    for name in TERRITORY_FIELDS:
        target = getattr(into, name)
        target.extend(code for code in getattr(record, name) if code not in target)


def offer_key(record) -> str:
    """An upsert key for a transaction without a TransactionID: the ALID and what identifies the offer."""
    start = record.start.strftime("%Y%m%dT%H%M%S") if record.start else record.start_condition
    parts = [record.alid, "+".join(record.territories), record.license_type, record.format_profile, start or ""]
    if record.episode_number is not None:
        parts.append(f"E{record.episode_number}")
    return ":".join(parts)


def avails_check_duplicates(result: AvailsParseResult) -> AvailsParseResult:
    """A TransactionID names one offer: an identical repeat is dropped with a warning, a different one is an error.

    In a spreadsheet, rows that share a TransactionID and differ only in their territories are one
    transaction over all of them (as MovieLabs' reference validator builds it): they are merged into
    the first row's record. TransactionID is optional in both formats; without one, the ALID and the
    offer's terms make the key, so re-importing the same file still finds the same windows.
    """
    given = {id(record) for record in result.records if record.transaction_id}
    for record in result.records:
        if not record.transaction_id:
            record.transaction_id = offer_key(record)[:200]
    seen: dict[str, AvailRecord] = {}
    kept = []
    for record in result.records:
        first = seen.get(record.transaction_id) if record.transaction_id else None
        if first is None:
            if record.transaction_id:
                seen[record.transaction_id] = record
            kept.append(record)
            continue
        same = _comparable(first) == _comparable(record)
        if (
            not same
            and result.format == "xlsx"
            and id(record) in given
            and _comparable(first, leave_out=TERRITORY_FIELDS) == _comparable(record, leave_out=TERRITORY_FIELDS)
        ):
            _merge_territories(first, record)
            continue
        result.problems.append(
            AvailProblem(
                file=result.source,
                location=record.location,
                field="TransactionID",
                reason=(
                    f"TransactionID {record.transaction_id} repeats {first.location}"
                    + (" with the same terms; the repeat is ignored." if same else " with different terms.")
                ),
                code=AvailsErrorCode.DUPLICATE_TRANSACTION,
                severity="warning" if same else "error",
            )
        )
    result.records = kept
    return result
