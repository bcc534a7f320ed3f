import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from migu_platform.api.error_responses import NOT_FOUND_BODY
from partners.tests.factories import LicensorFactory, OperatorFactory, OrganizationFactory, UserFactory
from rights.models import RightsAudit, RightsWindow
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db
URL = "/api/v1/rights-windows/"
READ = ["catalog:read", "rights:read"]
WRITE = ["rights:read", "rights:write"]


def body(**overrides):
    data = {
        "licensee": "partner-a",
        "territories": ["TH"],
        "licence_type": "AVOD",
        "start": at(0).isoformat(),
        "end": at(100).isoformat(),
        "exclusive": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def owned(licensor):
    return drama_with_rights_in(licensor=licensor, territories=("SEA",))


def test_partner_reads_only_its_own_windows(client_for, partner, other_partner, owned):
    # given a window for each partner
    mine = grant_out(owned, partner, territories=["TH"])
    theirs = grant_out(owned, other_partner, territories=["SG"])
    client = client_for(partner, scopes=READ)

    # when the partner lists and fetches
    listed = client.get(URL)
    foreign = client.get(f"{URL}{theirs.pk}/")
    missing = client.get(f"{URL}999999/")

    # then it sees its own only, and a foreign id answers exactly like a missing one
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [mine.pk]
    assert client.get(f"{URL}{mine.pk}/").json()["licensee"] == "partner-a"
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == NOT_FOUND_BODY


@pytest.mark.parametrize("method", ["post", "patch"])
@pytest.mark.parametrize("kind", ["partner", "operator"])
def test_partners_and_operators_may_not_write(client_for, owned, method, kind):
    organization = OrganizationFactory(kind="partner") if kind == "partner" else OperatorFactory()
    window = grant_out(owned, organization)
    client = client_for(organization, scopes=WRITE)
    url = URL if method == "post" else f"{URL}{window.pk}/"
    response = getattr(client, method)(url, body(licensee=organization.slug, drama=owned.pk), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_key_without_rights_scope_is_refused(client_for, partner):
    response = client_for(partner, scopes=["catalog:read"]).get(URL)
    assert response.status_code == 403
    assert "rights:read" in response.json()["detail"]


def test_licensor_grants_a_window_on_its_drama(client_for, licensor, partner, owned):
    response = client_for(licensor, scopes=WRITE).post(
        URL, body(drama=owned.pk, territories=["SEA"], territory_exclusions=["VN"], currency="usd",
                  unlock_price="0.99", free_episode_count=5), format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["licensee"] == "partner-a" and data["exclusive"] is True
    assert "VN" not in data["effective_territories"] and "TH" in data["effective_territories"]
    assert data["currency"] == "USD" and data["unlock_price"] == "0.99"
    window = RightsWindow.objects.get(pk=data["id"])
    assert RightsAudit.objects.get(window=window).actor_organization == licensor


def test_licensor_may_not_grant_another_licensors_drama(client_for, partner, owned):
    stranger = LicensorFactory()
    response = client_for(stranger, scopes=WRITE).post(URL, body(drama=owned.pk), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "drama" in response.json()["fields"]


def test_overlap_is_409_naming_the_conflicting_window(client_for, licensor, partner, other_partner, owned):
    existing = grant_out(owned, other_partner, exclusive=True, end=at(100))
    response = client_for(licensor, scopes=WRITE).post(URL, body(drama=owned.pk), format="json")
    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "rights_overlap" and data["conflicting_window"] == existing.pk
    assert f"#{existing.pk}" in data["detail"]


def test_beyond_rights_in_is_409_no_rights_in(client_for, licensor, partner, owned):
    response = client_for(licensor, scopes=WRITE).post(URL, body(drama=owned.pk, territories=["US"]), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "no_rights_in" and response.json()["territories"] == ["US"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"territories": ["XX"]}, "territories"),
        ({"licence_type": "PIRATE"}, "licence_type"),
        ({"start": "yesterday"}, "start"),
        ({"end": at(-1).isoformat()}, "end"),
        ({"licensee": "nobody"}, "licensee"),
        ({"unlock_price": "1.00"}, "currency"),
        ({"audio_languages": ["english please"]}, "audio_languages"),
    ],
)
def test_bad_input_is_400_with_fields(client_for, licensor, partner, owned, overrides, field):
    response = client_for(licensor, scopes=WRITE).post(URL, body(drama=owned.pk, **overrides), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert not RightsWindow.objects.filter(direction="out").exists()


def test_patch_changes_and_revokes(client_for, licensor, partner, owned):
    window = grant_out(owned, partner, end=at(100))
    client = client_for(licensor, scopes=WRITE)
    changed = client.patch(f"{URL}{window.pk}/", {"end": at(200).isoformat(), "free_episode_count": 2}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["end"].startswith("2026-07-20") and changed.json()["free_episode_count"] == 2
    revoked = client.patch(f"{URL}{window.pk}/", {"status": "revoked"}, format="json")
    assert revoked.json()["status"] == "revoked"
    again = client.patch(f"{URL}{window.pk}/", {"end": at(300).isoformat()}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


def test_patch_refused_keeps_the_window(client_for, licensor, partner, other_partner, owned):
    grant_out(owned, other_partner, territories=["SG"], exclusive=True)
    window = grant_out(owned, partner, territories=["TH"])
    response = client_for(licensor, scopes=WRITE).patch(
        f"{URL}{window.pk}/", {"territories": ["TH", "SG"]}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "rights_overlap"
    window.refresh_from_db()
    assert window.territories == ["TH"]


def test_patch_of_a_foreign_window_is_404(client_for, partner, owned):
    window = grant_out(owned, partner)
    response = client_for(LicensorFactory(), scopes=WRITE).patch(f"{URL}{window.pk}/", {"exclusive": True})
    assert response.status_code == 404 and response.json() == NOT_FOUND_BODY


def test_staff_rights_manager_uses_the_api_with_a_session(partner, owned):
    # given a staff user in the rights group, and one without
    manager = UserFactory(is_staff=True)
    manager.groups.add(Group.objects.get(name="rights"))
    plain = UserFactory(is_staff=True)
    client = APIClient()
    client.force_login(manager)

    created = client.post(URL, body(drama=owned.pk), format="json")
    assert created.status_code == 201, created.json()
    assert RightsAudit.objects.get(window_id=created.json()["id"]).actor_user == manager
    assert client.get(URL).json()["results"][0]["id"] == created.json()["id"]

    other = APIClient()
    other.force_login(plain)
    assert other.get(URL).status_code == 403


def test_list_does_not_query_per_row(client_for, partner, licensor, django_assert_max_num_queries):
    client = client_for(partner, scopes=READ)
    grant_out(drama_with_rights_in(licensor=licensor, licence_types=("AVOD",)), partner)
    with django_assert_max_num_queries(10) as one:
        client.get(URL)
    for territory in ["SG", "MY", "ID", "VN", "PH", "KH", "LA", "MM", "BN"]:
        grant_out(drama_with_rights_in(licensor=licensor, licence_types=("AVOD",)), partner, territories=[territory])
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(URL)
    assert len(response.json()["results"]) == 10


def test_list_filters(client_for, partner, owned):
    grant_out(owned, partner, territories=["SEA"], territory_exclusions=["VN"], licence_type="SVOD")
    client = client_for(partner, scopes=READ)
    assert len(client.get(URL, {"territory": "th"}).json()["results"]) == 1
    assert len(client.get(URL, {"territory": "VN"}).json()["results"]) == 0
    assert len(client.get(URL, {"licence_type": "AVOD"}).json()["results"]) == 0
    assert client.get(URL, {"updated_since": "not a date"}).status_code == 400


def test_operator_reads_its_own_windows_only(client_for, owned, partner):
    operator = OperatorFactory()
    mine = grant_out(owned, operator, territories=["TH"])
    theirs = grant_out(owned, partner, territories=["SG"])
    client = client_for(operator, scopes=READ)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [mine.pk]
    assert client.get(f"{URL}{theirs.pk}/").json() == NOT_FOUND_BODY


def test_anonymous_callers_are_refused(api_client):
    response = api_client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
