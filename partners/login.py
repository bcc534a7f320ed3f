"""The admin sign-in, throttled per account and per address.

Every attempt is counted before the password is checked (atomically, in the shared Redis), so parallel
guesses cannot slip past the limit; a success clears the account's count. The refusal is the same text
whether or not the account exists, and is given even for the right password while the window lasts.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm

from migu_platform.ratelimit import RateLimitUnavailable, window_clear, window_hit

LOCKED_OUT = "Too many sign-in attempts. Try again in {minutes} minutes."
# While attempts cannot be counted (Redis down) the throttle fails closed: no password is checked.
UNCOUNTED = "Sign-in is unavailable for a moment. Try again in a minute."


def _account_key(username: str) -> str:
    # Hashed: the cache holds no user names, and any string (an unknown account too) has its counter.
    digest = hashlib.blake2b(username.strip().casefold().encode("utf-8", "replace"), digest_size=16).hexdigest()
    return f"login:account:{digest}"


def _address_key(request) -> str:
    return f"login:address:{request.META.get('REMOTE_ADDR', '') if request is not None else ''}"


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """AdminAuthenticationForm behind MIGU_LOGIN_ATTEMPTS_PER_ACCOUNT and MIGU_LOGIN_ATTEMPTS_PER_ADDRESS
    attempts per MIGU_LOGIN_WINDOW_SECONDS."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        period = settings.MIGU_LOGIN_WINDOW_SECONDS
        account_key = _account_key(username)
        try:
            account_hits, account_left = window_hit(account_key, period_seconds=period)
            address_hits, address_left = window_hit(_address_key(self.request), period_seconds=period)
        except RateLimitUnavailable as exc:
            raise forms.ValidationError(UNCOUNTED, code="throttle_unavailable") from exc
        over_account = account_hits > settings.MIGU_LOGIN_ATTEMPTS_PER_ACCOUNT
        over_address = address_hits > settings.MIGU_LOGIN_ATTEMPTS_PER_ADDRESS
        if over_account or over_address:
            seconds = max(account_left if over_account else 0, address_left if over_address else 0)
            raise forms.ValidationError(
                LOCKED_OUT.format(minutes=max(1, round(seconds / 60))), code="too_many_attempts"
            )
        cleaned = super().clean()
        window_clear(account_key)  # signed in: the account's failures are forgiven (the address's are not)
        return cleaned
