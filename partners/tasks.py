"""Celery tasks of the partners app: thin wrappers over partners.webhooks."""

from __future__ import annotations

from celery import shared_task

from partners.webhooks import webhook_delivery_attempt


@shared_task(name="partners.webhook_deliver", ignore_result=True)
def webhook_deliver(delivery_id: int) -> None:
    """Attempt one webhook delivery; schedule the next attempt with exponential backoff if it failed."""
    retry_in = webhook_delivery_attempt(delivery_id=delivery_id)
    if retry_in is not None:
        webhook_deliver.apply_async((delivery_id,), countdown=retry_in)
