"""Absolute URLs the platform hands out (playback, artwork, feeds), built from MIGU_PUBLIC_BASE_URL.

Never from the request: a Host header is the client's to choose, and a signed playback URL on a host the
client picked is a URL on someone else's server.
"""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings


def public_url(path: str) -> str:
    """`path` (site-relative, as reverse() or a storage gives it) on the public base URL; an absolute URL
    (an object store's signed URL) is returned as it is."""
    if not path or "://" in path:
        return path
    return urljoin(settings.MIGU_PUBLIC_BASE_URL.rstrip("/") + "/", path.lstrip("/"))
