"""Reads for tenants."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from partners.models import ApiKey, Channel, Organization
from partners.services import api_key_hash


def api_key_by_raw_key(*, raw_key: str) -> ApiKey | None:
    """The key matching `raw_key` with its organization, or None (usability is checked by the caller)."""
    if not raw_key.startswith("migu_") or len(raw_key) > 200:
        return None
    return ApiKey.objects.select_related("organization").filter(key_hash=api_key_hash(raw_key)).first()


def organizations_of_user(*, user: AbstractBaseUser) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user, is_active=True).distinct()


def channels_of(*, organization: Organization) -> QuerySet[Channel]:
    return Channel.objects.filter(organization=organization)


def channel_of(*, organization: Organization, channel_id: int) -> Channel:
    """A channel of this tenant; the same 404 for missing and foreign ids."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Channel, organization=organization, pk=channel_id)
