"""Reads on the catalogue."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from catalog.models import Drama


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
