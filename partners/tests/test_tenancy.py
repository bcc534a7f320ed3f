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
