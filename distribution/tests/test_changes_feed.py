import pytest

from catalog.models import Drama
from localization.models import DramaLocalization
from rights.services import rights_window_revoke, rights_window_update, rights_windows_advance
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db
TERRITORIES = ("TH", "SG", "MY")


@pytest.fixture(autouse=True)
def _no_settle(settings):
    settings.MIGU_CHANGES_SETTLE_SECONDS = 0


def licensed(licensee, territories, **window):
    drama = drama_with_rights_in()
    Drama.objects.filter(pk=drama.pk).update(status="published")
    window = grant_out(drama, licensee, territories=list(territories), **window)
    return drama, window


def replay(client, state, cursor=None, page_size=2):
    """Apply the feed to `state` (title id -> territories) like a partner would; return the last cursor."""
    changes = []
    while True:
        query = f"?page_size={page_size}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(f"/api/v1/changes/{query}").json()
        for change in body["results"]:
            changes.append((change["title_id"], change["change"]))
            if change["change"] == "withdrawn":
                state.pop(change["title_id"], None)
            else:
                state[change["title_id"]] = set(change["territories"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return cursor, changes


def titles_in(client, territory):
    found, cursor = [], None
    while True:
        body = client.get(
            f"/api/v1/titles/?territory={territory}&page_size=2" + (f"&cursor={cursor}" if cursor else "")
        ).json()
        found += [row["id"] for row in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            return set(found)


def assert_state_matches_titles(client, state):
    for territory in TERRITORIES:
        assert {t for t, where in state.items() if territory in where} == titles_in(client, territory), territory


def test_replaying_the_feed_from_the_start_yields_exactly_the_titles_list(client_for, partner, other_partner):
    # given a partner's windows in every state, and another tenant's
    licensed(partner, ["TH", "SG"])
    licensed(partner, ["MY"], start=at(3650))  # future
    licensed(partner, ["TH"], start=at(-30), end=at(-1))  # ended
    _, to_revoke = licensed(partner, ["SG"])
    rights_window_revoke(window=to_revoke)
    licensed(other_partner, ["TH"])
    retired, _ = licensed(partner, ["MY"])
    Drama.objects.filter(pk=retired.pk).update(status="retired")
    rights_windows_advance()
    client = client_for(partner)

    # when the partner replays the feed from the start
    state: dict[int, set[str]] = {}
    replay(client, state)

    # then its catalogue is exactly titles/, territory by territory
    assert_state_matches_titles(client, state)
    assert len(state) == 1


def test_resuming_from_the_cursor_sees_additions_updates_and_withdrawals(client_for, partner):
    # given a partner that is in sync
    kept, kept_window = licensed(partner, ["TH"])
    withdrawn, withdrawn_window = licensed(partner, ["SG"])
    expiring, _ = licensed(partner, ["MY"], start=at(-5), end=at(3650))
    client = client_for(partner)
    state: dict[int, set[str]] = {}
    cursor, _ = replay(client, state)

    # when windows change and a title's localisation changes
    added, _ = licensed(partner, ["MY"])
    rights_window_revoke(window=withdrawn_window)
    rights_window_update(window=kept_window, territories=["TH", "SG"])
    rights_windows_advance()
    DramaLocalization.objects.create(drama=expiring, language="en", title="Now in English")

    # then the feed from the last cursor brings the partner back in sync
    cursor, changes = replay(client, state, cursor)
    assert (added.pk, "added") in changes
    assert (withdrawn.pk, "withdrawn") in changes
    assert (kept.pk, "updated") in changes
    assert (expiring.pk, "updated") in changes
    assert state[kept.pk] == {"TH", "SG"}
    assert_state_matches_titles(client, state)

    # and polling again with nothing new returns nothing, with a cursor to keep
    body = client.get(f"/api/v1/changes/?cursor={cursor}").json()
    assert body["results"] == [] and body["next_cursor"] and body["has_more"] is False


def test_the_feed_never_mentions_another_tenants_titles(client_for, partner, other_partner):
    theirs, _ = licensed(other_partner, ["TH"])
    mine, _ = licensed(partner, ["TH"])

    _, changes = replay(client_for(partner), {})

    assert {title for title, _ in changes} == {mine.pk}
    assert theirs.pk not in {title for title, _ in changes}


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WzEsMl0", "eyJlIjoieCJ9"])
def test_a_bad_cursor_is_refused(client_for, partner, cursor):
    response = client_for(partner).get(f"/api/v1/changes/?cursor={cursor}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_feed_queries_do_not_grow_with_page_size(client_for, partner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(6):
        licensed(partner, ["TH"])
    client = client_for(partner)
    client.get("/api/v1/changes/?page_size=1")

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert len(client.get(f"/api/v1/changes/?page_size={size}").json()["results"]) == min(
                size, 12
            )  # six rights events, then six catalogue changes
        return len(ctx.captured_queries)

    # rights events only (more to come), then rights events and catalogue changes (the end of the feed)
    assert count(2) == count(5)
    assert count(6) == count(50) == count(2) + 1
