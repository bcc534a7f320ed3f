"""Reads for EMA Avails: exports, and the existing drama a name in a file is mapped to."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from catalog.models import Drama
from partners.models import Organization
from rights.models import RightsDirection, RightsStatus, RightsWindow

from .exporters import DRAMA_ALID_PREFIX, DRAMA_CONTENT_ID_PREFIX


def avails_windows_for_licensee(*, licensee: Organization, include_revoked: bool = False) -> QuerySet[RightsWindow]:
    """A licensee's windows out, ready for export (drama, owner and licensee joined)."""
    windows = RightsWindow.objects.filter(licensee=licensee, direction=RightsDirection.OUT)
    if not include_revoked:
        windows = windows.exclude(status=RightsStatus.REVOKED)
    return windows.select_related("drama", "drama__owner", "licensee").order_by("drama_id", "start", "id")


def drama_by_reference(*, reference: str) -> Drama | None:
    """The drama a reference names: its id, the platform's content id or ALID for it (as exported, e.g.
    md:cid:org:migu:drama:12), or its EIDR or ALID. None when no drama is named so."""
    reference = reference.strip()
    for prefix in (DRAMA_CONTENT_ID_PREFIX, DRAMA_ALID_PREFIX):
        if reference.startswith(prefix) and reference.removeprefix(prefix).isdigit():
            reference = reference.removeprefix(prefix)
    if reference.isdigit():
        return Drama.objects.filter(pk=int(reference)).first()
    if not reference:
        return None
    return Drama.objects.filter(Q(eidr=reference) | Q(alid=reference)).order_by("id").first()
