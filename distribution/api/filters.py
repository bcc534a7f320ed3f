"""The titles list's filters, declared once: django-filter validates each (a NUL byte, an impossible date
or an unknown format is a 400 naming the field) and applies it to the titles available to the caller."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from catalog.models import Drama, DramaFormat
from catalog.selectors import dramas_search


class TitleFilterSet(django_filters.FilterSet):
    genre = django_filters.CharFilter(field_name="genres__slug", max_length=64, help_text="A genre slug.")
    trope = django_filters.CharFilter(
        field_name="tropes__slug", max_length=64, help_text="A trope slug (rebirth, revenge, ...)."
    )
    format = django_filters.ChoiceFilter(choices=DramaFormat.choices)
    original_language = django_filters.CharFilter(max_length=35, help_text="BCP 47, e.g. zh-Hans.")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Only titles changed since."
    )
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Search the original and localised titles."
    )

    class Meta:
        model = Drama
        fields: list[str] = []

    def search(self, queryset: QuerySet[Drama], name: str, value: str) -> QuerySet[Drama]:
        return dramas_search(query=value, queryset=queryset)

    def active(self) -> dict[str, Any]:
        """The filters given a value (call after is_valid())."""
        return {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "")}
