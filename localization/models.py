"""Localised titles and synopses per language, in the length-bounded forms partners ask for."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from localization.languages import validate_language_tag

# Title forms: 19 / 60 / unlimited characters; summaries: 190 / 400 / 4000 (EMA/partner limits).
TITLE_SHORT_MAX = 19
TITLE_MEDIUM_MAX = 60
SYNOPSIS_SHORT_MAX = 190
SYNOPSIS_MEDIUM_MAX = 400
SYNOPSIS_LONG_MAX = 4000


class TranslationStatus(models.TextChoices):
    MISSING = "missing", "Missing"
    MACHINE = "machine", "Machine-translated"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"


class DramaLocalization(models.Model):
    """A drama's title and synopses in one language (BCP 47)."""

    drama = models.ForeignKey("catalog.Drama", on_delete=models.CASCADE, related_name="localizations")
    language = models.CharField(max_length=16, validators=[validate_language_tag])
    title = models.CharField(max_length=300)
    title_medium = models.CharField(max_length=TITLE_MEDIUM_MAX, blank=True)
    title_short = models.CharField(max_length=TITLE_SHORT_MAX, blank=True)
    synopsis_short = models.CharField(max_length=SYNOPSIS_SHORT_MAX, blank=True)
    synopsis_medium = models.CharField(max_length=SYNOPSIS_MEDIUM_MAX, blank=True)
    synopsis_long = models.TextField(max_length=SYNOPSIS_LONG_MAX, blank=True)
    status = models.CharField(max_length=16, choices=TranslationStatus.choices, default=TranslationStatus.IN_REVIEW)
    # Kept up to date by localization.services for search across every language.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["drama", "language"]
        constraints = [models.UniqueConstraint(fields=["drama", "language"], name="drama_localization_unique_language")]
        indexes = [
            GinIndex(fields=["search_vector"], name="drama_loc_search_idx"),
            GinIndex(fields=["title"], name="drama_loc_title_trgm", opclasses=["gin_trgm_ops"]),
            # The partner API's catalogue version reads the latest change on every titles request.
            models.Index(fields=["updated_at"], name="drama_loc_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"


class EpisodeLocalization(models.Model):
    """An episode's title and synopsis in one language."""

    episode = models.ForeignKey("catalog.Episode", on_delete=models.CASCADE, related_name="localizations")
    language = models.CharField(max_length=16, validators=[validate_language_tag])
    title = models.CharField(max_length=300, blank=True)
    synopsis = models.CharField(max_length=SYNOPSIS_MEDIUM_MAX, blank=True)
    status = models.CharField(max_length=16, choices=TranslationStatus.choices, default=TranslationStatus.IN_REVIEW)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["episode", "language"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "language"], name="episode_localization_unique_language")
        ]

    def __str__(self) -> str:
        return f"{self.episode} [{self.language}]"
