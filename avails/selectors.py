"""Reads for EMA Avails exports."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from catalog.models import Episode
from partners.models import Organization
from rights.models import RightsDirection, RightsStatus, RightsWindow


def avails_windows_for_licensee(*, licensee: Organization, include_revoked: bool = False) -> QuerySet[RightsWindow]:
    """A licensee's windows out, ready for export (drama, owner and episode numbers loaded in batches)."""
    windows = RightsWindow.objects.filter(licensee=licensee, direction=RightsDirection.OUT)
    if not include_revoked:
        windows = windows.exclude(status=RightsStatus.REVOKED)
    return (
        windows.select_related("drama", "drama__owner", "licensee")
        .prefetch_related(Prefetch("drama__episodes", queryset=Episode.objects.only("id", "drama_id", "number")))
        .order_by("drama_id", "start", "id")
    )
