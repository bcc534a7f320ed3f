import pytest

from catalog.errors import DramaTransitionError, EpisodeNumbersError
from catalog.models import Drama, DramaStatus, Episode
from catalog.services import (
    drama_bulk_transition,
    drama_transition,
    drama_update,
    episode_bulk_create,
    episode_numbers_parse,
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
