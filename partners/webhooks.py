"""Webhooks: registration, signed deliveries with exponential backoff, and each attempt logged.

A delivery is an HTTP POST of a JSON body to the partner's HTTPS endpoint with these headers:

    X-Migu-Event: title.available
    X-Migu-Event-Id: 6f1c...  (the event's UUID; the same across retries: deduplicate on it)
    X-Migu-Delivery: 1234     (the delivery row, visible at GET /api/v1/webhooks/{id}/deliveries/)
    X-Migu-Signature: t=1767225600,v1=<hex>

where v1 = HMAC-SHA256(key=webhook secret, message=f"{t}." + raw body). Receivers recompute it over
the raw body, compare in constant time and refuse timestamps older than a few minutes (replays).
A 2xx answer ends the delivery; anything else (or no answer within WEBHOOK_TIMEOUT_SECONDS) is
retried after WEBHOOK_RETRY_BASE_SECONDS × 2^(attempt-1), up to the delivery's max_attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from migu_platform.errors import ConflictError, DomainError, NotFoundError
from partners.errors import PartnersErrorCode
from partners.models import (
    Organization,
    Webhook,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEventType,
    WebhookFeedPosition,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Migu-Signature"
MAX_WEBHOOKS_PER_ORGANIZATION = 10
MAX_BACKOFF_SECONDS = 6 * 3600
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Migu-Signature header value for `body` sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _allowed_loopback(parts, host: str) -> bool:
    """Plain http to loopback: the test receivers', accepted only in DEBUG or with WEBHOOKS_ALLOW_LOOPBACK."""
    loopback_allowed = settings.DEBUG or settings.WEBHOOKS_ALLOW_LOOPBACK
    return parts.scheme == "http" and host in LOOPBACK_HOSTS and loopback_allowed


def webhook_url_validate(url: str) -> None:
    """HTTPS to a public host; plain http only to loopback, and only in DEBUG or with WEBHOOKS_ALLOW_LOOPBACK."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if _allowed_loopback(parts, host):
        return
    if parts.scheme != "https" or not host:
        raise DomainError("Webhook endpoints must use https://.", code=PartnersErrorCode.WEBHOOK_URL_NOT_ALLOWED)
    if parts.username or parts.password:
        raise DomainError("Webhook URLs must not carry credentials.", code=PartnersErrorCode.WEBHOOK_URL_NOT_ALLOWED)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host in LOOPBACK_HOSTS or (address is not None and webhook_address_refused(str(address))):
        # Deliveries are sent from inside the platform: internal addresses are not reachable targets.
        raise DomainError("Webhook endpoints must be public hosts.", code=PartnersErrorCode.WEBHOOK_URL_NOT_ALLOWED)
    if address is None and webhook_host_internal_addresses(host, parts.port or 443):
        # A public-looking name that points inside (a DNS record to 10.x, 127.x, 169.254.x ...).
        raise DomainError(
            "Webhook endpoints must be public hosts: this name resolves to an internal address.",
            code=PartnersErrorCode.WEBHOOK_URL_NOT_ALLOWED,
        )


def webhook_host_internal_addresses(host: str, port: int) -> list[str]:
    """The non-public addresses `host` resolves to now (empty if none, or if it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    addresses = {str(info[4][0]) for info in infos}
    return sorted(a for a in addresses if webhook_address_refused(a))


def webhook_address_refused(address: str) -> bool:
    """True for any address a webhook must not reach: private, loopback, link-local, and also multicast,
    reserved and unspecified (Python counts 224.0.0.1 as "global")."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        not ip.is_global
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_private
    )


def webhook_destination_refusal(url: str) -> str:
    """Why a delivery must not be sent to `url` now ("" if it may): checked before every attempt, as a
    name's DNS records can change after registration."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if _allowed_loopback(parts, host):
        return ""
    internal = webhook_host_internal_addresses(host, parts.port or 443)
    if internal:
        return f"Refused: {host} resolves to an internal address ({', '.join(internal)})."
    return ""


@transaction.atomic
def webhook_create(*, organization: Organization, url: str, events: list[str], description: str = "") -> Webhook:
    """Register an endpoint for `events`; the returned webhook carries its secret (shown once)."""
    webhook_url_validate(url)
    # Lock the tenant row so two concurrent registrations cannot both pass the limit.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if Webhook.objects.filter(organization=organization).count() >= MAX_WEBHOOKS_PER_ORGANIZATION:
        raise ConflictError(
            f"An organization may register at most {MAX_WEBHOOKS_PER_ORGANIZATION} webhooks.",
            code=PartnersErrorCode.WEBHOOK_LIMIT_REACHED,
        )
    webhook = Webhook(
        organization=organization,
        url=url,
        events=sorted(set(events)),
        description=description,
        secret=f"whsec_{secrets.token_urlsafe(32)}",
    )
    try:
        with transaction.atomic():
            webhook.save()
    except IntegrityError as exc:
        raise ConflictError(
            "This URL is already registered.", code=PartnersErrorCode.WEBHOOK_DUPLICATE_URL, url=url
        ) from exc
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    """Remove an endpoint and its delivery log; pending retries find no row and stop."""
    webhook.delete()


def webhook_payload(*, event_id: uuid.UUID, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(event_id), "type": event_type, "created_at": timezone.now().isoformat(), "data": data}


@transaction.atomic
def webhook_event_publish(
    *, organization: Organization, event_type: str, data: dict[str, Any], event_id: uuid.UUID | None = None
) -> list[WebhookDelivery]:
    """Queue a delivery of one event to each of the organization's active webhooks that want it.

    Publishing the same `event_id` twice creates no second delivery (unique per webhook and event).
    """
    if event_type not in WebhookEventType.values:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    event_id = event_id or uuid.uuid4()
    payload = webhook_payload(event_id=event_id, event_type=event_type, data=data)
    webhooks = Webhook.objects.filter(organization=organization, is_active=True)
    if event_type != WebhookEventType.PING:
        webhooks = webhooks.filter(events__contains=[event_type])
    deliveries = []
    for webhook in webhooks:
        delivery, created = WebhookDelivery.objects.get_or_create(
            webhook=webhook, event_id=event_id, defaults={"event_type": event_type, "payload": payload}
        )
        if created:
            deliveries.append(delivery)
    for delivery in deliveries:
        webhook_delivery_enqueue(delivery_id=delivery.pk)
    return deliveries


@transaction.atomic
def webhook_ping(*, webhook: Webhook) -> WebhookDelivery:
    """Queue a ping to this one endpoint (an inactive one receives nothing: NotFoundError, as if missing)."""
    if not webhook.is_active:
        raise NotFoundError()
    event_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event_id=event_id,
        event_type=WebhookEventType.PING,
        payload=webhook_payload(event_id=event_id, event_type=WebhookEventType.PING, data={"webhook_id": webhook.pk}),
    )
    webhook_delivery_enqueue(delivery_id=delivery.pk)
    return delivery


def webhook_delivery_enqueue(*, delivery_id: int, countdown: float = 0) -> None:
    from partners.tasks import webhook_deliver

    transaction.on_commit(lambda: webhook_deliver.apply_async((delivery_id,), countdown=countdown))


def webhook_backoff_seconds(attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): base × 2^(attempt-1), capped."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return min(base * (2 ** (attempt - 1)), MAX_BACKOFF_SECONDS)


def webhook_delivery_attempt(*, delivery_id: int) -> float | None:
    """Make one attempt of a delivery; returns the seconds until the next attempt, or None when done.

    The attempt is counted before the request is sent, so a worker killed mid-request still uses up
    an attempt and redeliveries cannot loop forever.
    """
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("webhook").filter(pk=delivery_id).first()
        if delivery is None:
            logger.info("webhook delivery %s is gone (webhook deleted); nothing to send", delivery_id)
            return None
        if delivery.status in (WebhookDeliveryStatus.SUCCEEDED, WebhookDeliveryStatus.FAILED):
            return None
        if delivery.attempts >= delivery.max_attempts or not delivery.webhook.is_active:
            delivery.status = WebhookDeliveryStatus.FAILED
            delivery.error = delivery.error or "No attempts left."
            delivery.save(update_fields=["status", "error"])
            return None
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.save(update_fields=["attempts", "last_attempt_at"])

    webhook = delivery.webhook
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Migu-Webhooks/1.0",
        "X-Migu-Event": delivery.event_type,
        "X-Migu-Event-Id": str(delivery.event_id),
        "X-Migu-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: webhook_signature(secret=webhook.secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    response_status: int | None = None
    error = webhook_destination_refusal(webhook.url)
    if not error:
        try:
            # The URL was validated at registration; redirects are not followed (they could lead anywhere).
            response = requests.post(
                webhook.url,
                data=body,
                headers=headers,
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
            response_status = response.status_code
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)

    now = timezone.now()
    fields: dict[str, Any] = {"response_status": response_status, "duration_ms": duration_ms, "error": error}
    retry_in: float | None = None
    if not error:
        fields.update(status=WebhookDeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None)
    elif delivery.attempts < delivery.max_attempts:
        retry_in = webhook_backoff_seconds(delivery.attempts)
        fields.update(status=WebhookDeliveryStatus.RETRYING, next_attempt_at=now + timedelta(seconds=retry_in))
    else:
        fields.update(status=WebhookDeliveryStatus.FAILED, next_attempt_at=None)
    # Only a delivery still in flight is updated: a concurrent duplicate that already finished wins.
    WebhookDelivery.objects.filter(pk=delivery.pk).exclude(
        status__in=[WebhookDeliveryStatus.SUCCEEDED, WebhookDeliveryStatus.FAILED]
    ).update(**fields)
    logger.info("webhook delivery %s attempt %s: %s", delivery.pk, delivery.attempts, error or "delivered")
    return retry_in


# --- Where publishers stand ------------------------------------------------------------------


def webhook_feed_position_lock(*, source: str) -> WebhookFeedPosition:
    """How far the publisher of `source` (an app's event table) has read, locked for the transaction, so
    overlapping runs of a beat job publish each event once. Call inside a transaction."""
    WebhookFeedPosition.objects.get_or_create(source=source)
    return WebhookFeedPosition.objects.select_for_update().get(source=source)


def webhook_event_id(*, source: str, key: object) -> uuid.UUID:
    """A stable event id for an app's own event (`source`, `key`): a re-run publishes the same id, and a
    delivery is unique per webhook and event id, so nothing is delivered twice."""
    return uuid.uuid5(EVENT_NAMESPACE, f"{source}:{key}")


EVENT_NAMESPACE = uuid.UUID("6b1c54d2-4f0a-4c55-9a3e-2f7c1a0e5b11")
