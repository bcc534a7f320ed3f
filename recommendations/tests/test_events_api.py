import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.tests.factories import DramaFactory, EpisodeFactory
from partners.tests.factories import ChannelFactory
from recommendations.models import PlaybackEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def title(partner, other_partner):
    """A published title both partners hold a window out for."""
    from catalog.models import Drama
    from rights.tests.factories import drama_with_rights_in, grant_out

    drama = drama_with_rights_in()
    Drama.objects.filter(pk=drama.pk).update(status="published")
    grant_out(drama, partner)
    grant_out(drama, other_partner)
    return drama


def event(n, title, **overrides):
    return {
        "id": f"evt-{n}",
        "kind": "play",
        "occurred_at": "2026-11-01T10:00:00Z",
        "user_id": "u_1",
        "country": "TH",
        "title_id": title.pk,
        **overrides,
    }


def test_good_events_are_kept_and_bad_ones_reported_by_index(client_for, partner, title):
    episode = EpisodeFactory(drama=title, number=1)
    other_episode = EpisodeFactory(number=1)
    channel = ChannelFactory(organization=partner)
    batch = [
        event(0, title, episode_id=episode.pk, channel_id=channel.pk),
        event(1, title, kind="binge"),
        event(2, title, episode_id=other_episode.pk),
        event(3, title, country="XX"),
        "not an object",
        event(5, title, kind="complete", position_seconds=88.5),
        event(6, title, occurred_at="2999-01-01T00:00:00Z"),
    ]

    response = client_for(partner).post("/api/v1/events/", {"events": batch}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicates"]) == (2, 0)
    assert [(r["index"], r["code"]) for r in body["rejected"]] == [
        (1, "invalid"),
        (2, "unknown_episode"),
        (3, "invalid"),
        (4, "invalid"),
        (6, "in_the_future"),
    ]
    assert "kind" in body["rejected"][0]["fields"]
    assert sorted(PlaybackEvent.objects.values_list("event_id", flat=True)) == ["evt-0", "evt-5"]


def test_resending_a_batch_stores_nothing_twice(client_for, partner, title):
    client = client_for(partner)
    batch = [event(n, title) for n in range(5)]

    first = client.post("/api/v1/events/", {"events": batch}, format="json").json()
    second = client.post(
        "/api/v1/events/", {"events": [*batch, event(5, title), event(5, title)]}, format="json"
    ).json()

    assert (first["accepted"], first["duplicates"]) == (5, 0)
    assert (second["accepted"], second["duplicates"]) == (1, 6)
    assert PlaybackEvent.objects.count() == 6


def test_event_ids_are_scoped_per_organization(client_for, partner, other_partner, title):
    client_for(partner).post("/api/v1/events/", {"events": [event(1, title)]}, format="json")

    response = client_for(other_partner).post("/api/v1/events/", {"events": [event(1, title)]}, format="json")

    assert response.json()["accepted"] == 1
    assert PlaybackEvent.objects.count() == 2


@pytest.mark.parametrize(
    "overrides, code, field",
    [
        ({"title_id": 987654321}, "unknown_title", "title_id"),
        ({"title_id": "draft"}, "unknown_title", "title_id"),
        ({"title_id": "unlicensed"}, "unknown_title", "title_id"),
        ({"channel_id": "foreign"}, "unknown_channel", "channel_id"),
        ({"channel_id": 987654321}, "unknown_channel", "channel_id"),
    ],
)
def test_foreign_and_missing_references_are_rejected_alike(
    client_for, partner, other_partner, title, overrides, code, field
):
    if overrides.get("title_id") == "draft":
        overrides = {"title_id": DramaFactory(status="draft").pk}
    if overrides.get("title_id") == "unlicensed":  # published, but only another partner holds a window
        from rights.tests.factories import drama_with_rights_in, grant_out

        unlicensed = drama_with_rights_in()
        DramaFactory._meta.model.objects.filter(pk=unlicensed.pk).update(status="published")
        grant_out(unlicensed, other_partner)
        overrides = {"title_id": unlicensed.pk}
    if overrides.get("channel_id") == "foreign":
        overrides = {"channel_id": ChannelFactory(organization=other_partner).pk}

    response = client_for(partner).post("/api/v1/events/", {"events": [event(1, title, **overrides)]}, format="json")

    rejected = response.json()["rejected"]
    assert [(r["code"], list(r["fields"])) for r in rejected] == [(code, [field])]
    assert rejected[0]["fields"][field] in (["No such title."], ["No such channel of yours."])
    assert not PlaybackEvent.objects.exists()


def test_a_batch_over_1000_events_is_refused_whole(client_for, partner, title):
    response = client_for(partner).post(
        "/api/v1/events/", {"events": [event(n, title) for n in range(1001)]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "batch_too_large"
    assert not PlaybackEvent.objects.exists()


@pytest.mark.parametrize("body", [{}, {"events": "x"}, [], {"events": None}])
def test_a_body_that_is_not_a_batch_is_invalid(client_for, partner, body):
    response = client_for(partner).post("/api/v1/events/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_queries_do_not_grow_with_the_batch(client_for, partner, title):
    client = client_for(partner)
    episode = EpisodeFactory(drama=title, number=1)
    client.post("/api/v1/events/", {"events": [event("warm", title)]}, format="json")

    def queries_for(size, start):
        batch = [event(start + n, title, episode_id=episode.pk) for n in range(size)]
        with CaptureQueriesContext(connection) as ctx:
            assert client.post("/api/v1/events/", {"events": batch}, format="json").json()["accepted"] == size
        return len(ctx.captured_queries)

    assert queries_for(2, 100) == queries_for(400, 1000)
