import pytest

from partners.tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def test_foreign_channel_answers_the_same_404_as_a_missing_one(client_for, partner, other_partner):
    foreign = ChannelFactory(organization=other_partner)
    client = client_for(partner)

    foreign_response = client.get(f"/api/v1/channels/{foreign.pk}/")
    missing_response = client.get("/api/v1/channels/987654321/")

    assert foreign_response.status_code == missing_response.status_code == 404
    assert foreign_response.json() == missing_response.json()


def test_channel_list_shows_only_own_channels(client_for, partner, other_partner):
    own = ChannelFactory(organization=partner)
    ChannelFactory(organization=other_partner)

    response = client_for(partner).get("/api/v1/channels/")

    assert [c["id"] for c in response.json()] == [own.pk]


def test_channels_listed_are_the_tenants_own_by_name_as_the_orm_has_them(partner, other_partner):
    from partners.selectors import channels_listed, channels_of

    # given channels of two tenants, named out of order (one name twice, one in another script)
    for name, territories, languages in [("Zeta", ["TH"], ["th"]), ("Alpha", ["TH", "LA"], ["en", "th"]),
                                         ("Alpha", [], []), ("ช่องละคร", ["TH"], ["th"])]:  # fmt: skip
        ChannelFactory(organization=partner, name=name, territories=territories, languages=languages)
    ChannelFactory(organization=other_partner, name="Beta")

    # when the tenant's channels are listed
    listed = channels_listed(organization=partner)

    # then they are its own, ordered and valued as the ORM orders and reads them
    expected = channels_of(organization=partner).order_by("name", "id")
    assert [(c.pk, c.name, c.territories, c.languages) for c in listed] == [
        (c.pk, c.name, c.territories, c.languages) for c in expected
    ]
    assert len(listed) == 4 and "Beta" not in {c.name for c in listed}
