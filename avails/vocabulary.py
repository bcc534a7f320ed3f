"""The EMA Avails controlled vocabularies the importer checks, and their mapping to the platform's."""

from __future__ import annotations

AVAIL_TYPES = frozenset(
    {"single", "episode", "season", "series", "miniseries", "collection", "bundle", "supplement", "promotion", "volume"}
)
WORK_TYPES = frozenset(
    {"Movie", "Short", "Episode", "Season", "Series", "Volume", "Collection", "Supplemental", "Promotion", "Bundle"}
)
ENTRY_TYPES = frozenset({"Full Extract", "Full Delete"})
# EMA licence types; the platform's own (AVOD, FVOD, TVOD, PVOD, DTD, FAST) are accepted as well.
LICENSE_TYPES = frozenset(
    {"EST", "VOD", "SVOD", "AVOD", "FVOD", "TVOD", "PVOD", "POEST", "DTD", "FAST", "Pre-Release", "Library"}
)
LICENSE_RIGHTS_DESCRIPTIONS = frozenset(
    {
        "DD-DVD", "DD-Theatrical", "DTV", "Early EST", "Early VOD", "Free", "Library", "Mega-Library",
        "Next Day TV", "New Release", "Pre-Theatrical", "Preorder EST", "Preorder VOD", "Priority Library",
        "Season Only", "POD",
    }
)  # fmt: skip
FORMAT_PROFILES = frozenset({"UHD", "HD", "SD", "3D", "3DUHD", "3DHD", "3DSD"})
DATE_CONDITIONS = frozenset({"Open", "Immediate", "ESTStart", "EST", "Broadcast", "Completed", "Theatrical"})
TITLE_STATUSES = frozenset({"Pending", "Approved", "Revoked", "Expired"})
PRICE_TERMS = frozenset(
    {
        "Tier", "SRP", "TPR-SRP", "SRP-PostTax", "WSP", "TPR-WSP", "WSP-PostTax", "EpisodeWSP", "TPR-EpisodeWSP",
        "EpisodeWSP-PostTax", "SeasonWSP", "TPR-SeasonWSP", "SeasonWSP-PostTax", "DMRP", "TPR-DMRP", "DMRP-PostTax",
        "SMRP", "TPR-SMRP", "SMRP-PostTax", "LicenseFee", "TPR-LicenseFee", "Category", "TPR-Category", "NA",
    }
)  # fmt: skip
# The free-episode count of a short drama travels as an Avails term (termName="FreeEpisodes").
FREE_EPISODES_TERM = "FreeEpisodes"
# A window over some episodes of a series travels as a season avail with this term ("1-20").
EPISODE_RANGE_TERM = "EpisodeRange"
# Spreadsheets have one AllowedLanguages column; these OtherTerms split it into audio and subtitles.
AUDIO_LANGUAGES_TERM = "AudioLanguages"
SUBTITLE_LANGUAGES_TERM = "SubtitleLanguages"
# Avails XML v2.1 has no AllowedLanguage or HoldbackLanguage; exports to it carry them as Terms.
HOLDBACK_LANGUAGES_TERM = "HoldbackLanguages"
LANGUAGE_TERMS = frozenset({AUDIO_LANGUAGES_TERM, SUBTITLE_LANGUAGES_TERM, HOLDBACK_LANGUAGES_TERM})
# EMA says VOD for transactional rental; the platform says TVOD.
LICENSE_TYPE_TO_PLATFORM = {"VOD": "TVOD"}
LICENSE_TYPE_TO_EMA = {"TVOD": "VOD"}

# Rating systems whose values (and reason codes) are checked; others are passed through unchecked.
RATING_VALUES: dict[str, frozenset[str]] = {
    "MPAA": frozenset({"G", "PG", "PG-13", "R", "NC-17", "NR", "UR"}),
    "TVPG": frozenset({"TV-Y", "TV-Y7", "TV-Y7-FV", "TV-G", "TV-PG", "TV-14", "TV-MA", "NR"}),
    "FSK": frozenset({"0", "6", "12", "16", "18"}),
    "CHVRS": frozenset({"G", "PG", "14A", "18A", "R", "A", "E"}),
}
RATING_REASONS: dict[str, frozenset[str]] = {
    "FPB": frozenset({"B", "D", "H", "L", "N", "P", "S", "V"}),
    "MPAA": frozenset(),
}
RATING_REGIONS: dict[str, frozenset[str]] = {
    "MPAA": frozenset({"US"}),
    "TVPG": frozenset({"US"}),
    "FSK": frozenset({"DE"}),
    "CHVRS": frozenset({"CA"}),
    "FPB": frozenset({"ZA"}),
}
