"""Filters of the rights windows list, declared once: django-filter validates each value (a drama id that
is not a number, an impossible date, an unknown status is a 400 naming the field) and applies it."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from rights.models import LicenceType, RightsDirection, RightsStatus, RightsWindow


class RightsWindowFilterSet(django_filters.FilterSet):
    drama = django_filters.NumberFilter(field_name="drama_id", min_value=1, max_value=2**63 - 1)
    licensee = django_filters.CharFilter(field_name="licensee__slug", max_length=64, help_text="Organization slug.")
    territory = django_filters.CharFilter(
        method="in_territory", max_length=2, min_length=2, help_text="ISO 3166-1 alpha-2; exclusions honoured."
    )
    licence_type = django_filters.ChoiceFilter(choices=LicenceType.choices)
    status = django_filters.ChoiceFilter(choices=RightsStatus.choices)
    direction = django_filters.ChoiceFilter(choices=RightsDirection.choices)
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = RightsWindow
        fields: list[str] = []

    def in_territory(self, queryset: QuerySet[RightsWindow], name: str, value: str) -> QuerySet[RightsWindow]:
        territory = value.upper()
        return queryset.filter(territories__contains=[territory]).exclude(territory_exclusions__contains=[territory])
