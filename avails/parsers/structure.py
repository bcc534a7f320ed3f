"""The structure each EMA Avails XML version allows, as its MovieLabs XSD defines it, checked by hand.

The importer does not validate against the XSD files themselves: they are not shipped with the
project (the MovieLabs XSDs import md, mdmec and the W3C xmldsig schemas, and could not be brought in
verbatim). It checks, per version, what the XSDs' Avail-type,
AvailDisposition-type, AvailAsset-type, the asset metadata types (AvailUnitMetadata-type,
AvailEpisodeMetadata-type, AvailSeasonMetadata-type, AvailSeriesMetadata-type), AvailTrans-type and
AvailTerms-type say of the elements it reads: which children come, in which order, how many times,
and the attributes that are required. Types from the common metadata schemas (md:, mdmec:) are not
checked beyond what the importer's own field checks say of them. A document whose
structure the XSD refuses is refused with the element path of each fault, before any semantic check.

Each content model is a sequence of particles: (names, min, max), where names holds the element
names of one element or of a choice, OTHER stands for a wildcard element of another namespace
(xs:any namespace="##other"), and max None is unbounded.
"""

from __future__ import annotations

from dataclasses import dataclass

OTHER = "##other"
UNBOUNDED = None

Particle = tuple[frozenset[str], int, int | None]


def _p(names: str, low: int = 1, high: int | None = 1) -> Particle:
    return frozenset(names.split("|")), low, high


@dataclass(frozen=True)
class AvailsStructure:
    """The content models of one Avails XML version (a 2.2.x document uses 2.2's)."""

    version: str
    md_namespace: str  # the MovieLabs common metadata namespace the version's XSD imports
    avail: tuple[Particle, ...]
    asset: tuple[Particle, ...]
    transaction: tuple[Particle, ...]
    term_values: frozenset[str]  # the elements a Term may hold (one of them)
    # The asset metadata the importer reads: a title's (Metadata), an episode's, a season's, a series'.
    metadata: tuple[Particle, ...] = ()
    episode_metadata: tuple[Particle, ...] = ()
    season_metadata: tuple[Particle, ...] = ()
    series_metadata: tuple[Particle, ...] = ()

    def content_models(self) -> dict[str, tuple[Particle, ...]]:
        """The particles of each element the importer checks, by its local name (others are not checked)."""
        return {
            "Avail": self.avail,
            "Disposition": _DISPOSITION,
            "Asset": self.asset,
            "Transaction": self.transaction,
            "Metadata": self.metadata,
            "EpisodeMetadata": self.episode_metadata,
            "SeasonMetadata": self.season_metadata,
            "SeriesMetadata": self.series_metadata,
        }

    @property
    def namespace(self) -> str:
        return f"http://www.movielabs.com/schema/avails/v{self.version}/avails"

    @property
    def has_term_number(self) -> bool:
        return "Number" in self.term_values

    @property
    def has_term_boolean(self) -> bool:
        return "Boolean" in self.term_values

    @property
    def has_allowed_language(self) -> bool:
        return any("AllowedLanguage" in names for names, _, _ in self.transaction)


_AVAIL_V21 = (
    _p("ALID"),
    _p("Disposition"),
    _p("Licensor"),
    _p("ServiceProvider", 0),
    _p("AvailType"),
    _p("ShortDescription"),
    _p("Asset", 1, UNBOUNDED),
    _p("Transaction", 1, UNBOUNDED),
    _p("CoreMetadata", 0, UNBOUNDED),
    _p("SharedEntitlement", 0, UNBOUNDED),
    _p("ExceptionFlag", 0),
)
# v2.5 adds Compatibility before the ALID and AssociatedALID after it.
_AVAIL_V25 = (_p("Compatibility", 0), _AVAIL_V21[0], _p("AssociatedALID", 0, UNBOUNDED), *_AVAIL_V21[1:])

_METADATA_V21 = "Metadata|EpisodeMetadata|SeasonMetadata|SeriesMetadata"
_ASSET_V21 = (_p("WorkType"), _p("WorkTypeDetail", 0), _p(_METADATA_V21), _p(OTHER, 0, UNBOUNDED))
_ASSET_V22 = (*_ASSET_V21[:3], _p("BundledAsset", 0, UNBOUNDED), _ASSET_V21[3])
_ASSET_V24 = (_ASSET_V22[0], _ASSET_V22[1], _p(_METADATA_V21 + "|VolumeMetadata"), *_ASSET_V22[3:])

_DATES = (_p("Start|StartCondition"), _p("End|EndCondition"))
_TRANSACTION_V21 = (
    _p("LicenseType"),
    _p("Description"),  # required in v2.1 only
    _p("Territory", 0, UNBOUNDED),
    _p("TerritoryExcluded", 0, UNBOUNDED),
    *_DATES,
    _p("StoreLanguage", 0, UNBOUNDED),
    _p("LicenseRightsDescription", 0),
    _p("FormatProfile"),
    _p("ContractID", 0),
    _p("Term", 1, UNBOUNDED),
    _p("ExperienceCondition", 0),
    _p("OtherInstructions", 0),
)
_LANGUAGES = (
    _p("AllowedLanguage", 0, UNBOUNDED),
    _p("AssetLanguage", 0, UNBOUNDED),
    _p("HoldbackLanguage", 0, UNBOUNDED),
)
_TRANSACTION_V22 = (
    _p("LicenseType"),
    _p("Description", 0),
    _p("Territory", 0, UNBOUNDED),
    _p("TerritoryExcluded", 0, UNBOUNDED),
    *_DATES,
    *_LANGUAGES,
    _p("LicenseRightsDescription", 0),
    _p("FormatProfile"),
    _p("ContractID", 0),
    _p("ReportingID", 0),
    _p("RefALID", 0, UNBOUNDED),
    _p("Term", 1, UNBOUNDED),
    _p("ExperienceCondition", 0),
    _p("OtherInstructions", 0),
)
# v2.3 adds a Licensee per Transaction and WindowDuration; v2.4 makes Term optional.
_TRANSACTION_V23 = (
    _p("Licensee", 0),
    *_TRANSACTION_V22[:6],
    _p("WindowDuration", 0),
    *_TRANSACTION_V22[6:],
)
_TRANSACTION_V24 = tuple(
    _p("Term", 0, UNBOUNDED) if "Term" in names else (names, low, high) for names, low, high in _TRANSACTION_V23
)

_TERMS_V21 = frozenset({"Money", "Event", "Text", "Duration", "URI", "Language", "ID", "YearDateTime", "Time", OTHER})
_TERMS_V22 = _TERMS_V21 | {"Region"}
_TERMS_V23 = _TERMS_V22 | {"Boolean", "AltIdentifier"}
_TERMS_V24 = _TERMS_V23 | {"Number"}


_DISPOSITION = (_p("EntryType"), _p("IssueDate", 0), _p(OTHER, 0, UNBOUNDED))

# AvailMetadata-type: v2.1 requires TitleDisplayUnlimited, v2.2 makes it optional, v2.3 repeatable and adds
# People and GroupingEntity (repeatable from v2.4). Metadata adds CompanyDisplayCredit; EpisodeMetadata
# adds EpisodeNumber and the season (or, for series without seasons, the series) it belongs to.
_METADATA_V21_BASE = (
    _p("TitleDisplayUnlimited"),
    _p("TitleInternalAlias"),
    _p("EditEIDR-URN", 0),
    _p("TitleEIDR-URN", 0),
    _p("AltIdentifier", 0, UNBOUNDED),
    _p("VersionDescription", 0),
    _p("ReleaseDate", 0),
    _p("RunLength", 0),
    _p("ReleaseHistory", 0, UNBOUNDED),
    _p("USACaptionsExemptionReason", 0),
    _p("Ratings", 0),
    _p("EncodeID", 0),
    _p("LocalizationOffering", 0),
)
_METADATA_V22_BASE = (_p("TitleDisplayUnlimited", 0), *_METADATA_V21_BASE[1:])
_METADATA_V23_BASE = (
    _p("TitleDisplayUnlimited", 0, UNBOUNDED),
    _p("TitleInternalAlias", 1, UNBOUNDED),
    *_METADATA_V21_BASE[2:8],
    _p("People", 0, UNBOUNDED),
    *_METADATA_V21_BASE[8:],
    _p("GroupingEntity", 0),
)
_METADATA_V24_BASE = (*_METADATA_V23_BASE[:-1], _p("GroupingEntity", 0, UNBOUNDED))


def _unit(base: tuple[Particle, ...]) -> tuple[Particle, ...]:
    return (*base, _p("CompanyDisplayCredit", 0, UNBOUNDED))


def _episode(base: tuple[Particle, ...]) -> tuple[Particle, ...]:
    return (*base, _p("EpisodeNumber"), _p("SeasonMetadata|SeriesMetadata"))


_SEASON_V21 = (
    _p("SeasonContentID"),
    _p("SeasonEIDR-URN", 0),
    _p("SeasonTitleDisplayUnlimited"),
    _p("SeasonTitleInternalAlias", 0),
    _p("SeasonNumber"),
    _p("VersionDescription", 0),
    _p("ReleaseDate", 0),
    _p("SeasonAltIdentifier", 0, UNBOUNDED),
    _p("NumberOfEpisodes", 0),
    _p("SeasonStatus", 0),
    _p("SeriesMetadata"),
)
_SEASON_V22 = (
    _p("SeasonContentID"),
    _p("SeasonEIDR-URN", 0),
    _p("SeasonTitleDisplayUnlimited", 0),
    _p("SeasonTitleInternalAlias", 0),
    _p("SeasonNumber"),
    _p("VersionDescription", 0),
    _p("ReleaseDate", 0),
    _p("ReleaseHistory", 0, UNBOUNDED),
    _p("USACaptionsExemptionReason", 0),
    _p("Ratings", 0),
    *_SEASON_V21[7:],
)
_SEASON_V23 = (
    *_SEASON_V22[:2],
    _p("SeasonTitleDisplayUnlimited", 0, UNBOUNDED),
    _p("SeasonTitleInternalAlias", 0, UNBOUNDED),
    *_SEASON_V22[4:],
)
_SERIES_V21 = (
    _p("SeriesContentID"),
    _p("SeriesEIDR-URN", 0),
    _p("SeriesTitleDisplayUnlimited"),
    _p("SeriesTitleInternalAlias"),
    _p("LocalSeriesTitle", 0, UNBOUNDED),
    _p("VersionDescription", 0),
    _p("ReleaseDate", 0),
    _p("SeriesAltIdentifier", 0, UNBOUNDED),
    _p("NumberOfSeasons", 0),
    _p("SeriesStatus", 0),
    _p("CompanyDisplayCredit", 0, UNBOUNDED),
    _p(OTHER, 0, UNBOUNDED),
)
_SERIES_V22 = (
    _SERIES_V21[0],
    _SERIES_V21[1],
    _p("SeriesTitleDisplayUnlimited", 0),
    *_SERIES_V21[3:7],
    _p("USACaptionsExemptionReason", 0),
    _p("ReleaseHistory", 0, UNBOUNDED),
    _p("Ratings", 0),
    *_SERIES_V21[7:],
)
_SERIES_V23 = (
    *_SERIES_V22[:2],
    _p("SeriesTitleDisplayUnlimited", 0, UNBOUNDED),
    _p("SeriesTitleInternalAlias", 1, UNBOUNDED),
    *_SERIES_V22[4:],
)
_V21_METADATA = {
    "metadata": _unit(_METADATA_V21_BASE),
    "episode_metadata": _episode(_METADATA_V21_BASE),
    "season_metadata": _SEASON_V21,
    "series_metadata": _SERIES_V21,
}
_V22_METADATA = {
    "metadata": _unit(_METADATA_V22_BASE),
    "episode_metadata": _episode(_METADATA_V22_BASE),
    "season_metadata": _SEASON_V22,
    "series_metadata": _SERIES_V22,
}
_V23_METADATA = {
    "metadata": _unit(_METADATA_V23_BASE),
    "episode_metadata": _episode(_METADATA_V23_BASE),
    "season_metadata": _SEASON_V23,
    "series_metadata": _SERIES_V23,
}
_V24_METADATA = _V23_METADATA | {
    "metadata": _unit(_METADATA_V24_BASE),
    "episode_metadata": _episode(_METADATA_V24_BASE),
}


def _md(version: str) -> str:
    return f"http://www.movielabs.com/schema/md/v{version}/md"


STRUCTURES: dict[str, AvailsStructure] = {
    s.version: s
    for s in (
        AvailsStructure("2.1", _md("2.4"), _AVAIL_V21, _ASSET_V21, _TRANSACTION_V21, _TERMS_V21, **_V21_METADATA),
        AvailsStructure("2.2", _md("2.4"), _AVAIL_V21, _ASSET_V22, _TRANSACTION_V22, _TERMS_V22, **_V22_METADATA),
        AvailsStructure("2.3", _md("2.6"), _AVAIL_V21, _ASSET_V22, _TRANSACTION_V23, _TERMS_V23, **_V23_METADATA),
        AvailsStructure("2.4", _md("2.7"), _AVAIL_V21, _ASSET_V24, _TRANSACTION_V24, _TERMS_V24, **_V24_METADATA),
        AvailsStructure("2.5", _md("2.8"), _AVAIL_V25, _ASSET_V24, _TRANSACTION_V24, _TERMS_V24, **_V24_METADATA),
        AvailsStructure("2.6", _md("2.10"), _AVAIL_V25, _ASSET_V24, _TRANSACTION_V24, _TERMS_V24, **_V24_METADATA),
        AvailsStructure("2.7", _md("2.12"), _AVAIL_V25, _ASSET_V24, _TRANSACTION_V24, _TERMS_V24, **_V24_METADATA),
    )
}
XML_VERSIONS = tuple(STRUCTURES)


def structure_for(version: str) -> AvailsStructure | None:
    """The structure of a namespace version: 2.2.2 is read as 2.2, 2.6.1 as 2.6."""
    parts = version.split(".")
    return STRUCTURES.get(".".join(parts[:2])) if len(parts) >= 2 else None


def sequence_faults(children: list[tuple[str, bool]], particles: tuple[Particle, ...]) -> list[tuple[int, str]]:
    """Where children (local name, in the document's avails namespace) break a sequence of particles.

    Returns (index of the child at fault, or -1 for a missing element at the end; the reason).
    The content models here are deterministic (as XSD requires), so reading greedily is exact.
    """
    faults: list[tuple[int, str]] = []
    position, count = 0, 0
    for index, (name, own) in enumerate(children):
        key = name if own else OTHER
        names, _, high = particles[position] if position < len(particles) else (frozenset(), 0, 0)
        if key in names and (high is None or count < high):
            count += 1
            continue
        later = next((p for p in range(position + 1, len(particles)) if key in particles[p][0]), None)
        if later is None:
            faults.append((index, f"{name} is not allowed here (out of order, repeated, or not in this version)."))
            continue
        for skipped in range(position, later):
            skipped_names, low, _ = particles[skipped]
            if (count if skipped == position else 0) < low:
                faults.append((index, f"{_label(skipped_names)} is required before {name}."))
        position, count = later, 1
    for names, low, _ in particles[position:]:
        if count < low:
            faults.append((-1, f"{_label(names)} is required."))
        count = 0
    return faults


def _label(names: frozenset[str]) -> str:
    return " or ".join(sorted(names))
