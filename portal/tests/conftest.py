import datetime as dt

import pytest

DAY = dt.date(2026, 3, 10)


@pytest.fixture
def two_operators(db, settings):
    return build_two_operators(settings)


def build_two_operators(settings):
    """Operators A and B of Thailand, each with a channel, a member and a title watched on its channel;
    title "A only" is licensed to A alone. Rollups are built, and a matching model is live whose line-up of
    A's channel holds A's title (its reasons naming B's title too, which A must never see)."""
    from catalog.tests.factories import DramaLocalizationFactory, EpisodeFactory, TropeFactory
    from portal.services import rollups_refresh
    from portal.tests.factories import lineup_entry, live_lineups, operator_with_member, watching
    from rights.tests.factories import drama_with_rights_in, grant_out

    settings.PORTAL_ROLLUP_SETTLE_SECONDS = 0
    a, a_user, (a_channel,) = operator_with_member("op-a")
    b, b_user, (b_channel,) = operator_with_member("op-b")
    dramas = {}
    for key, licensees in (("a", [a]), ("b", [b])):
        drama = drama_with_rights_in()
        drama.status = "published"
        drama.free_episode_count = 10
        drama.save()
        DramaLocalizationFactory(drama=drama, language="en", title=f"Title only for {key.upper()}")
        # A long Arabic title with a Chinese one inside: what right-to-left charts must lay out whole.
        DramaLocalizationFactory(drama=drama, language="ar",
                                 title=f"عودة الوريثة المخفية إلى قصر العائلة 《重生之千金归来》 {key.upper()}")  # fmt: skip
        drama.tropes.add(TropeFactory(slug=f"trope-{key}", name=f"Trope {key.upper()}"))
        episodes = [EpisodeFactory(drama=drama, number=n) for n in range(1, 6)]
        for licensee in licensees:
            grant_out(drama, licensee, territories=["TH"], start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                      free_episode_count=2)  # fmt: skip
        dramas[key] = (drama, episodes)
    drama_a, episodes_a = dramas["a"]
    drama_b, episodes_b = dramas["b"]
    users_a = [f"a-user-{n}" for n in range(1, 5)]
    watching(a, drama_a, episodes_a, users=users_a, upto=[5, 3, 2, 1], day=DAY, channel=a_channel,
             unlock_after=2, impressions=[*users_a, "a-user-5"])  # fmt: skip
    users_b = [f"b-user-{n}" for n in range(1, 13)]
    watching(b, drama_b, episodes_b, users=users_b, upto=[5] * 12, day=DAY, channel=b_channel, unlock_after=2,
             amount_minor=777)  # fmt: skip
    rollups_refresh()
    live_lineups({a_channel: [lineup_entry(drama_a, nearest=[drama_b])], b_channel: [lineup_entry(drama_b)]})
    return {
        "a": a, "a_user": a_user, "a_channel": a_channel, "drama_a": drama_a,
        "b": b, "b_user": b_user, "b_channel": b_channel, "drama_b": drama_b,
    }  # fmt: skip


@pytest.fixture(autouse=True)
def _portal_cache_fresh(db):
    """Figures cached by an earlier test (or run) are never served to this one: the rollups' version moves."""
    from portal.services import portal_cache_invalidate

    portal_cache_invalidate()
