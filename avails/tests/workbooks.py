"""Small EMA Avails workbooks for tests, in a template version's layout (v1.9 unless told).

Rows are given by the v1.9 field names; an older version's workbook spells its columns as that
version does (avails.templates.column_name) and leaves out the columns it lacks.
"""

import io

import openpyxl

from avails import templates


def avails_workbook(rows: list[dict], *, tv: bool = False, version: str = "1.9", sheet_title: str = "") -> bytes:
    fields = ["DisplayName", "Licensee", "AssetLanguage", "Territory", "TerritoryExclusion", "WorkType", "EntryType"]
    fields += (
        ["SeriesTitleInternalAlias", "SeasonNumber", "EpisodeNumber", "SeriesContentID", "EpisodeContentID"]
        if tv
        else ["TitleInternalAlias", "ContentID", "TitleID"]
    )
    fields += ["ALID", "AvailID", "LicenseType", "FormatProfile", "Start", "End", "PriceType", "PriceValue"]
    fields += ["PriceCurrency", "Exclusive", "HoldbackLanguage", "AllowedLanguages", "OtherTerms", "ContractID"]
    fields += ["TitleStatus"]
    if tv and templates.template_major(version) == "1.6":
        # v1.6 TV has no ALID column: the ALID is in EpisodeAltID (episode rows) or SeasonAltID (season rows).
        fields += ["EpisodeAltID", "SeasonAltID"]
    fields = [f for f in fields if not templates.template_lacks(version, f)]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title or (f"Template-TV_v{version}" if tv else f"Template-Movies_v{version}")
    ws.append(["Avail"] * len(fields))
    ws.append([templates.column_name(version, f) for f in fields])
    ws.append([float(version)] + ["//Opt"] * (len(fields) - 1))
    for row in rows:
        ws.append([row.get(f) for f in fields])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


GOOD_MOVIE_ROW = {
    "DisplayName": "Migu",
    "Licensee": "Partner A",
    "Territory": "TH",
    "WorkType": "Movie",
    "EntryType": "Full Extract",
    "TitleInternalAlias": "Rebirth",
    "ContentID": "md:cid:org:migu:1",
    "ALID": "md:alid:org:migu:1",
    "AvailID": "T-1",
    "LicenseType": "SVOD",
    "FormatProfile": "HD",
    "Start": "2026-01-01",
    "End": "Open",
}
GOOD_EPISODE_ROW = {
    "DisplayName": "Migu",
    "Licensee": "Partner A",
    "Territory": "TH",
    "WorkType": "Episode",
    "EntryType": "Full Extract",
    "SeriesTitleInternalAlias": "Rebirth",
    "SeasonNumber": 1,
    "EpisodeNumber": 3,
    "SeriesContentID": "md:cid:org:migu:series:1",
    "EpisodeContentID": "md:cid:org:migu:series:1:e3",
    "ALID": "md:alid:org:migu:series:1:e3",
    "AvailID": "E-3",
    "LicenseType": "SVOD",
    "FormatProfile": "HD",
    "Start": "2026-01-01",
    "End": "Open",
}
