"""Error codes of the partners app (API keys, webhooks)."""

from __future__ import annotations

import enum


class PartnersErrorCode(enum.StrEnum):
    WEBHOOK_URL_NOT_ALLOWED = "webhook_url_not_allowed"
    WEBHOOK_LIMIT_REACHED = "webhook_limit_reached"
    WEBHOOK_DUPLICATE_URL = "webhook_duplicate_url"
    SCOPE_NOT_GRANTABLE = "scope_not_grantable"
    UNKNOWN_TERRITORY = "unknown_territory"
