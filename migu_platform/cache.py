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

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
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


class _PooledClients(RedisCacheClient):
    """Django's client builds a redis.Redis for every cache operation, copying its table of some 170 response
    callbacks each time (a tenth of a millisecond, several times per page). redis.Redis is thread-safe and
    takes its connections from the pool, so one per pool serves every operation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class DegradingRedisCache(RedisCache):
    """Django's RedisCache whose operations answer as an empty cache while Redis cannot be reached."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _PooledClients

    get = _degrading(_default)(RedisCache.get)
    get_many = _degrading(lambda keys, *a, **k: {})(RedisCache.get_many)
    has_key = _degrading(lambda *a, **k: False)(RedisCache.has_key)
    add = _degrading(lambda *a, **k: False)(RedisCache.add)
    set = _degrading(lambda *a, **k: None)(RedisCache.set)
    set_many = _degrading(lambda data, *a, **k: list(data))(RedisCache.set_many)
    touch = _degrading(lambda *a, **k: False)(RedisCache.touch)
    delete = _degrading(lambda *a, **k: False)(RedisCache.delete)
    delete_many = _degrading(lambda *a, **k: None)(RedisCache.delete_many)
