"""The MovieLabs sample Avails, copied verbatim into the project (see data/movielabs/README.md)."""

from __future__ import annotations

from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent / "data" / "movielabs"
VALID_SAMPLES = (
    "Avails_noErrors_v2.4.xml",
    "Movies_v1.9.xlsx",
    "TV_v1.9.xlsx",
)
SAMPLE_WITH_ERRORS = "Avails_withErrors.xml"
# MovieLabs' own tests check this file against their structure rules only. Its second Avail's Asset
# holds no metadata, which the v2.3 XSD's AvailAsset-type requires (one of Metadata, EpisodeMetadata,
# SeasonMetadata, SeriesMetadata): the reference validator, which validates against the XSD first,
# refuses it, and so does the importer.
SAMPLE_REFUSED_FOR_STRUCTURE = "Avails_Structure_Tests_v2.3.xml"


def sample_path(name: str) -> Path:
    path = SAMPLES_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"Avails sample {path} is missing.")
    return path


def sample_bytes(name: str) -> bytes:
    return sample_path(name).read_bytes()
