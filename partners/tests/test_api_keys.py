from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import ApiKey
from partners.services import api_key_create, api_key_hash, api_key_revoke
from partners.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_api_key_create_stores_only_hash_and_prefix(partner):
    issued = api_key_create(organization=partner, name="ci")

    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    assert issued.raw_key.startswith(f"migu_{stored.prefix}_")
    assert stored.key_hash == api_key_hash(issued.raw_key)
    assert issued.raw_key not in {stored.key_hash, stored.prefix, stored.name}


def test_me_returns_the_calling_tenant(client_for, partner):
    response = client_for(partner).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["organization"]["slug"] == partner.slug


@pytest.mark.parametrize(
    "header, code",
    [
        (None, "not_authenticated"),
        ("Api-Key ", "authentication_failed"),
        ("Api-Key migu_deadbeef_nope", "authentication_failed"),
        ("Api-Key not-a-migu-key", "authentication_failed"),
    ],
)
def test_missing_or_unknown_keys_are_refused_in_the_error_shape(api_client, header, code):
    if header:
        api_client.credentials(HTTP_AUTHORIZATION=header)

    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert "detail" in response.json()


def test_revoked_key_is_refused_on_the_next_request(api_client, partner):
    issued = api_key_create(organization=partner, name="to revoke")
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.raw_key}")
    assert api_client.get("/api/v1/me/").status_code == 200

    api_key_revoke(api_key=issued.api_key)

    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_expired_key_is_refused(api_client, partner):
    issued = api_key_create(organization=partner, name="old", expires_at=timezone.now() + timedelta(seconds=60))
    ApiKey.objects.filter(pk=issued.api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.raw_key}")

    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_use_records_last_used_time(api_client, partner):
    issued = api_key_create(organization=partner, name="k")
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.raw_key}")

    api_client.get("/api/v1/me/")

    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at is not None


def test_suspended_organization_is_refused(api_client):
    organization = OrganizationFactory(is_active=False)
    issued = api_key_create(organization=organization, name="k")
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.raw_key}")

    assert api_client.get("/api/v1/me/").status_code == 401
