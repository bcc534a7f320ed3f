import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.tests.factories import DramaFactory
from partners.tests.factories import LicensorFactory, OrganizationFactory
from rights.errors import RightsOverlapError
from rights.models import IN_FORCE_STATUSES, RightsWindow
from rights.selectors import (
    rights_available_drama_ids,
    rights_available_throughout,
    rights_may_show,
    rights_playback_refusal,
    rights_rows_in_force,
    rights_territories_in_force,
    rights_window_for,
    rights_windows_of,
)
from rights.services import rights_window_grant, rights_window_revoke, rights_windows_advance
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db
SECOND = dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (at(10) - SECOND, False),  # a second before the start
        (at(10), True),  # the start is inclusive
        (at(20) - SECOND, True),
        (at(20), False),  # the end is exclusive
        (at(5000), False),
    ],
)
def test_availability_edges_of_a_closed_window(instant, expected):
    drama = drama_with_rights_in()
    window = grant_out(drama, start=at(10), end=at(20))
    assert rights_may_show(licensee=window.licensee, drama=drama, territory="TH", at=instant) is expected
    assert (drama.pk in rights_available_drama_ids(licensee=window.licensee, territory="TH", at=instant)) is expected


@pytest.mark.parametrize("instant", [at(10), at(3650), dt.datetime(2999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)])
def test_open_ended_window_stays_available(instant):
    drama = drama_with_rights_in()
    window = grant_out(drama, start=at(10), end=None)
    assert rights_may_show(licensee=window.licensee, drama=drama, territory="th", at=instant)


def test_availability_is_per_licensee_territory_type_and_status():
    # given two dramas granted to one partner in TH (AVOD), one of them revoked, one pending
    partner, other = OrganizationFactory(), OrganizationFactory()
    shown, revoked, pending = drama_with_rights_in(), drama_with_rights_in(), drama_with_rights_in()
    grant_out(shown, partner)
    rights_window_revoke(window=grant_out(revoked, partner))
    grant_out(pending, partner, status="pending")

    # then only the shown drama is available, only to that partner, there, for that type
    assert rights_available_drama_ids(licensee=partner, territory="TH", at=at(1)) == {shown.pk}
    assert rights_available_drama_ids(licensee=partner, territory="TH", at=at(1), licence_type="AVOD") == {shown.pk}
    assert rights_available_drama_ids(licensee=partner, territory="TH", at=at(1), licence_type="SVOD") == set()
    assert rights_available_drama_ids(licensee=partner, territory="SG", at=at(1)) == set()
    assert rights_available_drama_ids(licensee=other, territory="TH", at=at(1)) == set()


@pytest.mark.parametrize("prepared", [True, False])
@pytest.mark.parametrize("language", [None, "th"])
def test_availability_among_some_dramas_is_the_whole_answer_narrowed_to_them(settings, prepared, language):
    # given a partner holding three dramas in TH and a fourth drama it does not hold
    settings.MIGU_DB_PREPARED_STATEMENTS = prepared
    partner = OrganizationFactory()
    held = [drama_with_rights_in() for _ in range(3)]
    for drama in held:
        grant_out(drama, partner)
    foreign = drama_with_rights_in()
    whole = rights_available_drama_ids(licensee=partner, territory="TH", at=at(1), language=language)

    # when asked about two of its dramas and the foreign one, or about none
    among = [held[0].pk, held[2].pk, foreign.pk, held[0].pk]
    narrowed = rights_available_drama_ids(licensee=partner, territory="TH", at=at(1), language=language, among=among)

    # then the answer is the whole answer narrowed to those asked about
    assert whole == {drama.pk for drama in held}
    assert narrowed == whole & set(among) == {held[0].pk, held[2].pk}
    assert rights_available_drama_ids(licensee=partner, territory="TH", at=at(1), language=language, among=[]) == set()


def test_expired_window_still_answers_for_the_past():
    drama = drama_with_rights_in()
    window = grant_out(drama, start=at(0), end=at(10))
    rights_windows_advance(now=at(11))
    window.refresh_from_db()
    assert window.status == "expired"
    assert rights_may_show(licensee=window.licensee, drama=drama, territory="TH", at=at(5))
    assert not rights_may_show(licensee=window.licensee, drama=drama, territory="TH", at=at(11))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("th", True), ("en", True), ("ko", False), ("vi", False)],
)
def test_language_filter_uses_audio_subtitles_and_holdbacks(language, expected):
    drama = drama_with_rights_in()
    window = grant_out(drama, audio_languages=["th"], subtitle_languages=["en", "vi"], holdback_languages=["vi"])
    ids = rights_available_drama_ids(licensee=window.licensee, territory="TH", at=at(1), language=language)
    assert (drama.pk in ids) is expected


@pytest.mark.parametrize(("episode", "expected"), [(1, False), (10, True), (20, True), (21, False)])
def test_point_check_per_episode(episode, expected):
    drama = drama_with_rights_in()
    window = grant_out(drama, episode_start=10, episode_end=20)
    assert rights_may_show(licensee=window.licensee, drama=drama, territory="TH", at=at(1), episode_number=episode) is (
        expected
    )


def test_governing_window_prefers_whole_series_then_exclusive():
    partner = OrganizationFactory()
    drama = drama_with_rights_in()
    grant_out(drama, partner, episode_start=1, episode_end=10, free_episode_count=1, licence_type="SVOD")
    whole = grant_out(drama, partner, exclusive=True, free_episode_count=7, unlock_price="0.49", currency="USD")
    grant_out(drama, partner, start=at(1), free_episode_count=3, licence_type="TVOD")
    governing = rights_window_for(licensee=partner, drama=drama, territory="TH", at=at(2))
    assert governing == whole and governing.free_episode_count == 7
    assert rights_window_for(licensee=partner, drama=drama, territory="SG", at=at(2)) is None


def test_catalogue_query_is_one_query(django_assert_num_queries):
    partner = OrganizationFactory()
    for _ in range(5):
        grant_out(drama_with_rights_in(licence_types=("AVOD",)), partner)
    with django_assert_num_queries(1):
        assert len(rights_available_drama_ids(licensee=partner, territory="TH", at=at(1))) == 5


@pytest.mark.parametrize("select", ["SELECT DISTINCT r.drama_id", "SELECT 1"])
def test_reads_use_the_btree_availability_index_not_the_gist_one(select):
    from rights.selectors import _in_force_sql

    partner = OrganizationFactory()
    grant_out(drama_with_rights_in(licence_types=("AVOD",)), partner)
    sql, params = _in_force_sql(select, licensee=partner, territory="TH", at=at(1), licence_type=None, channel=None)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "rights_out_availability" in plan
    assert "rights_out_no_exclusive_overlap" not in plan


def test_windows_of_a_tenant():
    licensor = LicensorFactory()
    partner, other = OrganizationFactory(), OrganizationFactory()
    own = drama_with_rights_in(licensor=licensor)
    mine = grant_out(own, partner)
    theirs = grant_out(drama_with_rights_in(), other)
    assert set(rights_windows_of(organization=partner)) == {mine}
    assert set(rights_windows_of(organization=other)) == {theirs}
    licensor_sees = set(rights_windows_of(organization=licensor))
    assert mine in licensor_sees and theirs not in licensor_sees
    assert set(RightsWindow.objects.filter(direction="in", drama=own)) <= licensor_sees


# --- property: availability equals a simple oracle over random windows ---------------------

TERRITORIES = ("TH", "SG", "MY")
TYPES = ("AVOD", "SVOD")

window_strategy = st.fixed_dictionaries(
    {
        "licensee": st.integers(0, 2),
        "drama": st.integers(0, 2),
        "territories": st.lists(st.sampled_from(TERRITORIES), min_size=1, max_size=3, unique=True),
        "licence_type": st.sampled_from(TYPES),
        "start": st.integers(0, 20),
        "length": st.one_of(st.none(), st.integers(1, 15)),
        "exclusive": st.booleans(),
        "status": st.sampled_from(["approved", "approved", "pending"]),
        "revoke": st.booleans(),
    }
)


def _oracle(windows: list[RightsWindow], licensee_id: int, territory: str, instant, licence_type=None) -> set[int]:
    return {
        w.drama_id
        for w in windows
        if w.direction == "out"
        and w.status in IN_FORCE_STATUSES
        and w.licensee_id == licensee_id
        and territory in w.effective_territories
        and w.start <= instant
        and (w.end is None or instant < w.end)
        and (licence_type is None or w.licence_type == licence_type)
    }


def _conflict(a: RightsWindow, b: RightsWindow) -> bool:
    return (
        a.drama_id == b.drama_id
        and a.licence_type == b.licence_type
        and bool(set(a.effective_territories) & set(b.effective_territories))
        and (a.exclusive or b.exclusive)
        and (b.end is None or a.start < b.end)
        and (a.end is None or b.start < a.end)
    )


@pytest.fixture
def world(db):
    licensees = [OrganizationFactory() for _ in range(3)]
    licensor = LicensorFactory()
    dramas = [drama_with_rights_in(licensor=licensor, licence_types=TYPES) for _ in range(3)]
    return licensees, dramas


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(window_strategy, min_size=1, max_size=8), queries=st.lists(st.tuples(
    st.integers(0, 2), st.sampled_from(TERRITORIES), st.integers(-1, 37), st.sampled_from([-1, 0, 1]),
    st.sampled_from([None, *TYPES]),
), min_size=1, max_size=12))  # fmt: skip
def test_availability_matches_an_oracle(world, specs, queries):
    licensees, dramas = world
    savepoint = transaction.savepoint()
    try:
        # given random windows granted through the service (refusals are part of the game)
        for spec in specs:
            try:
                window = rights_window_grant(
                    drama=dramas[spec["drama"]],
                    licensee=licensees[spec["licensee"]],
                    territories=spec["territories"],
                    licence_type=spec["licence_type"],
                    start=at(spec["start"]),
                    end=at(spec["start"] + spec["length"]) if spec["length"] else None,
                    exclusive=spec["exclusive"],
                    status=spec["status"],
                )
            except RightsOverlapError:
                continue
            if spec["revoke"]:
                rights_window_revoke(window=window)
        windows = list(RightsWindow.objects.filter(direction="out"))

        # then the database holds no overlap
        live = [w for w in windows if w.status != "revoked"]
        assert not [(a.pk, b.pk) for a in live for b in live if a.pk < b.pk and _conflict(a, b)]

        # and every query, at day edges and a second either side, matches the oracle
        for licensee_index, territory, day, seconds, licence_type in queries:
            instant = at(day) + dt.timedelta(seconds=seconds)
            licensee = licensees[licensee_index]
            expected = _oracle(windows, licensee.pk, territory, instant, licence_type)
            got = rights_available_drama_ids(
                licensee=licensee, territory=territory, at=instant, licence_type=licence_type
            )
            assert got == expected
            # the ORM form of the rule (rights_rows_in_force) answers what its SQL form answers
            rows = rights_rows_in_force(licensee=licensee, territory=territory, at=instant, licence_type=licence_type)
            assert set(rows.values_list("drama_id", flat=True)) == expected
            if licence_type is None:
                where = rights_territories_in_force(licensee=licensee, drama_ids=[d.pk for d in dramas], at=instant)
                assert {d for d, territories in where.items() if territory in territories} == expected
            for drama in dramas:
                may = rights_may_show(
                    licensee=licensee, drama=drama, territory=territory, at=instant, licence_type=licence_type
                )
                assert may is (drama.pk in expected)
                governing = rights_window_for(
                    licensee=licensee, drama=drama, territory=territory, at=instant, licence_type=licence_type
                )
                assert (governing is not None) is may
                if licence_type is None:
                    refusal = rights_playback_refusal(
                        licensee=licensee, drama=drama, episode_number=1, territory=territory, at=instant
                    )
                    assert (refusal is None) is may
    finally:
        transaction.savepoint_rollback(savepoint)


def test_a_drama_without_windows_is_not_available():
    drama = DramaFactory()
    assert not rights_may_show(licensee=OrganizationFactory(), drama=drama, territory="TH", at=at(0))


def test_channel_windows_count_only_for_that_channel():
    from partners.tests.factories import ChannelFactory

    # given a partner with two channels, one drama licensed for its app only, one for the whole partner
    partner = OrganizationFactory()
    app, iptv = ChannelFactory(organization=partner), ChannelFactory(organization=partner)
    app_only, everywhere = drama_with_rights_in(), drama_with_rights_in()
    app_window = grant_out(app_only, partner, channel=app, free_episode_count=9)
    grant_out(everywhere, partner)

    # then each channel sees what it may show, and the partner as a whole sees both
    assert rights_available_drama_ids(licensee=partner, territory="TH", at=at(1), channel=app) == {
        app_only.pk,
        everywhere.pk,
    }
    assert rights_available_drama_ids(licensee=partner, territory="TH", at=at(1), channel=iptv) == {everywhere.pk}
    assert rights_available_drama_ids(licensee=partner, territory="TH", at=at(1)) == {app_only.pk, everywhere.pk}
    assert rights_may_show(licensee=partner, drama=app_only, territory="TH", at=at(1), channel=app)
    assert not rights_may_show(licensee=partner, drama=app_only, territory="TH", at=at(1), channel=iptv.pk)
    assert not rights_available_drama_ids(licensee=partner, territory="TH", at=at(1), channel=iptv, language="en") & {
        app_only.pk
    }
    assert rights_window_for(licensee=partner, drama=app_only, territory="TH", at=at(1), channel=app) == app_window
    assert rights_window_for(licensee=partner, drama=app_only, territory="TH", at=at(1), channel=iptv) is None


def test_windows_starting_or_ending_for_dashboards():
    from rights.selectors import rights_windows_starting_or_ending

    partner = OrganizationFactory(kind="operator")
    drama = drama_with_rights_in()
    coming = grant_out(drama, partner, territories=["TH"], start=at(20), end=at(200))
    expiring = grant_out(drama, partner, territories=["SG"], start=at(-100), end=at(25))
    grant_out(drama, partner, territories=["MY"], start=at(-100), end=None)
    grant_out(drama, OrganizationFactory(), territories=["ID"], start=at(20))
    result = rights_windows_starting_or_ending(organization=partner, since=at(10), until=at(40))
    assert result == {"starting": [coming], "ending": [expiring]}


@pytest.mark.parametrize("kind", ["operator", "partner", "licensor"])
def test_drama_ids_starting_or_ending_answer_what_the_windows_query_answers(kind):
    from rights.selectors import _windows_out_of, rights_drama_ids_starting_or_ending

    # given windows starting, ending, both, neither, on the period's edges and revoked: held by the tenant,
    # or (a licensor) granted on its dramas to others; and a window of someone else's
    tenant = LicensorFactory() if kind == "licensor" else OrganizationFactory(kind=kind)
    spans = [(20, 200), (-100, 25), (15, 30), (-100, None), (10, 400), (-50, 40), (40, 90), (-100, 10)]

    def grant(start, end, licence_type="AVOD"):
        if kind == "licensor":
            drama, licensee = drama_with_rights_in(licensor=tenant), OrganizationFactory()
        else:
            drama, licensee = drama_with_rights_in(), tenant
        return grant_out(drama, licensee, start=at(start), end=None if end is None else at(end),
                         licence_type=licence_type)  # fmt: skip

    for number, (start, end) in enumerate(spans):
        grant(start, end, ["AVOD", "SVOD"][number % 2])
    rights_window_revoke(window=grant(20, 30))
    grant_out(drama_with_rights_in(), OrganizationFactory(), territories=["ID"], start=at(20))

    # when the dramas of windows starting or ending in [10, 40) are asked for
    result = rights_drama_ids_starting_or_ending(organization=tenant, since=at(10), until=at(40))

    # then they are those of the windows the tenant sees, by start and by end, both edges as the ORM has them
    windows = list(
        _windows_out_of(tenant).filter(Q(start__gte=at(10), start__lt=at(40)) | Q(end__gte=at(10), end__lt=at(40)))
    )
    assert result == {
        "starting": {w.drama_id for w in windows if at(10) <= w.start < at(40)},
        "ending": {w.drama_id for w in windows if w.end is not None and at(10) <= w.end < at(40)},
    }
    assert (len(result["starting"]), len(result["ending"])) == (3, 3)


def test_available_throughout_a_period_needs_one_window_covering_all_of_it():
    # given windows of one licensee: open-ended, ending inside the period, starting inside it, revoked
    licensee = OrganizationFactory()
    whole, ends, starts, revoked = (drama_with_rights_in() for _ in range(4))
    grant_out(whole, licensee, start=at(0))
    grant_out(ends, licensee, start=at(0), end=at(15))
    grant_out(starts, licensee, start=at(12))
    rights_window_revoke(window=grant_out(revoked, licensee, start=at(0)))

    # when the titles available throughout [10, 20) are asked for
    available = rights_available_throughout(licensee=licensee, territory="TH", start=at(10), end=at(20))

    # then only the window covering the whole period counts; the period's end is exclusive
    assert available == {whole.pk}
    assert rights_available_throughout(licensee=licensee, territory="TH", start=at(10), end=at(15)) == {
        whole.pk,
        ends.pk,
    }


def test_licensed_during_a_period_is_any_window_in_force_somewhere_at_some_instant_of_it():
    from rights.selectors import rights_licensed_during

    # given windows of one licensee: in force at the start elsewhere, ended before, starting inside, starting
    # after, revoked; and another licensee's
    licensee = OrganizationFactory()
    now, ended, starts, later, revoked, other = (drama_with_rights_in() for _ in range(6))
    grant_out(now, licensee, territories=["SG"], start=at(0), end=at(11))
    grant_out(ended, licensee, start=at(0), end=at(10))
    grant_out(starts, licensee, start=at(15))
    grant_out(later, licensee, start=at(20))
    rights_window_revoke(window=grant_out(revoked, licensee, start=at(0)))
    grant_out(other, OrganizationFactory(), start=at(0))

    # when the titles licensed somewhere during [10, 20) are asked for
    licensed = rights_licensed_during(licensee=licensee, start=at(10), end=at(20))

    # then the windows in force at some instant of the period count, in any territory
    assert licensed == {now.pk, starts.pk}
