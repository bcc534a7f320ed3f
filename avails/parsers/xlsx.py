"""EMA Avails spreadsheets (template v1.6–v1.9, Movies and TV): row 1 section, row 2 field names,
row 3 //REQ or //Opt, data from row 4. TV rows are at series, season or episode level.

Older templates' conventions are read as MovieLabs' reference validator reads them: v1.6's column
names (avails.templates.V16_RENAMES), comma-separated language lists, T/F for yes/no, and a Movies
ContentID left empty (the title is then known by its EIDR or ALID).
"""

from __future__ import annotations

import itertools
import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime

from avails import fields, templates, vocabulary
from avails.errors import AvailsErrorCode
from avails.fields import FieldError
from avails.records import AvailProblem, AvailRecord, AvailsParseResult

from . import limits
from .limits import AvailsLimitExceeded
from .workbook import WorkbookError, WorkbookReader

HEADER_ROW = 2
FIRST_DATA_ROW = 4
SUPPORTED_TEMPLATES = templates.TEMPLATE_VERSIONS
# A sheet is an Avails sheet if row 2 names LicenseType and one of these (v1.6 TV has no ALID column).
ALID_COLUMNS = ("ALID", "AltID", "EpisodeAltID", "SeasonAltID")
# Fields a template may lack a column for; exports to such a template carry them in OtherTerms.
OTHER_TERM_FIELDS = ("Exclusive", "TitleStatus", "PriceCurrency")
# A field can be spelled differently across template versions; the first spelling found wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "licensee": ("Licensee", "ServiceProvider"),
    "allowed_languages": ("AllowedLanguages", "AllowedLanguage"),
    "holdback_languages": ("HoldbackLanguage", "HoldbackLanguages"),
    "territory_exclusions": ("TerritoryExclusion", "TerritoryExclusions"),
    "transaction_id": ("AvailID", "TransactionID"),
}


class _Sheet:
    def __init__(self, source: str, title: str, header: tuple, result: AvailsParseResult, version: str = "1.9"):
        self.source = source
        self.title = title
        self.result = result
        self.v16 = templates.template_major(version) == "1.6"
        self.columns: dict[str, int] = {}
        for index, name in enumerate(fields.text(value) for value in header):
            if name and name not in self.columns:
                self.columns[name] = index
        self.is_tv = "EpisodeNumber" in self.columns or "SeriesTitleInternalAlias" in self.columns

    def column(self, *names: str) -> int | None:
        for name in names:
            if name in self.columns:
                return self.columns[name]
        return None

    def problem(
        self, row: int, field: str, reason: str, code: str = AvailsErrorCode.INVALID, severity: str = "error"
    ) -> None:
        self.result.problems.append(
            AvailProblem(
                file=self.source,
                location=f"sheet '{self.title}' row {row}",
                field=field,
                reason=reason,
                code=code,
                severity=severity,
            )
        )

    def read(self, rows: Iterator[tuple[int, tuple]]) -> None:
        for row_number, cells in rows:
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            first = cells[0] if cells else None
            if isinstance(first, str) and first.strip().startswith("//"):
                continue  # a comment row
            if len(self.result.records) >= limits.MAX_TRANSACTIONS:
                raise AvailsLimitExceeded(
                    AvailsErrorCode.TOO_MANY_ROWS,
                    "row",
                    f"More than {limits.MAX_TRANSACTIONS} rows; split the file.",
                    location=f"sheet '{self.title}' row {row_number}",
                )
            self.result.records.append(self.read_row(row_number, cells))
            if self.result.error_limit_reached(limits.MAX_ERRORS, f"sheet '{self.title}' row {row_number}"):
                raise _ReadingStopped

    def read_row(self, row: int, cells: tuple) -> AvailRecord:
        def raw(*names: str):
            # The first of the spellings that holds a value (templates name some fields twice).
            for name in names:
                index = self.column(name)
                if index is None or index >= len(cells):
                    continue
                value = cells[index]
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                return value
            return None

        def get(*names: str) -> str:
            value = raw(*names)
            if isinstance(value, str) and value.startswith("="):
                self.problem(row, names[0], f"Formula {value} is not read; enter the value itself.")
                return ""
            return fields.text(value)

        def required(*names: str) -> str:
            value = get(*names)
            if not value:
                self.problem(row, names[0], f"{names[0]} is required.", code=AvailsErrorCode.REQUIRED)
            return value

        def checked(name: str, convert, value, severity: str = "error"):
            if value in (None, ""):
                return None
            try:
                return convert(value)
            except FieldError as error:
                self.problem(row, name, str(error), severity=severity)
                return None

        work_type = get("WorkType")
        record = AvailRecord(
            source=self.source,
            location=f"sheet '{self.title}' row {row}",
            alid=required(*self.alid_columns(work_type)),
            transaction_id=get(*ALIASES["transaction_id"]),
            licensor=required("DisplayName"),
            licensee=get(*ALIASES["licensee"]),
        )
        work_type = required("WorkType")
        if work_type:
            record.work_type = (
                checked("WorkType", lambda v: fields.choice(v, vocabulary.WORK_TYPES, "WorkType"), work_type) or ""
            )
        entry_type = required("EntryType")
        if entry_type:
            record.entry_type = (
                checked("EntryType", lambda v: fields.choice(v, vocabulary.ENTRY_TYPES, "EntryType"), entry_type) or ""
            )
        record.avail_type = {"Movie": "single", "Episode": "episode", "Season": "season", "Series": "series"}.get(
            record.work_type, record.work_type.lower()
        )
        if self.is_tv:
            record.title = get("SeriesTitleDisplayUnlimited") or required("SeriesTitleInternalAlias")
            record.title_internal_alias = get("SeriesTitleInternalAlias")
            record.series_content_id = get("SeriesContentID")
            record.season_content_id = get("SeasonContentID")
            record.content_id = get("EpisodeContentID") if record.work_type == "Episode" else record.season_content_id
            if record.work_type == "Series":
                record.content_id = record.series_content_id
            if not self.v16:  # v1.6 has only the AltID columns, which hold the ALIDs, not EIDRs
                record.eidr = checked("SeriesID", fields.eidr, get("SeriesID"), severity="warning") or ""
                record.edit_eidr = checked("EpisodeID", fields.eidr, get("EpisodeID"), severity="warning") or ""
            record.season_number = checked("SeasonNumber", fields.positive_int, get("SeasonNumber"))
            record.episode_count = checked("EpisodeCount", fields.positive_int, get("EpisodeCount"))
            if record.work_type in {"Season", "Episode"} and record.season_number is None:
                self.problem(
                    row,
                    "SeasonNumber",
                    f"SeasonNumber is required for a {record.work_type} row.",
                    code=AvailsErrorCode.REQUIRED,
                )
            if record.work_type == "Episode":
                record.episode_number = checked("EpisodeNumber", fields.positive_int, required("EpisodeNumber"))
                record.episode_title = get("EpisodeTitleDisplayUnlimited") or get("EpisodeTitleInternalAlias")
            elif get("EpisodeNumber"):
                self.problem(row, "EpisodeNumber", f"A {record.work_type} row names no episode.")
        else:
            record.title = get("TitleDisplayUnlimited") or required("TitleInternalAlias")
            record.title_internal_alias = get("TitleInternalAlias")
            # ContentID is optional in the Movies template: the title is then known by its EIDR or ALID.
            record.content_id = get(self.name("ContentID"))
            record.eidr = checked("TitleID", fields.eidr, get(self.name("TitleID")), severity="warning") or ""
            record.edit_eidr = checked("EditID", fields.eidr, get(self.name("EditID")), severity="warning") or ""
        record.release_year = checked("ReleaseYear", fields.positive_int, get("ReleaseYear"))
        self.read_terms(row, record, get, required, checked, raw)
        return record

    def name(self, field: str) -> str:
        return templates.column_name("1.6" if self.v16 else "1.9", field)

    def alid_columns(self, work_type: str) -> tuple[str, ...]:
        if not self.v16:
            return ("ALID",)
        if not self.is_tv:
            return ("AltID",)
        return ("SeasonAltID",) if work_type == "Season" else ("EpisodeAltID",)

    def read_terms(self, row, record, get, required, checked, raw) -> None:
        for code in fields.split_list(required("Territory")):
            countries = checked("Territory", fields.territory, code)
            record.territories.extend(c for c in countries or [] if c not in record.territories)
        for code in fields.split_list(get(*ALIASES["territory_exclusions"])):
            countries = checked("TerritoryExclusion", fields.territory, code)
            record.territory_exclusions.extend(c for c in countries or [] if c not in record.territory_exclusions)
        license_type = required("LicenseType")
        record.license_type = (
            checked("LicenseType", lambda v: fields.choice(v, vocabulary.LICENSE_TYPES, "LicenseType"), license_type)
            or license_type
        )
        record.license_rights_description = (
            checked(
                "LicenseRightsDescription",
                lambda v: fields.choice(v, vocabulary.LICENSE_RIGHTS_DESCRIPTIONS, "LicenseRightsDescription"),
                get("LicenseRightsDescription"),
            )
            or ""
        )
        record.format_profile = (
            checked(
                "FormatProfile",
                lambda v: fields.choice(v, vocabulary.FORMAT_PROFILES, "FormatProfile"),
                required("FormatProfile"),
            )
            or ""
        )
        for name in ("Start", "End"):
            value = raw(name)
            if value is None:
                self.problem(
                    row,
                    name,
                    f"{name} is required (a date, or a condition such as Open).",
                    code=AvailsErrorCode.REQUIRED,
                )
                continue
            parsed = checked(
                name, fields.date_or_condition, value if isinstance(value, datetime) else fields.text(value)
            )
            if parsed is None:
                continue
            moment, condition = parsed
            if name == "Start":
                record.start, record.start_condition = moment, condition
            else:
                record.end, record.end_condition = moment, condition
        if record.start and record.end and record.end <= record.start:
            self.problem(
                row,
                "End",
                f"End {record.end:%Y-%m-%d} is not after Start {record.start:%Y-%m-%d}.",
                code=AvailsErrorCode.END_BEFORE_START,
            )
        # Older templates list several asset languages, comma-separated; the first is the original's.
        asset_languages, bad = fields.languages(fields.split_list(get(self.name("AssetLanguage"))))
        record.asset_language = asset_languages[0] if asset_languages else ""
        for reason in bad:
            self.problem(row, "AssetLanguage", reason, code=AvailsErrorCode.INVALID_LANGUAGE)
        for field_name, attr in (
            ("allowed_languages", "allowed_languages"),
            ("holdback_languages", "holdback_languages"),
        ):
            spellings = ALIASES[field_name] + ((self.name("AllowedLanguages"),) if attr == "allowed_languages" else ())
            good, bad = fields.languages(fields.split_list(get(*spellings)))
            setattr(record, attr, good)
            if attr == "allowed_languages":
                record.audio_languages, record.subtitle_languages = list(good), list(good)
            for reason in bad:
                self.problem(row, ALIASES[field_name][0], reason, code=AvailsErrorCode.INVALID_LANGUAGE)
        exclusive = raw("Exclusive")
        if exclusive is not None:
            record.exclusive = bool(checked("Exclusive", fields.boolean, exclusive))
        record.exclusive_attributes = get("ExclusiveAttributes")
        record.price_type = get("PriceType")
        if record.price_type and record.price_type not in vocabulary.PRICE_TERMS:
            self.problem(row, "PriceType", f"'{record.price_type}' is not a PriceType.")
        price_value = get("PriceValue")
        if record.price_type in {"Category", "NA"}:
            record.price_value = price_value
        elif price_value:
            record.price_value = checked("PriceValue", fields.money, price_value) or ""
        if record.license_type and record.license_type != "SVOD" and not (record.price_type and price_value):
            self.problem(
                row, "PriceType", "PriceType and PriceValue are required for all but SVOD.", severity="warning"
            )
        currency = get("PriceCurrency")
        if currency:
            record.price_currency = checked("PriceCurrency", fields.currency, currency) or ""
        record.contract_id = get("ContractID")
        status = get("TitleStatus")
        if status:
            record.title_status = (
                checked("TitleStatus", lambda v: fields.choice(v, vocabulary.TITLE_STATUSES, "TitleStatus"), status)
                or ""
            )
        record.reporting_id = get("ReportingID")
        record.description = get("Description")
        for term in fields.split_list(get("OtherTerms")):
            name, _, value = term.partition("=")
            if name.strip() in OTHER_TERM_FIELDS and raw(name.strip()) is None:
                self.read_other_term_field(row, record, name.strip(), value.strip(), checked)
            elif name.strip() == vocabulary.FREE_EPISODES_TERM:
                record.free_episode_count = checked("OtherTerms", fields.positive_int, value.strip())
            elif name.strip() == vocabulary.EPISODE_RANGE_TERM:
                record.episode_range = checked("OtherTerms", fields.episode_range, value.strip())
            elif name.strip() in (vocabulary.AUDIO_LANGUAGES_TERM, vocabulary.SUBTITLE_LANGUAGES_TERM):
                good, bad = fields.languages(value.split())
                for reason in bad:
                    self.problem(row, "OtherTerms", reason, code=AvailsErrorCode.INVALID_LANGUAGE)
                if name.strip() == vocabulary.AUDIO_LANGUAGES_TERM:
                    record.audio_languages = good
                else:
                    record.subtitle_languages = good
        system, value = get("RatingSystem"), get("RatingValue")
        allowed = vocabulary.RATING_VALUES.get(system)
        if allowed is not None and value and value not in allowed:
            self.problem(
                row, "RatingValue", f"'{value}' is not a {system} rating; expected one of {', '.join(sorted(allowed))}."
            )

    def read_other_term_field(self, row: int, record: AvailRecord, name: str, value: str, checked) -> None:
        """A field the template has no column for, carried in OtherTerms (Exclusive=T, TitleStatus=Approved)."""
        if name == "Exclusive":
            record.exclusive = bool(checked("OtherTerms", fields.boolean, value))
        elif name == "TitleStatus":
            record.title_status = (
                checked("OtherTerms", lambda v: fields.choice(v, vocabulary.TITLE_STATUSES, "TitleStatus"), value) or ""
            )
        else:
            record.price_currency = checked("OtherTerms", fields.currency, value) or ""


def _template_version(title: str, corner) -> str:
    if isinstance(corner, int | float) and not isinstance(corner, bool):
        return f"{corner:g}"
    if isinstance(corner, str) and re.fullmatch(r"\s*v?\d+\.\d+(\.\d+)?\s*", corner):
        return corner.strip().lstrip("v")
    match = re.search(r"v?(\d+\.\d+)", title or "")
    return match[1] if match else ""


class _ReadingStopped(Exception):
    """Too many errors were found to go on; the result says so."""


def _refuse(result: AvailsParseResult, source: str, code: str, field: str, reason: str, location: str = "file") -> None:
    # A refused file yields nothing to write, and the refusal is its only problem.
    result.records = []
    result.problems = [AvailProblem(file=source, location=location, field=field, reason=reason, code=code)]


def avails_parse_xlsx(data: bytes, *, source: str) -> AvailsParseResult:
    """Parse an EMA Avails workbook: every sheet whose row 2 holds Avails field names.

    Streams each sheet row by row (avails.parsers.workbook) within avails.parsers.limits; a file past
    a limit is refused whole with the limit's code.
    """
    result = AvailsParseResult(source=source, format="xlsx")
    try:
        _read_workbook(data, source, result)
    except _ReadingStopped:
        pass
    except AvailsLimitExceeded as error:
        _refuse(result, source, error.code, error.field, error.reason, error.location)
    except (WorkbookError, zipfile.BadZipFile, EOFError, zlib.error) as error:
        # A part that does not decompress to what the zip declares (bad CRC, truncated) is malformed too.
        _refuse(result, source, AvailsErrorCode.MALFORMED_XLSX, "workbook", f"Not a readable .xlsx workbook: {error}")
    return result


def _read_workbook(data: bytes, source: str, result: AvailsParseResult) -> None:
    if len(data) > limits.MAX_FILE_BYTES:
        raise AvailsLimitExceeded(
            AvailsErrorCode.FILE_TOO_LARGE, "file", f"The file is over {limits.MAX_FILE_BYTES // limits.MIB} MiB."
        )
    reader = WorkbookReader(data)
    sheets = 0
    skipped: list[str] = []
    for title, part in reader.sheets():
        rows = reader.rows(part)
        top: dict[int, tuple] = {}
        first_data = None
        for row_number, cells in rows:
            if row_number < FIRST_DATA_ROW:
                top[row_number] = cells
                continue
            first_data = (row_number, cells)
            break
        corner = top.get(3, (None,))
        version = _template_version(title, corner[0] if corner else None)
        sheet = _Sheet(source, title, top.get(HEADER_ROW, ()), result, version or "1.9")
        if "LicenseType" not in sheet.columns or not any(name in sheet.columns for name in ALID_COLUMNS):
            skipped.append(title)
            continue  # not an Avails sheet (instructions, lists): the rest of it is never read
        sheets += 1
        result.version = result.version or version
        if version and templates.template_major(version) not in SUPPORTED_TEMPLATES:
            sheet.problem(
                3,
                "template",
                f"Template v{version} is not supported; this importer reads v{SUPPORTED_TEMPLATES[0]} to "
                f"v{SUPPORTED_TEMPLATES[-1]}.",
                code=AvailsErrorCode.UNSUPPORTED_VERSION,
            )
            continue
        sheet.read(itertools.chain([first_data] if first_data else [], rows))
    if not sheets:
        result.problems.append(
            AvailProblem(
                file=source,
                location="file",
                field="template",
                reason=(
                    "No sheet with EMA Avails field names in row 2 (ALID, LicenseType, ...); the workbook's sheets: "
                    + (", ".join(f"'{name}'" for name in skipped[:10]) or "none")
                    + "."
                ),
                code=AvailsErrorCode.NOT_AVAILS,
            )
        )
