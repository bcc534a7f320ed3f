import datetime as dt

import pytest
from django.utils import timezone

from catalog.errors import DramaTransitionError, EpisodeNumbersError, EpisodeStatusError
from catalog.models import Drama, DramaStatus, Episode, EpisodeStatus
from catalog.services import (
    drama_bulk_transition,
    drama_transition,
    drama_update,
    episode_bulk_create,
    episode_numbers_parse,
    episode_status_set,
)
from catalog.tests.factories import DramaFactory, DramaLocalizationFactory, drama_with_episodes

pytestmark = pytest.mark.django_db


def test_episode_bulk_create_by_count_continues_after_the_last_episode():
    drama = DramaFactory()
    episode_bulk_create(drama=drama, count=80)

    created = episode_bulk_create(drama=drama, count=20)

    assert [e.number for e in created] == list(range(81, 101))
    assert Episode.objects.filter(drama=drama).count() == 100


def test_episode_bulk_create_from_a_numbered_list_skips_existing_numbers():
    drama = DramaFactory()
    episode_bulk_create(drama=drama, numbers=[1, 2, 3])

    created = episode_bulk_create(drama=drama, numbers=episode_numbers_parse("2-5, 9"))

    assert sorted(e.number for e in created) == [4, 5, 9]


@pytest.mark.parametrize("spec", ["", "a-b", "5-2", "0-3", "1-100000"])
def test_bad_episode_lists_are_refused_with_a_reason(spec):
    with pytest.raises(EpisodeNumbersError):
        episode_numbers_parse(spec)


def test_draft_with_episodes_and_a_title_becomes_ready_then_published():
    drama = drama_with_episodes(5)

    drama_transition(drama=drama, to_status=DramaStatus.READY)
    published = drama_transition(drama=drama, to_status=DramaStatus.PUBLISHED)

    assert published.status == DramaStatus.PUBLISHED
    assert published.published_at is not None


def test_draft_cannot_be_published_directly():
    drama = drama_with_episodes(3)

    with pytest.raises(DramaTransitionError) as error:
        drama_transition(drama=drama, to_status=DramaStatus.PUBLISHED)

    assert error.value.code == "invalid_transition"
    drama.refresh_from_db()
    assert drama.status == DramaStatus.DRAFT


def test_ready_is_refused_with_every_reason():
    drama = DramaFactory(free_episode_count=10)
    episode_bulk_create(drama=drama, numbers=[1, 2, 4])

    with pytest.raises(DramaTransitionError) as error:
        drama_transition(drama=drama, to_status=DramaStatus.READY)

    reasons = error.value.extra["reasons"]
    assert any("gaps" in r and "3" in r for r in reasons)
    assert any("free episodes" in r for r in reasons)
    assert any("localised title" in r for r in reasons)
    assert error.value.code == "not_ready"


def test_bulk_transition_reports_each_refusal_and_applies_the_rest():
    good = drama_with_episodes(3)
    bad = DramaFactory()
    DramaLocalizationFactory(drama=bad)

    result = drama_bulk_transition(dramas=[good, bad], to_status=DramaStatus.READY)

    assert [d.pk for d in result.changed] == [good.pk]
    assert [d.pk for d, _ in result.refused] == [bad.pk]
    assert "no episodes" in result.refused[0][1]


def test_drama_update_edits_fields_but_never_the_status():
    drama = DramaFactory(original_title="old")

    drama_update(drama=drama, original_title="new", free_episode_count=5)

    drama.refresh_from_db()
    assert (drama.original_title, drama.free_episode_count, drama.status) == ("new", 5, DramaStatus.DRAFT)
    with pytest.raises(ValueError, match="status change only through drama_transition"):
        drama_update(drama=drama, status=DramaStatus.PUBLISHED)
    assert Drama.objects.get(pk=drama.pk).status == DramaStatus.DRAFT


# --- episode status --------------------------------------------------------------------------


def withhold(episodes, **kwargs):
    return episode_status_set(episodes=episodes, status=EpisodeStatus.WITHHELD, **kwargs)


def test_episode_status_set_withholds_many_at_once_recording_why_who_and_when(admin_user):
    # given a drama of five episodes, last touched an hour ago
    drama = drama_with_episodes(5)
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Drama.objects.filter(pk=drama.pk).update(updated_at=an_hour_ago)
    Episode.objects.filter(drama=drama).update(updated_at=an_hour_ago)
    chosen = list(Episode.objects.filter(drama=drama, number__in=[2, 4]))

    # when two are withheld
    changed = withhold(chosen, reason="  Re-edit requested  ", actor=admin_user)

    # then exactly those are withheld, with the reason, the author and the time, and the drama moved
    assert sorted(e.number for e in changed) == [2, 4]
    rows = {e.number: e for e in Episode.objects.filter(drama=drama)}
    assert [n for n, e in sorted(rows.items()) if e.status == EpisodeStatus.WITHHELD] == [2, 4]
    assert {rows[n].withheld_reason for n in (2, 4)} == {"Re-edit requested"}
    assert {rows[n].status_changed_by_id for n in (2, 4)} == {admin_user.pk}
    assert rows[2].status_changed_at is not None and rows[2].status_changed_at > an_hour_ago
    assert rows[1].status_changed_at is None and rows[1].updated_at == an_hour_ago
    drama.refresh_from_db()
    assert drama.updated_at == rows[2].updated_at == rows[2].status_changed_at


def test_episode_status_set_leaves_episodes_already_in_that_status_untouched(admin_user):
    # given two withheld episodes and one available
    drama = drama_with_episodes(3)
    first = withhold(list(Episode.objects.filter(drama=drama, number__in=[1, 2])), reason="first")
    stamped = {e.pk: e.status_changed_at for e in first}

    # when all three are withheld again, with another reason
    changed = withhold(list(Episode.objects.filter(drama=drama)), reason="second", actor=admin_user)

    # then only the third changes; the first two keep their reason and date
    assert [e.number for e in changed] == [3]
    for episode in Episode.objects.filter(pk__in=stamped):
        assert (episode.withheld_reason, episode.status_changed_at) == ("first", stamped[episode.pk])
    assert withhold(list(Episode.objects.filter(drama=drama))) == []


def test_making_episodes_available_again_clears_the_reason(admin_user):
    drama = drama_with_episodes(2)
    episodes = list(Episode.objects.filter(drama=drama))
    withhold(episodes, reason="Not finished")

    changed = episode_status_set(episodes=episodes, status=EpisodeStatus.AVAILABLE, actor=admin_user)

    assert len(changed) == 2
    assert set(Episode.objects.filter(drama=drama).values_list("status", "withheld_reason", "status_changed_by")) == {
        (EpisodeStatus.AVAILABLE, "", admin_user.pk)
    }


@pytest.mark.parametrize(
    ("status", "reason", "field"),
    [("deleted", "", "status"), (EpisodeStatus.WITHHELD, "x" * 301, "reason")],
)
def test_episode_status_set_refuses_an_unknown_status_or_an_overlong_reason(status, reason, field):
    drama = drama_with_episodes(1)

    with pytest.raises(EpisodeStatusError) as caught:
        episode_status_set(episodes=list(drama.episodes.all()), status=status, reason=reason)

    assert caught.value.code == "invalid_episode_status" and field in caught.value.fields
    assert Episode.objects.get(drama=drama).status == EpisodeStatus.AVAILABLE


def test_withholding_sends_title_updated_to_each_licensee_of_a_published_drama_once(
    partner, other_partner, django_capture_on_commit_callbacks
):
    from partners.models import Webhook
    from rights.tests.factories import drama_with_rights_in, grant_out

    # given a published drama licensed to a partner with a webhook, and another partner with one too
    events = ["title.updated"]
    mine = Webhook.objects.create(organization=partner, url="https://p.example/h", events=events, secret="s")
    theirs = Webhook.objects.create(organization=other_partner, url="https://o.example/h", events=events, secret="s")
    drama = drama_with_rights_in()
    Drama.objects.filter(pk=drama.pk).update(status=DramaStatus.PUBLISHED)
    episode_bulk_create(drama=drama, count=3)
    grant_out(drama, partner)
    # and a draft drama licensed to the same partner (partners cannot see it yet)
    draft = drama_with_rights_in()
    episode_bulk_create(drama=draft, count=1)
    grant_out(draft, partner)

    # when episodes of both are withheld, twice (the second time changes nothing)
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        for _ in range(2):
            withhold(list(Episode.objects.filter(drama__in=[drama, draft], number__in=[1, 3])))

    # then the licensee of the published one is told once, naming the episodes; nobody else is told
    deliveries = list(mine.deliveries.all())
    assert [(d.event_type, d.payload["data"]["title_id"]) for d in deliveries] == [("title.updated", drama.pk)]
    assert [(e["number"], e["status"]) for e in deliveries[0].payload["data"]["episodes"]] == [
        (1, "withheld"),
        (3, "withheld"),
    ]
    assert not theirs.deliveries.exists()
    assert len(enqueued) == 1
