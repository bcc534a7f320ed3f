import pytest

from partners.models import ApiKey

pytestmark = pytest.mark.django_db

MANAGER_SCOPES = ["catalog:read", "keys:manage"]


def test_a_key_with_keys_manage_issues_a_key_shown_once(client_for, partner):
    client = client_for(partner, scopes=MANAGER_SCOPES)

    created = client.post("/api/v1/api-keys/", {"name": "tv app", "scopes": ["catalog:read"]}, format="json")

    assert created.status_code == 201
    raw_key = created.json()["key"]
    assert raw_key.startswith(f"migu_{created.json()['prefix']}_")
    listed = client.get("/api/v1/api-keys/").json()["results"]
    assert created.json()["prefix"] in [k["prefix"] for k in listed]
    assert all("key" not in k for k in listed)
    assert client.get(f"/api/v1/api-keys/{created.json()['prefix']}/").json().get("key") is None


def test_an_issued_key_works_and_revoking_it_refuses_it(client_for, api_client, partner):
    manager = client_for(partner, scopes=MANAGER_SCOPES)
    issued = manager.post("/api/v1/api-keys/", {"name": "k", "scopes": ["catalog:read"]}, format="json").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued['key']}")
    assert api_client.get("/api/v1/me/").status_code == 200

    revoked = manager.delete(f"/api/v1/api-keys/{issued['prefix']}/")

    assert revoked.status_code == 204
    assert api_client.get("/api/v1/me/").status_code == 401
    assert ApiKey.objects.get(prefix=issued["prefix"]).revoked_at is not None


def test_a_key_cannot_grant_scopes_it_does_not_hold(client_for, partner):
    client = client_for(partner, scopes=MANAGER_SCOPES)

    response = client.post("/api/v1/api-keys/", {"name": "x", "scopes": ["rights:write"]}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "scope_not_grantable"
    assert not ApiKey.objects.filter(name="x").exists()


@pytest.mark.parametrize(
    "method, path, scopes",
    [
        ("get", "/api/v1/api-keys/", ["catalog:read", "events:write", "webhooks:manage"]),
        ("post", "/api/v1/api-keys/", ["catalog:read"]),
        ("get", "/api/v1/webhooks/", ["catalog:read", "events:write"]),
        ("post", "/api/v1/webhooks/", ["catalog:read"]),
        ("post", "/api/v1/events/", ["catalog:read", "webhooks:manage"]),
    ],
)
def test_endpoints_refuse_keys_without_their_scope(client_for, partner, method, path, scopes):
    client = client_for(partner, scopes=scopes)

    response = getattr(client, method)(path, {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "lacks the scope" in response.json()["detail"]


def test_foreign_key_prefix_answers_the_same_404_as_a_missing_one(client_for, partner, other_partner):
    from partners.services import api_key_create

    foreign = api_key_create(organization=other_partner, name="theirs").api_key
    client = client_for(partner, scopes=MANAGER_SCOPES)

    for method in ("get", "delete"):
        foreign_response = getattr(client, method)(f"/api/v1/api-keys/{foreign.prefix}/")
        missing_response = getattr(client, method)("/api/v1/api-keys/00000000/")
        assert foreign_response.status_code == missing_response.status_code == 404
        assert foreign_response.json() == missing_response.json()
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
    listed = client.get("/api/v1/api-keys/").json()["results"]
    assert foreign.prefix not in [k["prefix"] for k in listed]


def test_a_key_cannot_be_issued_already_expired(client_for, partner):
    client = client_for(partner, scopes=["keys:manage", "catalog:read"])

    response = client.post(
        "/api/v1/api-keys/",
        {"name": "late", "scopes": ["catalog:read"], "expires_at": "2001-01-01T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"expires_at": ["The expiry must be in the future."]}
