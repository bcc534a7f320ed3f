"""Counting hits in fixed windows in the shared Redis, atomically: the API's per-key rate and the admin
login throttle both count here.

While Redis cannot be reached, `window_hit` raises RateLimitUnavailable and each caller decides, by
design: the API's per-key limit fails OPEN (requests are served uncounted and a warning is logged: the
limit protects capacity, and partners' players should not stop because the counter did), the admin
sign-in throttle fails CLOSED (no password is checked while attempts cannot be counted)."""

from __future__ import annotations

from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class RateLimitUnavailable(Exception):
    """The counters' Redis cannot be reached: the hit was not counted."""


# One round trip: count the hit and start the window on the first one, atomically (Redis runs a script
# alone). Returns the count so far in this window and the window's remaining milliseconds.
_HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""


def rate_parse(rate: str) -> tuple[int, int]:
    """'1200/min' -> (1200, 60): requests and seconds (s, sec, m, min, h, hour, d, day)."""
    count, _, period = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[:1].lower()]
    return int(count), seconds


def window_hit(key: str, *, period_seconds: int) -> tuple[int, float]:
    """Count one hit of `key` in its current window (started by the window's first hit); return (hits so
    far in the window, seconds until it ends). Exact under any concurrency: the increment and the expiry
    are one script, one round trip."""
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]  # RedisCache's own pool
    try:
        count, ttl_ms = client.eval(_HIT_SCRIPT, 1, cache.make_key(key), period_seconds * 1000)
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise RateLimitUnavailable(str(exc)) from exc
    return int(count), max(0.0, int(ttl_ms) / 1000)


def window_clear(key: str) -> None:
    cache.delete(key)
