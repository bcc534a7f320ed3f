"""Write rights windows as EMA Avails: XML in any version's shape from v2.1 to v2.7 (v2.4 by default) and
.xlsx in any TV template version's shape from v1.6 to v1.9 (v1.9 by default).

Windows over a whole drama become series avails, a single episode an episode avail, and an episode
range a season avail carrying the platform's EpisodeRange term. Identifiers the window or drama
lack are derived from their ids (see `window_transaction_id`, `drama_content_id`), and the importer
maps them back, so an exported file imports again onto the same windows.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, datetime

import openpyxl
from django.db.models import QuerySet
from lxml import etree

from . import templates, vocabulary
from .parsers.structure import STRUCTURES, XML_VERSIONS, AvailsStructure
from .records import AvailRecord

XML_VERSION = "2.4"  # what the partner API serves
TEMPLATE_VERSION = "1.9"
EXPORT_XML_VERSIONS = XML_VERSIONS
EXPORT_TEMPLATE_VERSIONS = templates.TEMPLATE_VERSIONS
DRAMA_CONTENT_ID_PREFIX = "md:cid:org:migu:drama:"
DRAMA_ALID_PREFIX = "md:alid:org:migu:drama:"
WINDOW_TRANSACTION_PREFIX = "migu:window:"
FORMAT_PROFILE = "HD"  # the platform does not license by resolution
STATUS_TO_EMA = {"pending": "Pending", "approved": "Approved", "revoked": "Revoked", "expired": "Expired"}


def drama_content_id(drama) -> str:
    return f"{DRAMA_CONTENT_ID_PREFIX}{drama.pk}"


def drama_platform_alid(drama) -> str:
    return f"{DRAMA_ALID_PREFIX}{drama.pk}"


def window_transaction_id(window) -> str:
    return window.transaction_id or f"{WINDOW_TRANSACTION_PREFIX}{window.pk}"


def _eidr_urn(eidr: str) -> str:
    return "urn:eidr:10.5240:" + eidr.split("/", 1)[1] if eidr.startswith("10.5240/") else eidr


def avails_records_for(windows: Iterable) -> list[AvailRecord]:
    """The windows as AvailRecords (pass windows with drama, drama__owner and licensee selected)."""
    records: list[AvailRecord] = []
    for window in windows:
        drama = window.drama
        whole = window.episode_start is None and window.episode_end is None
        single = window.episode_start is not None and window.episode_start == window.episode_end
        if whole:
            work_type, avail_type, episode_range = "Series", "series", None
        elif single:
            work_type, avail_type, episode_range = "Episode", "episode", None
        else:
            work_type, avail_type = "Season", "season"
            episode_range = (window.episode_start, window.episode_end)
        price = window.unlock_price
        licence_type = vocabulary.LICENSE_TYPE_TO_EMA.get(window.licence_type, window.licence_type)
        record = AvailRecord(
            source="",
            location=f"window #{window.pk}",
            alid=window.alid or drama.alid or drama_platform_alid(drama),
            transaction_id=window_transaction_id(window),
            licensor=drama.owner.name if window.direction == "out" else window.licensee.name,
            licensee=window.licensee.name if window.direction == "out" else "",
            avail_type=avail_type,
            work_type=work_type,
            title=drama.original_title,
            title_internal_alias=drama.original_title,
            content_id=drama_content_id(drama),
            series_content_id=drama_content_id(drama),
            eidr=drama.eidr,
            season_number=1,
            episode_number=window.episode_start if single else None,
            release_year=drama.production_year,
            license_type=licence_type,
            format_profile=FORMAT_PROFILE,
            territories=list(window.territories),
            territory_exclusions=list(window.territory_exclusions),
            start=window.start,
            end=window.end,
            end_condition="" if window.end else "Open",
            allowed_languages=list(dict.fromkeys([*window.audio_languages, *window.subtitle_languages])),
            audio_languages=list(window.audio_languages),
            subtitle_languages=list(window.subtitle_languages),
            holdback_languages=list(window.holdback_languages),
            asset_language=drama.original_language,
            exclusive=window.exclusive,
            price_type="SRP" if price is not None else "",
            price_value=str(price) if price is not None else "",
            price_currency=window.currency if price is not None else "",
            contract_id=window.contract_id,
            title_status=STATUS_TO_EMA.get(window.status, ""),
            free_episode_count=window.free_episode_count,
            episode_range=episode_range,
        )
        records.append(record)
    return records


def _range_text(episode_range: tuple[int | None, int | None]) -> str:
    first, last = episode_range
    return f"{first or ''}-{last or ''}"


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def avails_xml_from_records(
    records: Iterable[AvailRecord], *, issued: datetime | None = None, version: str = XML_VERSION
) -> bytes:
    """EMA Avails XML in a version's shape (v2.1 to v2.7): one Avail per record, with its one Transaction.

    Each version gets what its XSD allows and requires (avails.parsers.structure): v2.1 has no
    AllowedLanguage or HoldbackLanguage, so the languages travel as Terms there; Terms hold a Boolean
    from v2.3 and a Number from v2.4, Text before.
    """
    structure = STRUCTURES[version]
    issued = issued or datetime.now(UTC)
    nsmap = {"avails": structure.namespace, "md": structure.md_namespace}

    def el(parent, ns: str, name: str, text: str | None = None, **attributes):
        node = etree.SubElement(parent, f"{{{nsmap[ns]}}}{name}", **attributes)
        if text is not None:
            node.text = text
        return node

    root = etree.Element(f"{{{structure.namespace}}}AvailList", nsmap=nsmap)
    for record in records:
        avail = el(root, "avails", "Avail")
        el(avail, "avails", "ALID", record.alid)
        disposition = el(avail, "avails", "Disposition")
        el(disposition, "avails", "EntryType", "Full Extract")
        el(disposition, "avails", "IssueDate", issued.date().isoformat())
        el(el(avail, "avails", "Licensor"), "md", "DisplayName", record.licensor)
        if record.licensee:
            el(el(avail, "avails", "ServiceProvider"), "md", "DisplayName", record.licensee)
        el(avail, "avails", "AvailType", record.avail_type)
        el(avail, "avails", "ShortDescription", record.title)
        asset = el(avail, "avails", "Asset", contentID=record.content_id)
        el(asset, "avails", "WorkType", record.work_type)
        _series_metadata(el, asset, record, structure)
        _transaction(el, avail, record, structure)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _series_metadata(el, asset, record: AvailRecord, structure: AvailsStructure) -> None:
    # v2.1 requires the display titles that later versions made optional.
    titles_required = structure.version == "2.1"

    def series(parent):
        metadata = el(parent, "avails", "SeriesMetadata")
        el(metadata, "avails", "SeriesContentID", record.series_content_id)
        if record.eidr:
            el(metadata, "avails", "SeriesEIDR-URN", _eidr_urn(record.eidr))
        el(metadata, "avails", "SeriesTitleDisplayUnlimited", record.title)
        el(metadata, "avails", "SeriesTitleInternalAlias", record.title_internal_alias or record.title)

    def season(parent):
        metadata = el(parent, "avails", "SeasonMetadata")
        el(metadata, "avails", "SeasonContentID", f"{record.series_content_id}:season:1")
        if titles_required:
            el(metadata, "avails", "SeasonTitleDisplayUnlimited", record.title)
        el(el(metadata, "avails", "SeasonNumber"), "md", "Number", "1")
        series(metadata)

    if record.work_type == "Series":
        series(asset)
    elif record.work_type == "Season":
        season(asset)
    else:
        metadata = el(asset, "avails", "EpisodeMetadata")
        if titles_required:
            el(metadata, "avails", "TitleDisplayUnlimited", f"{record.title} E{record.episode_number}")
        el(metadata, "avails", "TitleInternalAlias", f"{record.title} E{record.episode_number}")
        el(el(metadata, "avails", "EpisodeNumber"), "md", "Number", str(record.episode_number))
        season(metadata)


def _transaction(el, avail, record: AvailRecord, structure: AvailsStructure) -> None:
    transaction = el(avail, "avails", "Transaction", TransactionID=record.transaction_id)
    el(transaction, "avails", "LicenseType", record.license_type)
    if structure.version == "2.1":
        el(transaction, "avails", "Description", record.title)  # required in v2.1
    for code in record.territories:
        el(el(transaction, "avails", "Territory"), "md", "country", code)
    for code in record.territory_exclusions:
        el(el(transaction, "avails", "TerritoryExcluded"), "md", "country", code)
    # Exported records come from windows, which always start.
    el(transaction, "avails", "Start", _instant(record.start))  # type: ignore[arg-type]
    if record.end is not None:
        el(transaction, "avails", "End", _instant(record.end))
    else:
        el(transaction, "avails", "EndCondition", "Open")
    if structure.has_allowed_language:
        for tag in record.allowed_languages:
            audio, subtitle = tag in record.audio_languages, tag in record.subtitle_languages
            use = {} if audio == subtitle else {"asset": "audio" if audio else "subtitle"}
            el(transaction, "avails", "AllowedLanguage", tag, **use)
        if record.asset_language:
            el(transaction, "avails", "AssetLanguage", record.asset_language)
        for tag in record.holdback_languages:
            el(transaction, "avails", "HoldbackLanguage", tag)
    elif record.asset_language:
        el(transaction, "avails", "StoreLanguage", record.asset_language)
    el(transaction, "avails", "FormatProfile", record.format_profile)
    if record.contract_id:
        el(transaction, "avails", "ContractID", record.contract_id)

    def term(name: str, kind: str, value: str):
        node = el(el(transaction, "avails", "Term", termName=name), "avails", kind, value)
        return node

    if record.price_type:
        money = term(record.price_type, "Money", record.price_value)
        if record.price_currency:
            money.set("currency", record.price_currency)
    # Every version up to v2.3 requires a Term; Exclusive is always there to be one.
    term("Exclusive", "Boolean" if structure.has_term_boolean else "Text", str(record.exclusive).lower())
    if record.title_status:
        term("TitleStatus", "Text", record.title_status)
    if record.free_episode_count is not None:
        term(
            vocabulary.FREE_EPISODES_TERM,
            "Number" if structure.has_term_number else "Text",
            str(record.free_episode_count),
        )
    if record.episode_range:
        term(vocabulary.EPISODE_RANGE_TERM, "Text", _range_text(record.episode_range))
    if not structure.has_allowed_language:
        if record.allowed_languages:
            term(vocabulary.AUDIO_LANGUAGES_TERM, "Text", " ".join(record.audio_languages))
            term(vocabulary.SUBTITLE_LANGUAGES_TERM, "Text", " ".join(record.subtitle_languages))
        if record.holdback_languages:
            term(vocabulary.HOLDBACK_LANGUAGES_TERM, "Text", " ".join(record.holdback_languages))


def _other_terms(record: AvailRecord, version: str) -> str:
    terms = []
    if record.free_episode_count is not None:
        terms.append(f"{vocabulary.FREE_EPISODES_TERM}={record.free_episode_count}")
    if record.episode_range:
        terms.append(f"{vocabulary.EPISODE_RANGE_TERM}={_range_text(record.episode_range)}")
    if record.audio_languages != record.subtitle_languages:
        # The template's AllowedLanguages does not say audio or subtitles; these terms do.
        terms.append(f"{vocabulary.AUDIO_LANGUAGES_TERM}={' '.join(record.audio_languages)}")
        terms.append(f"{vocabulary.SUBTITLE_LANGUAGES_TERM}={' '.join(record.subtitle_languages)}")
    if record.price_currency and templates.template_lacks(version, "PriceCurrency"):
        terms.append(f"PriceCurrency={record.price_currency}")
    return "; ".join(terms)


def avails_xlsx_from_records(records: Iterable[AvailRecord], *, version: str = TEMPLATE_VERSION) -> bytes:
    """A workbook in a TV template version's shape (v1.6 to v1.9): sections, field names, //REQ row, then rows.

    v1.6 has its own column names (StoreLanguage, HoldbackExclusionLanguage, ...), no ALID column (an
    episode's ALID is its EpisodeAltID, a season's its SeasonAltID, and it has no series rows: a whole
    drama is a season row), T/F for yes/no and no PriceCurrency (carried in OtherTerms).
    """
    v16 = templates.template_major(version) == "1.6"
    columns = templates.tv_columns(version)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = f"Template-TV_v{version}"
    sheet.append([section for section, _, _ in columns])
    sheet.append([name for _, name, _ in columns])
    sheet.append([float(version)] + [required for _, _, required in columns[1:]])
    yes, no = ("T", "F") if v16 else ("Yes", "No")
    for record in records:
        work_type = "Season" if v16 and record.work_type == "Series" else record.work_type
        values = {
            "DisplayName": record.licensor,
            "Licensee": record.licensee,
            "AssetLanguage": record.asset_language,
            "Territory": ", ".join(record.territories),
            "TerritoryExclusion": ", ".join(record.territory_exclusions),
            "WorkType": work_type,
            "EntryType": "Full Extract",
            "SeriesTitleInternalAlias": record.title_internal_alias or record.title,
            "SeriesTitleDisplayUnlimited": record.title,
            "SeasonNumber": 1,
            "EpisodeNumber": record.episode_number,
            "SeriesID": record.eidr,
            "ALID": record.alid,
            "LicenseType": record.license_type,
            "FormatProfile": record.format_profile,
            "Start": record.start.astimezone(UTC).replace(tzinfo=None),  # type: ignore[union-attr]
            "End": record.end.astimezone(UTC).replace(tzinfo=None) if record.end else "Open",
            "PriceType": record.price_type,
            "PriceValue": record.price_value,
            "PriceCurrency": record.price_currency,
            "OtherTerms": _other_terms(record, version),
            "SeriesContentID": record.series_content_id,
            "SeasonContentID": f"{record.series_content_id}:season:1",
            "AvailID": record.transaction_id,
            "ContractID": record.contract_id,
            "TitleStatus": record.title_status,
            "Exclusive": yes if record.exclusive else no,
            "HoldbackLanguage": ", ".join(record.holdback_languages),
            "AllowedLanguages": ", ".join(record.allowed_languages),
            "ReleaseYear": record.release_year,
        }
        if record.work_type == "Episode":
            values["EpisodeContentID"] = f"{record.series_content_id}:episode:{record.episode_number}"
        if v16:
            # v1.6's AltID columns hold the ALID (its reader takes no EIDR from them).
            del values["SeriesID"]
            values["EpisodeAltID" if work_type == "Episode" else "SeasonAltID"] = record.alid
        by_column = {templates.column_name(version, name): value for name, value in values.items()}
        sheet.append([by_column.get(name) for _, name, _ in columns])
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _loaded(windows: Iterable) -> Iterable:
    # A queryset gets what the export reads in one join, so the export never queries per window.
    if isinstance(windows, QuerySet):
        return windows.select_related("drama", "drama__owner", "licensee")
    return windows


def avails_xml_for(windows: Iterable, *, version: str = XML_VERSION) -> bytes:
    """EMA Avails XML (v2.4 unless told) for these windows (a queryset, or windows with drama, owner and licensee
    loaded).

    The partner API serves this at GET /api/v1/avails/.
    """
    return avails_xml_from_records(avails_records_for(_loaded(windows)), version=version)


def avails_xlsx_for(windows: Iterable, *, version: str = TEMPLATE_VERSION) -> bytes:
    """An EMA Avails TV workbook (template v1.9 unless told) for these windows (as for avails_xml_for)."""
    return avails_xlsx_from_records(avails_records_for(_loaded(windows)), version=version)
