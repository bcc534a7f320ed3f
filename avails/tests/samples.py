"""Where the MovieLabs sample Avails live: ../shared/data/ema-avails beside the checkout.

A checkout elsewhere points MIGU_SHARED_DATA at the shared data folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

SHARED_DATA_DIR = Path(os.environ.get("MIGU_SHARED_DATA") or Path(settings.BASE_DIR).parent / "shared" / "data")
SAMPLES_DIR = SHARED_DATA_DIR / "ema-avails"
VALID_SAMPLES = (
    "Avails_noErrors_v2.4.xml",
    "Avails_Structure_Tests_v2.3.xml",
    "Movies_v1.9.xlsx",
    "TV_v1.9.xlsx",
)
SAMPLE_WITH_ERRORS = "Avails_withErrors.xml"


def sample_path(name: str) -> Path:
    if not SAMPLES_DIR.is_dir():
        raise FileNotFoundError(
            f"The MovieLabs Avails samples are missing: expected {SAMPLES_DIR} (the shared data folder beside "
            "the checkout, or MIGU_SHARED_DATA)."
        )
    path = SAMPLES_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"Avails sample {path} is missing.")
    return path


def sample_bytes(name: str) -> bytes:
    return sample_path(name).read_bytes()
