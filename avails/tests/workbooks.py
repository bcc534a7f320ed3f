"""Small EMA Avails workbooks for tests, in the v1.9 template layout."""

import io

import openpyxl


def avails_workbook(rows: list[dict], *, tv: bool = False) -> bytes:
    fields = ["DisplayName", "Licensee", "AssetLanguage", "Territory", "TerritoryExclusion", "WorkType", "EntryType"]
    fields += (
        ["SeriesTitleInternalAlias", "SeasonNumber", "EpisodeNumber", "SeriesContentID", "EpisodeContentID"]
        if tv
        else ["TitleInternalAlias", "ContentID"]
    )
    fields += ["ALID", "AvailID", "LicenseType", "FormatProfile", "Start", "End", "PriceType", "PriceValue"]
    fields += ["PriceCurrency", "Exclusive", "HoldbackLanguage", "AllowedLanguages", "OtherTerms", "ContractID"]
    fields += ["TitleStatus"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Template-TV_v1.9" if tv else "Template-Movies_v1.9"
    ws.append(["Avail"] * len(fields))
    ws.append(fields)
    ws.append([1.9] + ["//Opt"] * (len(fields) - 1))
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
