"""The per-key rate limit holds under concurrency: counted atomically in Redis, whatever the clients."""

from __future__ import annotations

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from partners.services import api_key_create
from partners.tests.factories import OrganizationFactory

CLIENTS = 20
LIMIT = 60
REQUESTS = 200


def status_of(url: str, key: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Api-Key {key}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
def test_twenty_concurrent_clients_on_one_key_get_exactly_the_rate(gunicorn_process):
    # given one key, a rate of 60 per minute and gunicorn with 2 workers × 4 threads
    key = api_key_create(organization=OrganizationFactory(), name="busy").raw_key
    base_url = gunicorn_process(workers=2, threads=4, MIGU_API_KEY_RATE=f"{LIMIT}/min")

    # when 20 clients send 200 requests at once
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(lambda _: status_of(f"{base_url}/api/v1/me/", key), range(REQUESTS)))

    # then exactly the rate is allowed and every other request is a 429
    assert statuses.count(200) == LIMIT, sorted(set(statuses))
    assert statuses.count(429) == REQUESTS - LIMIT
