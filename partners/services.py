"""Writes for tenants: organizations, memberships, channels, API keys."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from migu_platform.errors import invalid
from partners.geography import territories_expand
from partners.models import ApiKey, Channel, Membership, Organization, default_scopes

KEY_PREFIX_LENGTH = 8
# Only touch last_used_at this often: a write per request would serialise hot keys on one row.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_hash(raw_key: str) -> str:
    # The secret has 256 bits of entropy, so a plain SHA-256 is enough (no slow KDF needed).
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    raw_key: str  # shown once, never stored


@transaction.atomic
def organization_create(
    *, name: str, slug: str, kind: str, territories: Iterable[str] = (), languages: Iterable[str] = ()
) -> Organization:
    """Create a tenant; region groups in `territories` expand to countries."""
    organization = Organization(
        name=name, slug=slug, kind=kind, territories=territories_expand(list(territories)), languages=list(languages)
    )
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, **fields: Any) -> Organization:
    """Edit a tenant's name, kind, territories (region groups expand), languages or active flag."""
    if "territories" in fields:
        fields["territories"] = territories_expand(list(fields["territories"]))
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def channel_update(*, channel: Channel, **fields: Any) -> Channel:
    """Edit an outlet; it stays with its organization."""
    fields.pop("organization", None)
    if "territories" in fields:
        fields["territories"] = territories_expand(list(fields["territories"]))
    for name, value in fields.items():
        setattr(channel, name, value)
    channel.full_clean()
    channel.save()
    return channel


@transaction.atomic
def membership_set(*, user: User, organization: Organization, role: str) -> Membership:
    """Give a user a role in an organization (idempotent: updates the role if already a member)."""
    membership, _ = Membership.objects.update_or_create(user=user, organization=organization, defaults={"role": role})
    return membership


@transaction.atomic
def channel_create(
    *, organization: Organization, name: str, slug: str, kind: str = "app",
    territories: Iterable[str] = (), languages: Iterable[str] = (),
) -> Channel:  # fmt: skip
    """Add an outlet to a partner or operator."""
    channel = Channel(
        organization=organization,
        name=name,
        slug=slug,
        kind=kind,
        territories=territories_expand(list(territories)),
        languages=list(languages),
    )
    channel.full_clean()
    channel.save()
    return channel


@transaction.atomic
def api_key_create(
    *,
    organization: Organization,
    name: str,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    created_by: User | None = None,
) -> IssuedApiKey:
    """Issue a key. The raw key is returned once; only its hash and public prefix are stored. A key is
    never issued already expired."""
    if expires_at is not None and expires_at <= timezone.now():
        raise invalid("expires_at", "The expiry must be in the future.")
    prefix = secrets.token_hex(KEY_PREFIX_LENGTH // 2)
    raw_key = f"migu_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(
        organization=organization,
        name=name,
        prefix=prefix,
        key_hash=api_key_hash(raw_key),
        scopes=list(scopes) if scopes is not None else default_scopes(),
        expires_at=expires_at,
        created_by=created_by,
    )
    api_key.full_clean(exclude=["prefix", "key_hash"])
    api_key.save()
    return IssuedApiKey(api_key=api_key, raw_key=raw_key)


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key; it is refused from the next request on (keys are looked up on every request)."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_key_touch(*, api_key: ApiKey, at: datetime | None = None) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION, with a conditional UPDATE (no read-modify-write)."""
    at = at or timezone.now()
    if api_key.last_used_at is not None and at - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    from django.db.models import Q

    ApiKey.objects.filter(pk=api_key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=at - LAST_USED_RESOLUTION)
    ).update(last_used_at=at)
    api_key.last_used_at = at


@transaction.atomic
def api_key_update(
    *, api_key: ApiKey, name: str, scopes: list[str], expires_at: datetime | None
) -> ApiKey:  # fmt: skip
    """Rename a key, change its scopes or expiry. Its secret, prefix and organization never change."""
    api_key.name = name
    api_key.scopes = list(scopes)
    api_key.expires_at = expires_at
    api_key.full_clean(exclude=["prefix", "key_hash"])
    api_key.save(update_fields=["name", "scopes", "expires_at"])
    return api_key
