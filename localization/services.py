"""Writes on localisations."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from catalog.models import Drama
from localization.languages import normalize_tag
from localization.models import DramaLocalization


@transaction.atomic
def drama_localization_upsert(*, drama: Drama, language: str, title: str, **fields: Any) -> DramaLocalization:
    """Create or replace a drama's localisation in `language` (unique per drama and language)."""
    language = normalize_tag(language)
    localization = DramaLocalization.objects.filter(drama=drama, language=language).first() or DramaLocalization(
        drama=drama, language=language
    )
    localization.title = title
    for name, value in fields.items():
        setattr(localization, name, value)
    localization.full_clean(validate_unique=False)
    localization.save()
    return localization
