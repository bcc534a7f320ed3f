import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from partners.tests.factories import ChannelFactory, OperatorFactory
from recommendations.interactions import (
    INTERACTION_WEIGHTS,
    InteractionFacts,
    interaction_confidence,
    interactions_load,
)
from recommendations.models import PlaybackEvent
from recommendations.tests.factories import licensed_title, watch

# One case per row of the weighting table: the facts before and after the signal, and the change it makes.
BASE = {"plays": 3, "episodes_played": 3, "watched": 3, "episodes_completed": 3, "max_episode": 3,
        "free_episode_count": 10}  # fmt: skip
ROW_CASES = {
    "episode_played": ({**BASE}, {**BASE, "episodes_played": 4, "plays": 4}, 1.0),
    "watched": ({**BASE}, {**BASE, "watched": 3.5}, 0.5),
    "episode_completed": ({**BASE}, {**BASE, "episodes_completed": 4}, 0.5),
    "last_free_reached": ({**BASE, "max_episode": 9}, {**BASE, "max_episode": 10}, 4.0),
    "unlock": ({**BASE}, {**BASE, "unlocks": 2}, 16.0),
    "replay": ({**BASE}, {**BASE, "plays": 5}, 0.5),
    "early_abandonment": (
        {"plays": 1, "episodes_played": 1, "watched": 0.3, "max_episode": 1, "free_episode_count": 10},
        {"plays": 1, "episodes_played": 1, "watched": 0.2, "max_episode": 1, "free_episode_count": 10},
        -0.1 - 0.7,
    ),
    "impression": ({**BASE}, {**BASE, "impressions": 40}, 0.0),
}


def test_every_row_of_the_weighting_table_has_a_case():
    assert {signal.name for signal in INTERACTION_WEIGHTS} == set(ROW_CASES)


@pytest.mark.parametrize("name", list(ROW_CASES))
def test_each_row_of_the_weighting_table_moves_the_confidence_by_its_weight(name):
    # given the facts of a pair without, then with, the row's signal
    before, after, change = ROW_CASES[name]

    # when both are weighed
    difference = interaction_confidence(InteractionFacts.one(**after)) - interaction_confidence(
        InteractionFacts.one(**before)
    )

    # then the confidence moves by that row's weight × measure
    assert difference[0] == pytest.approx(change, abs=1e-5)


def test_caps_bound_replays_and_unlocks():
    capped = interaction_confidence(InteractionFacts.one(**{**BASE, "plays": 1000, "unlocks": 500}))
    at_cap = interaction_confidence(InteractionFacts.one(**{**BASE, "plays": 7, "unlocks": 10}))
    assert capped[0] == pytest.approx(at_cap[0])


def test_impressions_alone_are_not_a_positive_and_an_unlock_is_the_strongest_signal():
    facts = [
        InteractionFacts.one(impressions=5),
        InteractionFacts.one(plays=1, episodes_played=1, watched=1, episodes_completed=1, max_episode=1),
        InteractionFacts.one(plays=1, episodes_played=1, watched=1, episodes_completed=1, max_episode=1, unlocks=1),
    ]
    impression, play, unlock = (interaction_confidence(f)[0] for f in facts)
    assert impression == 0
    assert 0 < play < unlock


@pytest.mark.django_db
def test_resent_events_count_once_and_impression_only_titles_are_not_positives():
    # given a user who played two episodes, whose app resent every event under new ids, and who was shown a
    # second title without playing it
    operator = OperatorFactory()
    channel = ChannelFactory(organization=operator)
    watched, shown = licensed_title(operator), licensed_title(operator)
    at = timezone.now() - dt.timedelta(days=1)
    watch(operator, channel, "u1", watched, episodes=2, at=at)
    for event in list(PlaybackEvent.objects.filter(user_ref="u1")):
        event.pk, event.event_id = None, event.event_id + "-resent"
        event.save()
    PlaybackEvent.objects.create(organization=operator, event_id="imp", kind="impression", user_ref="u1",
                                 occurred_at=at, country="TH", drama=shown, channel=channel)  # fmt: skip

    # when the interactions are loaded
    loaded = interactions_load(since=at - dt.timedelta(days=1), until=timezone.now())

    # then the user has one positive, weighed as two plays and two completions, not four
    assert list(loaded.item_ids) == [watched.pk]
    expected = interaction_confidence(
        InteractionFacts.one(
            plays=2,
            episodes_played=2,
            watched=2,
            episodes_completed=2,
            max_episode=2,
            free_episode_count=watched.free_episode_count,
        )
    )
    assert loaded.confidence[0] == pytest.approx(expected[0])
    assert loaded.user_country == ["TH"]
    assert loaded.channel_audience == {channel.pk: {0: 9.0}}
    assert np.isfinite(loaded.first_at).all()
