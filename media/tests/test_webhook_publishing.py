import pytest

from catalog.models import Drama
from catalog.tests.factories import EpisodeFactory
from media.models import Ladder
from media.services import ladders_ready_webhooks_publish
from partners.models import Webhook, WebhookDelivery
from rights.tests.factories import drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db
ALL_EVENTS = ["title.available", "title.updated", "title.withdrawn", "episode.ready"]


@pytest.fixture
def hook(partner):
    return Webhook.objects.create(organization=partner, url="https://p.example/h", events=ALL_EVENTS, secret="s")


def delivered(hook):
    return [(d.event_type, d.payload["data"]["title_id"]) for d in hook.deliveries.order_by("id")]


def test_a_published_ladder_becomes_episode_ready_for_licensees(
    partner, other_partner, hook, django_capture_on_commit_callbacks
):
    drama = drama_with_rights_in()
    Drama.objects.filter(pk=drama.pk).update(status="published")
    grant_out(drama, partner)
    unlicensed = EpisodeFactory(number=1)
    episode = EpisodeFactory(drama=drama, number=1)

    with django_capture_on_commit_callbacks(execute=False):
        Ladder.objects.create(
            episode=unlicensed, profile="vertical", source_checksum="a", status="ready", storage_prefix="a"
        )
        Ladder.objects.create(
            episode=episode, profile="vertical", source_checksum="b", status="ready", storage_prefix="b"
        )
        ladders_ready_webhooks_publish()
        ladders_ready_webhooks_publish()

    deliveries = list(hook.deliveries.filter(event_type="episode.ready"))
    assert [(d.payload["data"]["episode_id"], d.payload["data"]["number"]) for d in deliveries] == [(episode.pk, 1)]
    assert WebhookDelivery.objects.filter(event_type="episode.ready").count() == 1
