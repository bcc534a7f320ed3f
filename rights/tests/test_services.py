import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partners.tests.factories import ChannelFactory, LicensorFactory, OrganizationFactory, UserFactory
from rights.errors import (
    NoRightsInError,
    RightsInInUseError,
    RightsOverlapError,
    RightsStateError,
    RightsValidationError,
)
from rights.models import RightsAudit, RightsEvent, RightsStatus, RightsWindow, RightsWindowTerritory
from rights.services import rights_window_grant, rights_window_revoke, rights_window_update, rights_windows_advance
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db


# --- overlaps: the exclusion constraint decides ----------------------------------------------

# (first window, second window, second refused?) — windows as (exclusive, start day, end day or None, territories, type)
OVERLAP_CASES = [
    pytest.param((True, 0, 100, ["TH"], "AVOD"), (True, 50, 150, ["TH"], "AVOD"), True, id="exclusive-vs-exclusive"),
    pytest.param((True, 0, 100, ["TH"], "AVOD"), (False, 50, 150, ["TH"], "AVOD"), True, id="exclusive-then-plain"),
    pytest.param((False, 0, 100, ["TH"], "AVOD"), (True, 50, 150, ["TH"], "AVOD"), True, id="plain-then-exclusive"),
    pytest.param((False, 0, 100, ["TH"], "AVOD"), (False, 50, 150, ["TH"], "AVOD"), False, id="plain-vs-plain"),
    pytest.param((True, 0, 100, ["TH"], "AVOD"), (True, 100, 200, ["TH"], "AVOD"), False, id="end-is-exclusive"),
    pytest.param((True, 100, 200, ["TH"], "AVOD"), (True, 0, 100, ["TH"], "AVOD"), False, id="adjacent-before"),
    pytest.param((True, 0, None, ["TH"], "AVOD"), (True, 5000, 5001, ["TH"], "AVOD"), True, id="open-end-overlaps"),
    pytest.param((True, 0, 100, ["TH"], "AVOD"), (True, 0, 100, ["SG"], "AVOD"), False, id="other-territory"),
    pytest.param((True, 0, 100, ["TH"], "AVOD"), (True, 0, 100, ["TH"], "SVOD"), False, id="other-licence-type"),
    pytest.param((True, 0, 100, ["SEA"], "AVOD"), (True, 0, 100, ["TH"], "AVOD"), True, id="region-group-expands"),
    pytest.param((True, 99.99, 100, ["TH"], "AVOD"), (True, 0, 99.991, ["TH"], "AVOD"), True, id="overlap-by-minutes"),
]


@pytest.mark.parametrize(("first", "second", "refused"), OVERLAP_CASES)
def test_grant_out_overlap_rules(first, second, refused):
    # given a drama with rights in and a first window out
    drama = drama_with_rights_in()
    exclusive, start, end, territories, licence_type = first
    existing = grant_out(
        drama, exclusive=exclusive, start=at(start), end=at(end) if end is not None else None,
        territories=territories, licence_type=licence_type,
    )  # fmt: skip
    exclusive, start, end, territories, licence_type = second
    kwargs = {
        "exclusive": exclusive, "start": at(start), "end": at(end) if end is not None else None,
        "territories": territories, "licence_type": licence_type,
    }  # fmt: skip

    # when a second window out is granted to another licensee
    if refused:
        with pytest.raises(RightsOverlapError) as caught:
            grant_out(drama, **kwargs)
        # then it is refused naming the conflict, and nothing of it was written
        assert caught.value.code == "rights_overlap"
        assert caught.value.extra["conflicting_window"] == existing.pk
        assert f"#{existing.pk}" in caught.value.detail
        assert RightsWindow.objects.filter(direction="out").count() == 1
    else:
        grant_out(drama, **kwargs)
        assert RightsWindow.objects.filter(direction="out").count() == 2


@pytest.mark.parametrize(
    ("first_range", "second_range", "refused"),
    [
        ((1, 10), (11, 20), False),
        ((1, 10), (10, 20), True),
        ((None, None), (50, 60), True),
        ((30, None), (1, 29), False),
        ((30, None), (1, 30), True),
    ],
)
def test_exclusive_episode_ranges_overlap_only_when_they_share_an_episode(first_range, second_range, refused):
    drama = drama_with_rights_in()
    grant_out(drama, exclusive=True, episode_start=first_range[0], episode_end=first_range[1])
    if refused:
        with pytest.raises(RightsOverlapError):
            grant_out(drama, exclusive=True, episode_start=second_range[0], episode_end=second_range[1])
    else:
        grant_out(drama, exclusive=True, episode_start=second_range[0], episode_end=second_range[1])


def test_database_refuses_overlapping_rows_written_around_the_services():
    # given an exclusive window out with its territory row
    drama = drama_with_rights_in()
    window = grant_out(drama, exclusive=True, end=at(100))
    row = RightsWindowTerritory.objects.get(window=window)

    # when a second overlapping row is inserted directly
    row.pk = None
    row.exclusive = False
    # then PostgreSQL itself refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_revoked_window_frees_the_slot():
    drama = drama_with_rights_in()
    first = grant_out(drama, exclusive=True)
    rights_window_revoke(window=first)
    second = grant_out(drama, exclusive=True)
    assert second.status == RightsStatus.APPROVED
    assert set(RightsWindowTerritory.objects.filter(window=first).values_list("status", "blocking")) == {
        ("revoked", False)
    }


def test_pending_window_blocks_an_exclusive_grant():
    drama = drama_with_rights_in()
    grant_out(drama, status="pending")
    with pytest.raises(RightsOverlapError):
        grant_out(drama, exclusive=True)


# --- no rights in ---------------------------------------------------------------------------

IN_TERMS = {
    "territories": ("SEA",),
    "licence_types": ("AVOD", "SVOD"),
    "start": at(0),
    "end": at(365),
    "audio_languages": ["zh-Hans", "th"],
    "subtitle_languages": ["en", "th"],
    "holdback_languages": ["vi"],
}


@pytest.mark.parametrize(
    ("out_terms", "refused"),
    [
        ({}, False),
        ({"territories": ["TH", "US"]}, True),
        ({"licence_type": "TVOD"}, True),
        ({"start": at(-1)}, True),
        ({"end": None}, True),
        ({"end": at(366)}, True),
        ({"end": at(365)}, False),
        ({"audio_languages": ["ko"]}, True),
        ({"audio_languages": []}, True),
        ({"subtitle_languages": ["vi"]}, True),
        ({"subtitle_languages": ["th"]}, False),
        ({"territories": ["SEA"], "territory_exclusions": ["VN"]}, False),
    ],
)
def test_grant_out_beyond_rights_in_is_refused(out_terms, refused):
    # given rights in for SEA, AVOD and SVOD, for one year, some languages
    drama = drama_with_rights_in(**IN_TERMS)
    terms = {
        "territories": ["TH"], "start": at(10), "end": at(100),
        "audio_languages": ["th"], "subtitle_languages": ["en"], **out_terms,
    }  # fmt: skip
    if refused:
        with pytest.raises(NoRightsInError) as caught:
            grant_out(drama, **terms)
        assert caught.value.code == "no_rights_in"
        assert not RightsWindow.objects.filter(direction="out").exists()
    else:
        assert grant_out(drama, **terms).pk


@pytest.mark.parametrize(
    ("episodes", "refused"),
    [((1, 50), False), ((10, 20), False), ((1, 60), True), ((None, None), True), ((40, None), True)],
)
def test_rights_in_for_an_episode_range_bound_the_episodes_out(episodes, refused):
    drama = drama_with_rights_in(licence_types=("AVOD",), episode_start=1, episode_end=50)
    if refused:
        with pytest.raises(NoRightsInError):
            grant_out(drama, episode_start=episodes[0], episode_end=episodes[1])
    else:
        assert grant_out(drama, episode_start=episodes[0], episode_end=episodes[1]).pk


def test_consecutive_rights_in_cover_a_window_out_together():
    drama = drama_with_rights_in(territories=("TH",), licence_types=("AVOD",), start=at(0), end=at(100))
    rights_window_grant(
        drama=drama, licensee=drama.owner, direction="in", territories=["TH"], licence_type="AVOD",
        start=at(100), end=at(200),
    )  # fmt: skip
    assert grant_out(drama, start=at(50), end=at(150)).pk
    with pytest.raises(NoRightsInError):
        grant_out(drama, start=at(150), end=at(250))


def test_drama_without_rights_in_cannot_be_granted():
    from catalog.tests.factories import DramaFactory

    with pytest.raises(NoRightsInError):
        grant_out(DramaFactory())


def test_rights_in_that_cover_windows_out_cannot_be_revoked_or_shrunk():
    drama = drama_with_rights_in(territories=("TH", "SG"), licence_types=("AVOD",))
    rights_in = RightsWindow.objects.get(direction="in")
    out = grant_out(drama, territories=["TH"])
    with pytest.raises(RightsInInUseError) as caught:
        rights_window_revoke(window=rights_in)
    assert caught.value.extra["windows"] == [out.pk]
    with pytest.raises(RightsInInUseError):
        rights_window_update(window=rights_in, territories=["SG"])
    rights_in.refresh_from_db()
    assert rights_in.status == RightsStatus.APPROVED and rights_in.territories == ["TH", "SG"]
    # shrinking away from what is granted is fine
    assert rights_window_update(window=rights_in, territories=["TH"]).territories == ["TH"]


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"territories": ["XX"]}, "territories"),
        ({"territories": []}, "territories"),
        ({"territories": ["TH"], "territory_exclusions": ["TH"]}, "territory_exclusions"),
        ({"licence_type": "PIRATE"}, "licence_type"),
        ({"start": at(10), "end": at(10)}, "end"),
        ({"start": dt.datetime(2026, 1, 1)}, "start"),  # naive on purpose
        ({"episode_start": 10, "episode_end": 5}, "episode_end"),
        ({"unlock_price": "0.99"}, "currency"),
        ({"unlock_price": "0.99", "currency": "DOLLARS"}, "currency"),
        ({"audio_languages": ["not a tag"]}, "audio_languages"),
        ({"status": "expired"}, "status"),
        ({"direction": "sideways"}, "direction"),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_is_written(terms, field):
    drama = drama_with_rights_in()
    with pytest.raises(RightsValidationError) as caught:
        grant_out(drama, **terms)
    assert caught.value.code == "invalid"
    assert field in caught.value.fields
    assert not RightsWindow.objects.filter(direction="out").exists()


def test_licensee_and_channel_must_fit_the_direction():
    drama = drama_with_rights_in()
    with pytest.raises(RightsValidationError) as caught:
        grant_out(drama, licensee=LicensorFactory())
    assert "licensee" in caught.value.fields
    with pytest.raises(RightsValidationError) as caught:
        grant_out(drama, licensee=OrganizationFactory(), channel=ChannelFactory())
    assert "channel" in caught.value.fields


def test_transaction_id_is_unique_when_set():
    drama = drama_with_rights_in()
    first = grant_out(drama, transaction_id="TX-1")
    with pytest.raises(RightsValidationError) as caught:
        grant_out(drama, territories=["SG"], transaction_id="TX-1")
    assert f"#{first.pk}" in caught.value.fields["transaction_id"][0]
    assert grant_out(drama, territories=["MY"]).transaction_id == ""
    assert grant_out(drama, territories=["ID"]).transaction_id == ""


# --- update, revoke, audit, events ----------------------------------------------------------


def test_update_keeps_the_previous_state_when_refused():
    drama = drama_with_rights_in()
    exclusive = grant_out(drama, exclusive=True, territories=["TH"], end=at(100))
    other = grant_out(drama, territories=["SG"], end=at(100))
    with pytest.raises(RightsOverlapError):
        rights_window_update(window=other, territories=["SG", "TH"])
    other.refresh_from_db()
    assert other.territories == ["SG"]
    assert list(RightsWindowTerritory.objects.filter(window=other).values_list("territory", flat=True)) == ["SG"]
    assert exclusive.pk


def test_every_change_is_audited_with_actor_before_and_after():
    # given a window granted by a rights manager
    user = UserFactory(username="rights-manager")
    drama = drama_with_rights_in()
    window = grant_out(drama, end=at(100), actor=user)

    # when it is extended with monetisation terms, then revoked
    rights_window_update(
        window=window, actor=user, end=at(200), unlock_price=Decimal("0.99"), currency="usd", free_episode_count=5
    )
    rights_window_revoke(window=window, actor="avails import")

    # then the audit trail says who, when, before and after
    audits = list(RightsAudit.objects.filter(window=window).order_by("id"))
    assert [a.action for a in audits] == ["granted", "updated", "revoked"]
    assert audits[0].before is None and audits[0].actor_user == user
    assert audits[1].before["end"] == at(100).isoformat() and audits[1].after["end"] == at(200).isoformat()
    assert audits[1].after["unlock_price"] == "0.99" and audits[1].after["currency"] == "USD"
    assert audits[2].actor_label == "avails import" and audits[2].after["status"] == "revoked"
    assert all(a.at is not None for a in audits)


def test_update_without_change_records_nothing():
    window = grant_out(drama_with_rights_in())
    rights_window_update(window=window, territories=["th"])
    assert RightsAudit.objects.filter(window=window).count() == 1
    assert RightsEvent.objects.filter(window=window).count() == 1


def test_revoked_window_cannot_change_and_revoke_is_idempotent():
    window = grant_out(drama_with_rights_in())
    rights_window_revoke(window=window)
    rights_window_revoke(window=window)
    assert RightsEvent.objects.filter(window=window, kind="revoked").count() == 1
    with pytest.raises(RightsStateError):
        rights_window_update(window=window, end=at(10))


def test_advance_records_starts_and_ends_once_in_order():
    # given windows that start and end at different days
    drama = drama_with_rights_in(licence_types=("AVOD",))
    assert rights_windows_advance(now=at(-1)) == {"started": 1, "ended": 0}  # the rights in
    running = grant_out(drama, territories=["TH"], start=at(0), end=at(10))
    later = grant_out(drama, territories=["SG"], start=at(5))
    pending = grant_out(drama, territories=["MY"], start=at(0), end=at(3), status="pending")

    # when the state job runs at several instants (twice at the same instant)
    assert rights_windows_advance(now=at(1)) == {"started": 1, "ended": 0}
    assert rights_windows_advance(now=at(1)) == {"started": 0, "ended": 0}
    assert rights_windows_advance(now=at(6)) == {"started": 1, "ended": 0}
    assert rights_windows_advance(now=at(10)) == {"started": 0, "ended": 1}

    # then each start and end is one event, ids increase, and ended windows expired
    events = list(RightsEvent.objects.filter(direction="out").exclude(kind="granted").order_by("id"))
    assert [(e.kind, e.window_id) for e in events] == [
        ("started", running.pk), ("started", later.pk), ("ended", running.pk),
    ]  # fmt: skip
    assert events[2].occurred_at == at(10)
    running.refresh_from_db()
    pending.refresh_from_db()
    assert running.status == RightsStatus.EXPIRED and pending.status == RightsStatus.PENDING
    assert set(RightsWindowTerritory.objects.filter(window=running).values_list("status", flat=True)) == {"expired"}
    assert list(RightsAudit.objects.filter(window=running).order_by("id").values_list("action", flat=True)) == [
        "granted", "started", "ended",
    ]  # fmt: skip
    started_audit = RightsAudit.objects.get(window=running, action="started")
    assert started_audit.actor_label == "system" and started_audit.after["live_since"] == at(1).isoformat()


def test_events_carry_the_feed_fields():
    drama = drama_with_rights_in()
    window = grant_out(drama, territories=["SEA"], territory_exclusions=["VN"])
    event = RightsEvent.objects.get(window=window)
    assert event.kind == "granted" and event.licensee_id == window.licensee_id and event.drama_id == drama.pk
    assert "VN" not in event.territories and "TH" in event.territories


def test_exclusion_constraint_is_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'rights_out_no_exclusive_overlap'"
        )
        (definition,) = cursor.fetchone()
    assert definition.startswith("EXCLUDE USING gist")


def test_event_writes_hold_the_feed_lock_until_commit():
    # given a transaction that granted a window (and so wrote an event)
    from rights.services import EVENT_LOCK_KEY

    drama = drama_with_rights_in(licence_types=("AVOD",))
    with transaction.atomic():
        grant_out(drama)
        # then it holds the advisory lock that orders event ids by commit, until it ends
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND ((classid::bigint << 32) | objid::bigint) = %s",
                [EVENT_LOCK_KEY],
            )
            assert cursor.fetchone()[0] == 1


# --- property: a window out is accepted exactly when rights in cover it ----------------------

interval = st.tuples(st.integers(0, 30), st.one_of(st.none(), st.integers(1, 20)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ins=st.lists(st.tuples(st.sampled_from(["TH", "SG"]), interval), min_size=0, max_size=4),
    out=st.tuples(st.lists(st.sampled_from(["TH", "SG"]), min_size=1, max_size=2, unique=True), interval),
)
def test_rights_in_cover_matches_an_oracle(ins, out):
    from catalog.tests.factories import DramaFactory

    savepoint = transaction.savepoint()
    try:
        # given rights in as random intervals per territory
        licensor = LicensorFactory()
        drama = DramaFactory(owner=licensor)
        for territory, (start, length) in ins:
            rights_window_grant(
                drama=drama, licensee=licensor, direction="in", territories=[territory], licence_type="AVOD",
                start=at(start), end=at(start + length) if length else None,
            )  # fmt: skip
        territories, (start, length) = out
        end = start + length if length else None

        # the oracle: every day of the window out, in each territory, lies in some interval in
        def covered(territory: str) -> bool:
            spans = [(s, s + n if n else None) for t, (s, n) in ins if t == territory]
            days = range(start, end) if end is not None else range(start, 200)
            return all(any(s <= day and (e is None or day < e) for s, e in spans) for day in days) and (
                end is not None or any(e is None and s <= 200 for s, e in spans)
            )

        expected = all(covered(territory) for territory in territories)
        # when the window out is granted
        try:
            grant_out(drama, territories=territories, start=at(start), end=at(end) if end is not None else None)
            accepted = True
        except NoRightsInError:
            accepted = False
        # then the service agrees with the oracle
        assert accepted is expected
    finally:
        transaction.savepoint_rollback(savepoint)


def test_rights_in_can_be_revoked_once_the_windows_out_they_covered_are_over():
    drama = drama_with_rights_in(licence_types=("AVOD",))
    rights_in = RightsWindow.objects.get(direction="in", drama=drama)
    out = grant_out(drama, start=at(0), end=at(10))
    rights_windows_advance(now=at(11))
    out.refresh_from_db()
    assert out.status == RightsStatus.EXPIRED
    assert rights_window_revoke(window=rights_in).status == RightsStatus.REVOKED


def test_moving_a_started_window_into_the_future_records_its_start_again():
    drama = drama_with_rights_in(licence_types=("AVOD",))
    window = grant_out(drama, start=at(0))
    rights_windows_advance(now=at(1))
    window.refresh_from_db()
    assert window.live_since == at(1)
    far = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
    window = rights_window_update(window=window, start=far)
    assert window.live_since is None
    rights_windows_advance(now=far)
    assert RightsEvent.objects.filter(window=window, kind="started").count() == 2


# --- many windows at once ----------------------------------------------------------------------


def _batch_counts() -> tuple[int, int, int, int]:
    return (RightsWindow.objects.count(), RightsWindowTerritory.objects.count(), RightsAudit.objects.count(),
            RightsEvent.objects.count())  # fmt: skip


def _grant(drama, licensee, **terms):
    return {
        "drama": drama,
        "licensee": licensee,
        "territories": ["TH"],
        "licence_type": "AVOD",
        "start": at(0),
        **terms,
    }


@pytest.mark.parametrize(
    ("middle", "refusal", "code"),
    [
        ("overlaps an exclusive window", RightsOverlapError, "rights_overlap"),
        ("reaches beyond the rights in", NoRightsInError, "no_rights_in"),
        ("reuses a TransactionID", RightsValidationError, "invalid"),
        ("has a bad territory", RightsValidationError, "invalid"),
    ],
)
def test_a_batch_refused_in_its_middle_writes_nothing(middle, refusal, code):
    # given a drama already granted exclusively in Thailand, and a batch whose middle window is refused
    from rights.services import rights_windows_grant

    drama, other = drama_with_rights_in(), drama_with_rights_in(territories=("TH",))
    holder = OrganizationFactory()
    grant_out(drama, holder, exclusive=True, transaction_id="TX-HELD")
    licensee = OrganizationFactory()
    bad = {
        "overlaps an exclusive window": _grant(drama, licensee),
        "reaches beyond the rights in": _grant(other, licensee, territories=["VN"]),
        "reuses a TransactionID": _grant(other, licensee, transaction_id="TX-HELD"),
        "has a bad territory": _grant(other, licensee, territories=["XX"]),
    }[middle]
    batch = [_grant(other, licensee, start=at(10)), bad, _grant(other, licensee, territories=["TH"], start=at(20),
                                                              licence_type="SVOD")]  # fmt: skip
    before = _batch_counts()

    # when the batch is granted
    with pytest.raises(refusal) as refused:
        rights_windows_grant(batch)

    # then the refusal is a domain error with its code, and no window, territory row, audit entry or event
    # of the batch was written
    assert refused.value.code == code
    assert _batch_counts() == before


def test_a_batch_names_the_window_its_overlap_meets():
    # given an exclusive window out, and a batch that overlaps it
    from rights.services import rights_windows_grant

    drama = drama_with_rights_in()
    held = grant_out(drama, OrganizationFactory(name="Holder"), exclusive=True)

    # when the batch is granted, then the refusal names the window it meets
    with pytest.raises(RightsOverlapError) as refused:
        rights_windows_grant([_grant(drama, OrganizationFactory())])
    assert refused.value.extra["conflicting_window"] == held.pk
    assert f"#{held.pk}" in refused.value.message and "Holder" in refused.value.message
