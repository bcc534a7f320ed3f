import json

import pytest
from django.core.cache import cache

from partners.services import api_key_create

pytestmark = pytest.mark.django_db


def test_throttled_key_gets_429_with_retry_after_in_the_error_shape(client_for, partner, settings):
    settings.MIGU_API_KEY_RATE = "3/min"
    client = client_for(partner)

    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/me/")
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60


def test_throttling_counts_per_key_not_per_organization(client_for, partner, settings):
    settings.MIGU_API_KEY_RATE = "2/min"
    first, second = client_for(partner), client_for(partner)

    for _ in range(2):
        first.get("/api/v1/me/")

    assert first.get("/api/v1/me/").status_code == 429
    assert second.get("/api/v1/me/").status_code == 200


def test_throttle_state_lives_in_the_shared_redis_cache(client_for, partner, settings):
    settings.MIGU_API_KEY_RATE = "5/min"
    issued = api_key_create(organization=partner, name="k")
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.raw_key}")

    client.get("/api/v1/me/")

    assert cache.get(f"throttle:api:key:{issued.api_key.prefix}") == 1


def test_a_body_over_the_limit_answers_413_in_the_error_shape(client_for, partner, settings):
    settings.MIGU_API_MAX_BODY_BYTES = 1000
    client = client_for(partner)
    body = json.dumps({"events": [{"id": "x" * 50}] * 30})

    response = client.post("/api/v1/events/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_body_under_the_limit_is_read(client_for, partner, settings):
    settings.MIGU_API_MAX_BODY_BYTES = 1000

    response = client_for(partner).post("/api/v1/events/", {"events": []}, format="json")

    assert response.status_code == 200


def test_page_size_is_capped(client_for, partner, settings):
    settings.MIGU_API_MAX_PAGE_SIZE = 2
    client = client_for(partner, scopes=["keys:manage"])
    for n in range(3):
        api_key_create(organization=partner, name=f"k{n}")

    response = client.get("/api/v1/api-keys/?page_size=1000")

    assert len(response.json()["results"]) == 2
    assert response.json()["next"]
