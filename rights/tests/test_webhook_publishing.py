import pytest

from partners.models import Webhook
from rights.services import (
    rights_events_webhooks_publish,
    rights_window_revoke,
    rights_window_update,
    rights_windows_advance,
)
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db
ALL_EVENTS = ["title.available", "title.updated", "title.withdrawn", "episode.ready"]


@pytest.fixture
def hook(partner):
    return Webhook.objects.create(organization=partner, url="https://p.example/h", events=ALL_EVENTS, secret="s")


def delivered(hook):
    return [(d.event_type, d.payload["data"]["title_id"]) for d in hook.deliveries.order_by("id")]


def test_rights_changes_become_title_events_for_the_licensee_only(
    partner, other_partner, hook, django_capture_on_commit_callbacks
):
    theirs = Webhook.objects.create(
        organization=other_partner, url="https://o.example/h", events=ALL_EVENTS, secret="s"
    )
    drama = drama_with_rights_in()
    later = drama_with_rights_in()

    with django_capture_on_commit_callbacks(execute=False):
        window = grant_out(drama, partner)  # already started: available
        grant_out(later, partner, start=at(3650))  # not yet: nothing until it starts
        rights_window_update(window=window, territories=["TH", "SG"])
        rights_window_revoke(window=window)
        rights_events_webhooks_publish()
        rights_events_webhooks_publish()  # a second run finds nothing new

    assert delivered(hook) == [
        ("title.available", drama.pk),
        ("title.updated", drama.pk),
        ("title.withdrawn", drama.pk),
    ]
    assert not theirs.deliveries.exists()


def test_a_window_that_starts_later_is_announced_when_it_starts(partner, hook, django_capture_on_commit_callbacks):
    drama = drama_with_rights_in()
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):
        grant_out(drama, partner, start=timezone.now() + timedelta(hours=1))
        rights_events_webhooks_publish()
        assert delivered(hook) == []
        rights_windows_advance(now=timezone.now() + timedelta(hours=2))
        rights_events_webhooks_publish()

    assert delivered(hook) == [("title.available", drama.pk)]
