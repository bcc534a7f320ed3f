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
    from django.http import Http404

    if not object_id_valid(channel_id):
        raise Http404
    channel = Channel.objects.filter(organization=organization, pk=channel_id).first()
    if channel is None:
        raise Http404
    return channel


MAX_BIGINT = 2**63 - 1


def object_id_valid(value: object) -> bool:
    """Whether `value` can be a primary key at all (URL ids beyond bigint must not reach the database)."""
    try:
        return 0 < int(value) <= MAX_BIGINT
    except (TypeError, ValueError):
        return False


def api_keys_of(*, organization: Organization) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organization=organization)


def api_key_of(*, organization: Organization, prefix: str) -> ApiKey:
    """One of this tenant's keys by its public prefix; the same 404 for missing and foreign keys."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(ApiKey, organization=organization, prefix=prefix)


def webhooks_of(*, organization: Organization):
    from partners.models import Webhook

    return Webhook.objects.filter(organization=organization)


def webhook_of(*, organization: Organization, webhook_id: int):
    """One of this tenant's webhooks; the same 404 for missing and foreign ids."""
    from django.http import Http404

    from partners.models import Webhook

    if not object_id_valid(webhook_id):
        raise Http404
    webhook = Webhook.objects.filter(organization=organization, pk=webhook_id).first()
    if webhook is None:
        raise Http404
    return webhook


def webhook_deliveries_of(*, organization: Organization, webhook_id: int):
    webhook = webhook_of(organization=organization, webhook_id=webhook_id)
    return webhook.deliveries.all()
