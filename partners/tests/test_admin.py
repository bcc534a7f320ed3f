import warnings
from datetime import timedelta

import pytest
from django.core.paginator import UnorderedObjectListWarning
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import ApiKey, Channel, Organization
from partners.services import api_key_create, api_key_hash
from partners.tests.factories import ChannelFactory, MembershipFactory, OrganizationFactory
from tests.admin_helpers import changeform_data, messages_of, staff_user

pytestmark = pytest.mark.django_db

ADD_KEY = reverse("admin:partners_apikey_add")
KEYS = reverse("admin:partners_apikey_changelist")


@pytest.fixture
def admin_client_(client):
    client.force_login(staff_user("superuser"))
    return client


def issue_key_through_the_admin(client, organization, **fields) -> tuple[ApiKey, str]:
    data = {"organization": str(organization.pk), "name": "Production", "scopes": ["catalog:read"], **fields}
    response = client.post(ADD_KEY, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    shown = [text for text in messages_of(response) if "raw-api-key" in text]
    assert len(shown) == 1
    raw_key = shown[0].split("<code class='raw-api-key'>")[1].split("</code>")[0]
    return ApiKey.objects.get(organization=organization, name=fields.get("name", "Production")), raw_key


def test_creating_a_key_shows_the_raw_key_once_and_stores_only_its_hash(admin_client_, partner):
    # when a key is created in the admin
    api_key, raw_key = issue_key_through_the_admin(admin_client_, partner)

    # then the message carried the raw key, the row holds only its hash and public prefix
    assert raw_key.startswith(f"migu_{api_key.prefix}_")
    assert api_key.key_hash == api_key_hash(raw_key)
    assert raw_key not in {api_key.name, api_key.prefix, api_key.key_hash}
    assert api_key.scopes == ["catalog:read"]
    assert api_key.created_by.username == "root"

    # and it is shown on the next page only, never again: not on the list, not on its page
    assert raw_key in admin_client_.get(KEYS).content.decode()
    for url in (KEYS, reverse("admin:partners_apikey_change", args=[api_key.pk])):
        page = admin_client_.get(url).content.decode()
        assert raw_key not in page
        assert f"migu_{api_key.prefix}_…" in page


def test_the_key_created_in_the_admin_works_on_the_api_until_it_is_revoked(admin_client_, partner):
    # given a key issued in the admin
    api_key, raw_key = issue_key_through_the_admin(admin_client_, partner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert api.get("/api/v1/me/").status_code == 200

    # when it is revoked with the admin action
    response = admin_client_.post(KEYS, {"action": "revoke", "_selected_action": [str(api_key.pk)]})

    # then it is marked revoked, the manager is told, and the next request is refused
    assert (
        f"Revoked 1 key ({api_key.name} (migu_{api_key.prefix}_…) of {partner.name}); "
        "it is refused from the next request on."
    ) in messages_of(response)
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api.get("/api/v1/me/").status_code == 401


def test_revoking_twice_says_the_key_was_already_revoked(admin_client_, partner):
    api_key = api_key_create(organization=partner, name="old").api_key
    admin_client_.post(KEYS, {"action": "revoke", "_selected_action": [str(api_key.pk)]}, follow=True)
    first_revoked_at = ApiKey.objects.get(pk=api_key.pk).revoked_at

    response = admin_client_.post(KEYS, {"action": "revoke", "_selected_action": [str(api_key.pk)]})

    assert messages_of(response) == [
        f"Already revoked, left as they were: old (migu_{api_key.prefix}_…) of {partner.name}."
    ]
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at == first_revoked_at


def test_editing_a_key_cannot_change_its_hash_prefix_or_organization(admin_client_, partner, other_partner):
    # given an issued key
    issued = api_key_create(organization=partner, name="app")
    url = reverse("admin:partners_apikey_change", args=[issued.api_key.pk])
    data = changeform_data(admin_client_.get(url))

    # when its form is posted with forged secret fields and another organization
    data.update(
        name="app (renamed)",
        scopes=["catalog:read", "events:write"],
        key_hash="0" * 64,
        prefix="deadbeef",
        organization=str(other_partner.pk),
    )
    response = admin_client_.post(url, data)

    # then only name and scopes changed; the old raw key still matches
    assert response.status_code == 302
    api_key = ApiKey.objects.get(pk=issued.api_key.pk)
    assert (api_key.name, api_key.scopes) == ("app (renamed)", ["catalog:read", "events:write"])
    assert api_key.key_hash == api_key_hash(issued.raw_key)
    assert api_key.prefix == issued.api_key.prefix
    assert api_key.organization == partner


def test_a_key_cannot_be_created_already_expired(admin_client_, partner):
    past = timezone.now() - timedelta(days=1)

    response = admin_client_.post(
        ADD_KEY,
        {
            "organization": str(partner.pk), "name": "late", "scopes": ["catalog:read"],
            "expires_at_0": past.strftime("%Y-%m-%d"), "expires_at_1": past.strftime("%H:%M:%S"),
        },
    )  # fmt: skip

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["expires_at"] == [
        "The expiry must be in the future (revoke a key to stop it now)."
    ]
    assert not ApiKey.objects.filter(name="late").exists()


def test_the_key_list_shows_prefix_scopes_expiry_revocation_and_last_use(admin_client_, partner):
    used = api_key_create(organization=partner, name="used", scopes=["catalog:read"]).api_key
    ApiKey.objects.filter(pk=used.pk).update(last_used_at=timezone.now())
    revoked = api_key_create(organization=partner, name="gone").api_key
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())

    response = admin_client_.get(KEYS)

    html = response.content.decode()
    for label in ("Key prefix", "Scopes", "Expires at", "Revoked", "Last used at"):
        assert label in html
    assert f"migu_{used.prefix}_…" in html
    assert "catalog:read" in html
    assert admin_client_.get(KEYS, {"state": "revoked"}).context["cl"].result_list[0] == revoked
    assert list(admin_client_.get(KEYS, {"state": "usable"}).context["cl"].result_list) == [used]


def test_an_organization_page_shows_members_channels_and_keys(admin_client_, partner):
    MembershipFactory(organization=partner)
    channel = ChannelFactory(organization=partner, name="Short Drama TV")
    api_key = api_key_create(organization=partner, name="ott-app").api_key

    response = admin_client_.get(reverse("admin:partners_organization_change", args=[partner.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert channel.name in html
    assert f"migu_{api_key.prefix}_…" in html
    assert "membership" in html.lower()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("th, sg", ["TH", "SG"]),
        ("GCC", ["AE", "BH", "KW", "OM", "QA", "SA"]),
        ("HK, GREATER_CHINA", ["HK", "CN", "MO", "TW"]),
    ],
)
def test_territories_accept_region_groups_and_lower_case(admin_client_, typed, stored):
    data = changeform_data(admin_client_.get(reverse("admin:partners_organization_add")))
    data.update(name="Gulf Telecom", slug="gulf-telecom", kind="operator", territories=typed, languages="ar, EN")

    response = admin_client_.post(reverse("admin:partners_organization_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    organization = Organization.objects.get(slug="gulf-telecom")
    assert organization.territories == stored
    assert organization.languages == ["ar", "en"]


def test_an_unknown_territory_is_refused_with_its_code(admin_client_):
    channel = ChannelFactory()
    url = reverse("admin:partners_channel_change", args=[channel.pk])
    data = changeform_data(admin_client_.get(url))
    data["territories"] = "TH, XX"

    response = admin_client_.post(url, data)

    assert response.status_code == 200
    assert "Unknown territory code(s): XX" in response.context["adminform"].form.errors["territories"][0]
    assert Channel.objects.get(pk=channel.pk).territories == ["TH"]


def test_the_key_list_queries_do_not_grow_with_rows(admin_client_, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api_key_create(organization=OrganizationFactory(), name="one")
    with CaptureQueriesContext(connection) as one:
        admin_client_.get(KEYS)
    for n in range(20):
        api_key_create(organization=OrganizationFactory(), name=f"key {n}")

    with django_assert_max_num_queries(len(one)):
        admin_client_.get(KEYS)


def test_a_channel_is_added_for_its_organization_and_cannot_move_to_another(admin_client_, partner, other_partner):
    # given the add page of a channel
    add = reverse("admin:partners_channel_add")
    data = changeform_data(admin_client_.get(add))
    data.update(organization=str(partner.pk), name="Short Drama TV", slug="short-drama", kind="iptv", territories="SEA")
    data.pop("is_active")  # unticked

    # when it is saved inactive, with a region group
    response = admin_client_.post(add, data)

    # then it exists with the countries of the group
    assert response.status_code == 302, response.context["adminform"].form.errors
    channel = Channel.objects.get(slug="short-drama")
    assert (channel.organization, channel.is_active, len(channel.territories)) == (partner, False, 11)

    # and a later edit cannot hand it to another organization
    url = reverse("admin:partners_channel_change", args=[channel.pk])
    data = changeform_data(admin_client_.get(url))
    data.update(organization=str(other_partner.pk), name="Short Drama HD", is_active="on")
    assert admin_client_.post(url, data).status_code == 302
    channel.refresh_from_db()
    assert (channel.organization, channel.name, channel.is_active) == (partner, "Short Drama HD", True)


def test_organizations_are_offered_by_name_in_the_autocomplete(admin_client_):
    # given partners created in another order than their names'
    for name in ("Zeta Shorts", "Alpha Streams", "Mango TV Asia"):
        OrganizationFactory(name=name, kind="partner")
    # when a rights window's licensee is looked up in the autocomplete (paginating an unordered list refused)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        response = admin_client_.get(
            reverse("admin:autocomplete"),
            {"app_label": "rights", "model_name": "rightswindow", "field_name": "licensee", "term": ""},
        )
    # then they are offered by name, so that a page holds the same names from one request to the next
    assert response.status_code == 200
    names = [result["text"] for result in response.json()["results"]]
    assert [n for n in names if n in ("Zeta Shorts", "Alpha Streams", "Mango TV Asia")] == [
        "Alpha Streams",
        "Mango TV Asia",
        "Zeta Shorts",
    ]
