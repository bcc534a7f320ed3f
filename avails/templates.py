"""The EMA Avails spreadsheet template v1.9 for TV: (section, field, required) per column, as published."""

TV_V19_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("Avail", "DisplayName", "1.9"),
    ("Avail", "Licensee", "//Opt"),
    ("AvailTrans", "AssetLanguage", "//Opt"),
    ("AvailTrans", "Territory", "//REQ"),
    ("AvailTrans", "TerritoryExclusion", "//Opt"),
    ("AvailAsset", "WorkType", "//REQ"),
    ("Disposition", "EntryType", "//REQ"),
    ("AvailMetadata", "SeriesTitleInternalAlias", "//REQ"),
    ("AvailMetadata", "SeriesTitleDisplayUnlimited", "//Opt"),
    ("AvailMetadata", "SeasonNumber", "//REQ"),
    ("AvailMetadata", "VolumeTitleInternalAlias", "//Opt, only applicable to volume"),
    ("AvailMetadata", "VolumeTitleDisplayUnlimited", "//Opt, only applicable to volume"),
    ("AvailMetadata", "VolumeNumber", "//Opt, only applicable to volume"),
    ("AvailMetadata", "DistributionNumber", "//Opt"),
    ("AvailMetadata", "VolumeDistributinoNumber", "//Opt"),
    ("AvailMetadata", "EpisodeNumber", "//REQ"),
    ("AvailMetadata", "LocalizationType", "//Opt"),
    ("AvailMetadata", "EpisodeTitleInternalAlias", "//REQ for Episodes"),
    ("AvailMetadata", "EpisodeTitleDisplayUnlimited", "//Opt"),
    ("AvailMetadata", "SeasonTitleInternalAlias", "//Opt"),
    ("AvailMetadata", "SeasonTitleDisplayUnlimited", "//Opt"),
    ("AvailMetadata", "EpisodeCount", "///REQ"),
    ("AvailMetadata", "SeasonCount", "//Opt"),
    ("AvailMetadata", "SeriesID", "//Opt"),
    ("AvailMetadata", "SeasonID", "//Opt"),
    ("AvailMetadata", "VolumeID", "//Opt, only applicable to volume"),
    ("AvailMetadata", "EpisodeTitleID", "//Opt. Prohibited for season Avails"),
    ("AvailMetadata", "EpisodeID", "//Opt.  Prohibited for season Avails"),
    ("AvailMetadata", "SeriesAltID", "//Opt"),
    ("AvailMetadata", "SeasonAltID", "//Opt"),
    ("AvailMetadata", "VolumeAltID", "//Opt, only applicable to volume"),
    ("AvailMetadata", "EpisodeAltID", "//Opt. Prohibited for season Avails"),
    ("Avail", "ALID", "/REQ"),
    ("AvailMetadata", "CompanyDisplayCredit", "//Opt"),
    ("AvailMetadata", "GroupIdentity", "//Opt"),
    ("AvailMetadata", "Director", "//Opt"),
    ("AvailTrans", "LicenseType", "//REQ"),
    ("AvailTrans", "LicenseRightsDescription", "//Opt"),
    ("AvailTrans", "FormatProfile", "//REQ"),
    ("AvailTrans", "HDR", "//Opt"),
    ("AvailTrans", "WCG", "//Opt"),
    ("AvailTrans", "HFR", "//Opt"),
    ("AvailTrans", "NGAudio", "//Opt"),
    ("AvailTrans", "Start", "//REQ"),
    ("AvailTrans", "StartLag", "//Opt"),
    ("AvailTrans", "End", "//REQ"),
    ("AvailTrans", "EndLag", "//Opt"),
    ("AvailTrans", "WindowDuration", "//Opt"),
    ("AvailTrans", "SpecialPreOrderFulfillDate", "//Optional for pre-orders."),
    ("AvailTrans", "PriceType", "//REQ for all but SVOD LicenseType"),
    ("AvailTrans", "PriceValue", "//REQ for all but SVOD LicenseType"),
    ("AvailTrans", "PriceCurrency", "//Opt"),
    ("AvailTrans", "SRP", "//Opt"),
    ("AvailTrans", "Description", "//Opt"),
    ("AvailTrans", "Download", "//Opt"),
    ("AvailTrans", "OtherTerms", "//Opt"),
    ("AvailTrans", "OtherInstructions", "//Opt"),
    ("AvailAsset", "SeriesContentID", "//REQ"),
    ("AvailAsset", "SeasonContentID", "//REQ"),
    ("AvailAsset", "VolumeContentID", "//Opt, Required for Volumes"),
    ("AvailAsset", "EpisodeContentID", "//REQ for episode.  Disallowed if Avail is for season."),
    ("Avail", "AvailID", "//Opt"),
    ("Avail", "UV_ID", "//Opt"),
    ("Avail", "DMA_ID", "//Opt"),
    ("Avail", "ReportingID", "//Opt"),
    ("AvailAsset", "Metadata", "//Opt"),
    ("AvailTrans", "SuppressionLiftDate", "REQUIRED for pre-orders"),
    ("AvailTrans", "AnnounceDate", "//Opt"),
    ("AvailMetadata", "ReleaseYear", "//Opt"),
    ("AvailMetadata", "ReleaseHistoryOriginal", "//Opt"),
    ("AvailMetadata", "ReleaseHistoryPhysicalHV", "//Opt"),
    ("Avail", "ExceptionFlag", "//Opt"),
    ("AvailMetadata", "RatingSystem", "//Opt"),
    ("AvailMetadata", "RatingValue", "//Opt"),
    ("AvailMetadata", "RatingReason", "//Opt"),
    ("AvailTrans", "RentalDuration", "//Opt"),
    ("AvailTrans", "WatchDuration", "//Opt"),
    ("AvailTrans", "FixedEndDate", "//Opt"),
    ("AvailMetadata", "CaptionIncluded", "//REQUIRED for episodes in US."),
    ("AvailMetadata", "CaptionExemption", "//REQUIRED in US for episodes if captions are *not* included."),
    ("AvailMetadata", "Any", "//Opt"),
    ("AvailTerms", "ContractID", "//Opt"),
    ("AvailTrans", "TitleStatus", "//Opt"),
    ("AvailTrans", "Exclusive", "//Opt"),
    ("AvailTrans", "ExclusiveAttributes", "//Opt"),
    ("AvailTrans", "BrandingRights", "//Opt"),
    ("AvailTrans", "BrandingRightsAttributes", "//Opt"),
    ("Avail", "ServiceProvider", "//Opt"),
    ("AvailMetadata", "TotalRunTime", "//Opt"),
    ("AvailTrans", "HoldbackLanguage", "//Opt"),
    ("AvailTrans", "AllowedLanguages", "//Opt"),
    ("AvailTrans", "RequiredFulfillmentLanguages", "//Opt"),
    ("Avail", "BundledALIDs", "//Opt"),
    ("AvailMetadata", "RetailerEpisodeID1", "//Opt"),
    ("AvailMetadata", "RetailerEpisodeID2", "//Opt"),
    ("AvailMetadata", "RetailerVolumeID", "//Opt"),
    ("AvailMetadata", "RetailerSeasonID", "//Opt"),
    ("AvailMetadata", "RetailerSeriesID", "//Opt"),
    ("Avail", "RetailerSpare1", "//Opt"),
    ("Avail", "RetailerSpare2", "//Opt"),
    ("Avail", "RetailerSpare3", "//Opt"),
    ("AvailAsset", "PackageLabel", "//Opt"),
)

# Older templates (v1.6 to v1.8) as MovieLabs' reference validator reads them (mddf-lib's
# RowToXmlHelperV1_6, XlsxBuilder and Mappings.json). A field is named by its v1.9 name throughout
# the importer; these say what an older template calls it, and what it lacks.
TEMPLATE_VERSIONS = ("1.6", "1.7", "1.8", "1.9")

# v1.6 spells these fields differently. Its Movies template keeps the title's EIDR in "ContentID"
# and the ALID (which is also the asset's contentID) in "AltID"; its TV template has no ALID column:
# an episode row's ALID is its EpisodeAltID, a season row's its SeasonAltID.
V16_RENAMES = {
    "AssetLanguage": "StoreLanguage",
    "AllowedLanguages": "HoldbackExclusionLanguage",
    "ExceptionFlag": "ExceptionsFlag",
    "EditID": "ProductID",
    "TitleID": "ContentID",
    "ContentID": "AltID",
    "SeriesID": "SeriesAltID",
    "SeasonID": "SeasonAltID",
    "EpisodeID": "EpisodeAltID",
}
# Columns a template version lacks, by the v1.9 name: v1.7.2 added the Retailer columns, v1.8 PackageLabel,
# and v1.6 had neither PriceCurrency nor AnnounceDate nor BundledALIDs.
_ADDED_IN_1_7_2 = frozenset(
    {
        "RetailerEpisodeID1", "RetailerEpisodeID2", "RetailerVolumeID", "RetailerSeasonID", "RetailerSeriesID",
        "RetailerSpare1", "RetailerSpare2", "RetailerSpare3",
    }
)  # fmt: skip
_ABSENT: dict[str, frozenset[str]] = {
    "1.9": frozenset(),
    "1.8": frozenset(),
    "1.7": _ADDED_IN_1_7_2 | {"PackageLabel"},
    "1.6": _ADDED_IN_1_7_2
    | {"PackageLabel", "PriceCurrency", "AnnounceDate", "BundledALIDs", "ALID", "SeriesID", "SeasonID", "EpisodeID"},
}


def template_major(version: str) -> str:
    """'1.7.3' -> '1.7'; the template versions differ in columns only at this level."""
    return ".".join(version.split(".")[:2])


def column_name(version: str, field: str) -> str:
    """What a template version calls the field named `field` in v1.9."""
    return V16_RENAMES.get(field, field) if template_major(version) == "1.6" else field


def template_lacks(version: str, field: str) -> bool:
    return field in _ABSENT.get(template_major(version), frozenset())


def tv_columns(version: str) -> tuple[tuple[str, str, str], ...]:
    """The TV template's columns in a version: (section, the version's column name, required)."""
    return tuple(
        (section, column_name(version, name), required)
        for section, name, required in TV_V19_COLUMNS
        if not template_lacks(version, name)
    )
