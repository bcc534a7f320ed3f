"""Reads on the catalogue."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Exists, OuterRef, Q, QuerySet

from catalog.errors import CatalogErrorCode
from catalog.models import Drama, Episode, EpisodeStatus


def dramas_titled_like(*, title: str, threshold: float, limit: int) -> list[Drama]:
    """Dramas whose original title is at least `threshold` similar to `title` (pg_trgm), closest first.

    Each carries its `similarity`, and its owner is joined. For offering the existing drama a misspelt
    title most likely means.
    """
    return list(
        Drama.objects.select_related("owner")
        .annotate(similarity=TrigramSimilarity("original_title", title))
        .filter(similarity__gte=threshold)
        .order_by("-similarity", "original_title", "id")[:limit]
    )


def dramas_search(*, query: str, queryset: QuerySet[Drama] | None = None) -> QuerySet[Drama]:
    """Dramas whose title matches `query` in the original or in any localised language."""
    from localization.models import DramaLocalization

    queryset = queryset if queryset is not None else Drama.objects.all()
    query = query.strip()
    if not query:
        return queryset
    localized = DramaLocalization.objects.filter(drama=OuterRef("pk")).filter(
        Q(title__icontains=query) | Q(title_medium__icontains=query) | Q(title_short__icontains=query)
    )
    return queryset.filter(
        Q(original_title__icontains=query) | Q(Exists(localized)) | Q(eidr__iexact=query) | Q(alid__iexact=query)
    )


# --- What partners see of a drama's episodes --------------------------------------------------


def episodes_available(queryset: QuerySet[Episode] | None = None) -> QuerySet[Episode]:
    """The episodes partners may see and play (not withheld)."""
    queryset = queryset if queryset is not None else Episode.objects.all()
    return queryset.filter(status=EpisodeStatus.AVAILABLE)


def episode_available_sql(alias: str) -> str:
    """episodes_available() as a condition on `alias` (a catalog_episode row), for hand-written queries."""
    return f"{alias}.status = '{EpisodeStatus.AVAILABLE.value}'"


def episode_playback_refusal(*, episode: Episode) -> CatalogErrorCode | None:
    """Why `episode` may not be played whatever the licence (withheld), or None if it may."""
    return CatalogErrorCode.EPISODE_WITHHELD if episode.status != EpisodeStatus.AVAILABLE else None
