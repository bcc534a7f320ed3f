import pytest

from partners.tests.factories import ChannelFactory, OperatorFactory
from recommendations.matching import matching_run
from recommendations.tests.factories import matching_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained():
    operator, channel, titles = matching_world(users=12)
    matching_run(params={"iterations": 2, "factors": 4})
    return operator, channel, titles


def test_a_channel_line_up_is_served_with_reasons_and_revalidates_with_its_etag(client_for, trained):
    operator, channel, _ = trained
    client = client_for(operator, scopes=["catalog:read"])

    response = client.get(f"/api/v1/channels/{channel.pk}/recommendations/?limit=3")

    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 3 and body["empty_reason"] is None
    assert {"nearest_watched", "tropes", "languages", "popularity"} <= set(body["results"][0]["reasons"])
    again = client.get(f"/api/v1/channels/{channel.pk}/recommendations/?limit=3", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_user_gets_continue_watching_and_recommendations_for_a_channel(client_for, trained):
    operator, channel, _ = trained
    client = client_for(operator, scopes=["catalog:read"])

    response = client.get(f"/api/v1/users/u1/recommendations/?channel={channel.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["source"] == "model" and body["results"]
    assert client.get("/api/v1/users/u1/recommendations/").json()["code"] == "invalid"


@pytest.mark.parametrize(
    "template", ["/api/v1/channels/{}/recommendations/", "/api/v1/users/u1/recommendations/?channel={}"]
)
def test_another_tenants_channel_answers_like_a_missing_one(client_for, trained, template):
    _, channel, _ = trained
    stranger = OperatorFactory()
    ChannelFactory(organization=stranger)
    client = client_for(stranger, scopes=["catalog:read"])

    foreign = client.get(template.format(channel.pk))
    missing = client.get(template.format(987654321))

    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content


def test_a_territory_outside_the_channel_is_refused(client_for, trained):
    operator, channel, _ = trained
    response = client_for(operator, scopes=["catalog:read"]).get(
        f"/api/v1/channels/{channel.pk}/recommendations/?territory=JP"
    )
    assert response.status_code == 400 and response.json()["fields"]["territory"]
