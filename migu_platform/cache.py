"""The cache degrades when Redis is away: reads miss, writes are skipped, and the platform keeps answering.

Everything kept in the cache can be recomputed (API list pages, job progress notes), so a Redis restart
costs speed, not answers. Connection and timeout errors are logged and swallowed here, once; anything
else (a bad key, a serialization bug) still raises. Counting rate limits is not a cache read: it goes
through migu_platform.ratelimit, which says what happens then.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)

F = TypeVar("F", bound=Callable[..., Any])


def _degrading(fallback: Callable[..., Any]) -> Callable[[F], F]:
    def wrap(method: F) -> F:
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except REDIS_UNAVAILABLE as exc:
                logger.warning("cache unavailable, %s degraded: %s", method.__name__, exc)
                return fallback(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return wrap


def _default(key, default=None, *args, **kwargs):
    return default


class DegradingRedisCache(RedisCache):
    """Django's RedisCache whose operations answer as an empty cache while Redis cannot be reached."""

    get = _degrading(_default)(RedisCache.get)
    get_many = _degrading(lambda keys, *a, **k: {})(RedisCache.get_many)
    has_key = _degrading(lambda *a, **k: False)(RedisCache.has_key)
    add = _degrading(lambda *a, **k: False)(RedisCache.add)
    set = _degrading(lambda *a, **k: None)(RedisCache.set)
    set_many = _degrading(lambda data, *a, **k: list(data))(RedisCache.set_many)
    touch = _degrading(lambda *a, **k: False)(RedisCache.touch)
    delete = _degrading(lambda *a, **k: False)(RedisCache.delete)
    delete_many = _degrading(lambda *a, **k: None)(RedisCache.delete_many)
