"""Reads for tenants."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import QuerySet

from migu_platform.db import execute_prepared
from migu_platform.errors import found
from partners.models import ApiKey, Channel, Organization, Webhook, WebhookDelivery
from partners.services import api_key_hash


@cache
def _api_key_sql() -> tuple[str, list[str], list[str]]:
    key_fields = [f.attname for f in ApiKey._meta.concrete_fields]
    org_fields = [f.attname for f in Organization._meta.concrete_fields]
    # Concrete fields always have a column; the stubs type Field.column as optional.
    columns = [f"k.{connection.ops.quote_name(f.column)}" for f in ApiKey._meta.concrete_fields] + [  # type: ignore[arg-type]
        f"o.{connection.ops.quote_name(f.column)}"  # type: ignore[arg-type]
        for f in Organization._meta.concrete_fields
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM {ApiKey._meta.db_table} k "  # noqa: S608 (model metadata only)
        f"JOIN {Organization._meta.db_table} o ON o.id = k.organization_id WHERE k.key_hash = %(key_hash)s"
    )
    return sql, key_fields, org_fields


def api_key_by_raw_key(*, raw_key: str) -> ApiKey | None:
    """The key matching `raw_key` with its organization, or None (usability is checked by the caller).

    Every API request starts here, so it is one prepared statement: building the equivalent
    select_related() query, and planning it, cost more than PostgreSQL takes to answer it.
    """
    if not raw_key.startswith("migu_") or len(raw_key) > 200:
        return None
    sql, key_fields, org_fields = _api_key_sql()
    with connection.cursor() as cursor:
        execute_prepared(cursor, "migu_api_key_by_hash", sql, {"key_hash": api_key_hash(raw_key)})
        row = cursor.fetchone()
    if row is None:
        return None
    api_key = ApiKey.from_db(connection.alias, key_fields, row[: len(key_fields)])
    api_key.organization = Organization.from_db(connection.alias, org_fields, row[len(key_fields) :])
    return api_key


def channels_of(*, organization: Organization) -> QuerySet[Channel]:
    return Channel.objects.filter(organization=organization)


@dataclass(frozen=True)
class ChannelListed:
    """What a dashboard lists of a channel: enough to name it, filter by it and place it."""

    pk: int
    name: str
    territories: list[str]
    languages: list[str]


def channels_listed(*, organization: Organization) -> list[ChannelListed]:
    """The tenant's channels by name, as ChannelListed, in one prepared statement: a dashboard lists fifty on
    every page, where building them as model instances through the ORM cost four times the query."""
    with connection.cursor() as cursor:
        execute_prepared(cursor, "migu_channels_listed", "SELECT id, name, territories, languages FROM partners_channel "
                         "WHERE organization_id = %(organization)s ORDER BY name, id", {"organization": organization.pk})  # fmt: skip
        return [ChannelListed(*row) for row in cursor.fetchall()]


def channel_of(*, organization: Organization, channel_id: int) -> Channel:
    """A channel of this tenant; NotFoundError for missing and foreign ids alike."""
    return found(Channel.objects.filter(organization=organization, pk=channel_id).first())


def api_keys_of(*, organization: Organization) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organization=organization)


def api_key_of(*, organization: Organization, prefix: str) -> ApiKey:
    """One of this tenant's keys by its public prefix; NotFoundError for missing and foreign keys alike."""
    return found(ApiKey.objects.filter(organization=organization, prefix=prefix).first())


def webhooks_of(*, organization: Organization) -> QuerySet[Webhook]:
    return Webhook.objects.filter(organization=organization)


def webhook_of(*, organization: Organization, webhook_id: int) -> Webhook:
    """One of this tenant's webhooks; NotFoundError for missing and foreign ids alike."""
    return found(Webhook.objects.filter(organization=organization, pk=webhook_id).first())


def webhook_deliveries_of(*, organization: Organization, webhook_id: int) -> QuerySet[WebhookDelivery]:
    webhook = webhook_of(organization=organization, webhook_id=webhook_id)
    return webhook.deliveries.all()


def organizations_named_like(*, name: str, kinds: Iterable[str], threshold: float, limit: int) -> list[Organization]:
    """Organizations of these kinds whose name is at least `threshold` similar to `name` (pg_trgm), closest first.

    Each carries its `similarity`. For offering the existing organization a misspelt name most likely means.
    """
    return list(
        Organization.objects.filter(kind__in=list(kinds))
        .annotate(similarity=TrigramSimilarity("name", name))
        .filter(similarity__gte=threshold)
        .order_by("-similarity", "name", "id")[:limit]
    )
