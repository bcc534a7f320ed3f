import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partners.tests.factories import ChannelFactory, OperatorFactory
from recommendations import selectors
from recommendations.errors import MatchingError, MatchingErrorCode
from recommendations.matching import diversity_apply, matching_run
from recommendations.models import ChannelLineup, MatchingModelStatus, MatchingModelVersion
from recommendations.selectors import channel_lineup, user_recommendations
from recommendations.tests.factories import licensed_title, matching_world, watch
from rights.models import RightsWindow
from rights.selectors import rights_may_show
from rights.services import rights_window_revoke

pytestmark = pytest.mark.django_db
FAST = {"iterations": 3, "factors": 8}


@pytest.fixture
def world():
    return matching_world()


def test_a_run_goes_live_with_a_ranked_line_up_of_licensed_titles_and_reasons(world):
    # given a channel's audience and a title licensed to the operator in another territory only
    operator, channel, titles = world
    elsewhere = licensed_title(operator, territories=("SG",))

    # when the matching job's service runs
    version = matching_run(params=FAST)

    # then the version is live, with its data window, parameters (the blend chosen) and artifact
    assert version.is_live and version.status == MatchingModelStatus.LIVE
    assert set(version.params["blend_weights"]) == {"als", "content", "popularity", "knn", "cold"}
    assert default_storage.exists(version.artifact)
    lineup = channel_lineup(channel=channel, limit=50)
    ids = [t["title_id"] for t in lineup.titles]
    # every title licensed in TH is there (the never-watched ones through content), the SG-only one is not
    assert set(ids) == {t.pk for t in titles}
    assert elsewhere.pk not in ids
    assert [t["rank"] for t in lineup.titles] == list(range(1, len(ids) + 1))
    mean = sum(t["demand_index"] for t in ChannelLineup.objects.get(version=version, channel=channel).entries) / len(
        ids
    )
    assert mean == pytest.approx(100, abs=0.5)
    most_watched = next(t for t in lineup.titles if t["title_id"] == titles[0].pk)
    assert most_watched["reasons"]["popularity"][0]["territory"] == "TH"
    cold = next(t for t in lineup.titles if t["title_id"] == titles[1].pk)
    assert cold["reasons"]["cold_title"] is True


def test_a_line_up_scheduled_for_a_period_leaves_out_a_title_whose_window_ends_inside_it(world):
    operator, channel, _ = world
    ending = licensed_title(operator, end=timezone.now() + dt.timedelta(days=2))

    matching_run(params=FAST)

    stored = ChannelLineup.objects.get(version__is_live=True, channel=channel)
    assert ending.pk not in {e["title_id"] for e in stored.entries}


def test_a_channel_with_no_licensed_title_gets_an_empty_line_up_with_its_reason(world):
    operator, _, _ = world
    bare = ChannelFactory(organization=operator, territories=["JP"], languages=["ja"])

    matching_run(params=FAST)

    read = channel_lineup(channel=bare)
    assert read.titles == [] and read.empty_reason == "no_licensed_title"


def test_no_events_fails_the_run_by_name_and_the_previous_version_keeps_serving(world):
    # given a live version
    _, channel, _ = world
    live = matching_run(params=FAST)

    # when a run finds no events in its window
    with pytest.raises(MatchingError) as raised:
        matching_run(params=FAST, now=timezone.now() + dt.timedelta(days=400))

    # then it failed saying why, and the live version and its line-up are unchanged
    assert raised.value.code == MatchingErrorCode.NO_EVENTS
    assert MatchingModelVersion.objects.get(is_live=True) == live
    assert MatchingModelVersion.objects.exclude(pk=live.pk).get().status == MatchingModelStatus.FAILED
    assert channel_lineup(channel=channel).model_version == live.pk


def _make_live(admin_client, *versions):
    return admin_client.post(
        reverse("admin:recommendations_matchingmodelversion_changelist"),
        {"action": "make_live", "_selected_action": [v.pk for v in versions]},
        follow=True,
    ).content.decode()


def test_the_admin_puts_an_earlier_version_back_live_with_its_line_ups(world, admin_client):
    # given two runs, the second live
    _, channel, _ = world
    first = matching_run(params=FAST)
    second = matching_run(params=FAST)
    assert channel_lineup(channel=channel).model_version == second.pk

    # when the first is made live again from the admin
    page = _make_live(admin_client, first)

    # then it serves, alone, and the second is retired, ready to be put back in turn
    assert f"Version {first.pk} is live." in page
    assert list(MatchingModelVersion.objects.filter(is_live=True)) == [first]
    assert MatchingModelVersion.objects.get(pk=second.pk).status == MatchingModelStatus.RETIRED
    assert channel_lineup(channel=channel).model_version == first.pk
    _make_live(admin_client, second)
    assert channel_lineup(channel=channel).model_version == second.pk


def test_the_admin_refuses_a_failed_version_and_a_choice_of_two(world, admin_client):
    # given a live version and a failed run
    live = matching_run(params=FAST)
    with pytest.raises(MatchingError):
        matching_run(params=FAST, now=timezone.now() + dt.timedelta(days=400))
    failed = MatchingModelVersion.objects.get(status=MatchingModelStatus.FAILED)

    # then neither the failed version nor two versions at once go live
    assert "it cannot serve" in _make_live(admin_client, failed)
    assert "Select exactly one version." in _make_live(admin_client, live, failed)
    assert list(MatchingModelVersion.objects.filter(is_live=True)) == [live]


def test_users_known_new_and_cold_are_served_with_continue_watching_apart(world):
    # given a trained model, then a new user with a few events and one with a single event
    operator, channel, titles = world
    matching_run(params=FAST)
    selectors._models.clear()
    watch(operator, channel, "newcomer", titles[2], episodes=3)
    watch(operator, channel, "one-event", titles[4], episodes=1, kind_last="progress")

    known = user_recommendations(organization=operator, user_ref="u1", channel=channel)
    newcomer = user_recommendations(organization=operator, user_ref="newcomer", channel=channel)
    stranger = user_recommendations(organization=operator, user_ref="nobody", channel=channel)

    assert known.source == "model" and known.titles
    assert newcomer.source == "folded_in" and newcomer.titles
    # the title they are half-way through is in "continue watching", not among the recommendations
    assert [row["title_id"] for row in newcomer.continue_watching] == [titles[2].pk]
    assert titles[2].pk not in {t["title_id"] for t in newcomer.titles}
    assert stranger.source == "popularity" and stranger.titles
    assert user_recommendations(organization=operator, user_ref="one-event", channel=channel).source == "popularity"


def test_a_corrupt_artifact_falls_back_to_the_line_up_for_users_it_would_fold_in(world):
    operator, channel, titles = world
    version = matching_run(params=FAST)
    selectors._models.clear()
    with default_storage.open(version.artifact, "wb") as handle:
        handle.write(b"not a model")
    watch(operator, channel, "newcomer", titles[2], episodes=3)

    read = user_recommendations(organization=operator, user_ref="newcomer", channel=channel)

    assert read.source == "lineup"
    assert read.titles and read.empty_reason == ""


def test_diversity_keeps_at_most_three_of_one_primary_trope_in_the_top_ten():
    order = list(range(16))
    primary = {i: "revenge" if i < 8 else f"other-{i}" for i in order}

    ranked = diversity_apply(order, primary)

    assert sum(primary[i] == "revenge" for i in ranked[:10]) == 3
    assert ranked[:3] == [0, 1, 2] and ranked[10:13] == [3, 4, 5] and sorted(ranked) == order


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["revoke", "end", "start_later", "keep"]), st.integers(-3, 3)),
        max_size=6,
    ),
    served_in_days=st.integers(0, 4),
)
def test_nothing_unlicensed_is_ever_served_whatever_happens_to_the_windows(changes, served_in_days):
    # given a stored live line-up of four titles licensed to a channel's operator
    operator = OperatorFactory()
    channel = ChannelFactory(organization=operator, territories=["TH"], languages=["th"])
    titles = [licensed_title(operator) for _ in range(4)]
    MatchingModelVersion.objects.filter(is_live=True).update(is_live=False)
    now = timezone.now()
    version = MatchingModelVersion.objects.create(
        status="live", is_live=True, data_since=now, data_until=now, period_start=now, period_end=now
    )
    entries = [{"title_id": t.pk, "rank": i + 1, "score": 1.0, "demand_index": 100.0, "reasons": {}}
               for i, t in enumerate(titles)]  # fmt: skip
    ChannelLineup.objects.create(version=version, organization=operator, channel=channel, entries=entries)

    # when windows are revoked, end, or move their start, in any order
    for index, change, days in changes:
        window = RightsWindow.objects.filter(drama=titles[index], licensee=operator).first()
        if window is None or window.status == "revoked":
            continue
        if change == "revoke":
            rights_window_revoke(window=window)
        elif change == "end":
            end = max(now + dt.timedelta(days=days), window.start + dt.timedelta(hours=1))
            RightsWindow.objects.filter(pk=window.pk).update(end=end)
            window.territory_rows.update(end=end)
        elif change == "start_later":
            start = now + dt.timedelta(days=abs(days) + 1)
            if window.end is None or start < window.end:
                RightsWindow.objects.filter(pk=window.pk).update(start=start)
                window.territory_rows.update(start=start)

    # then what is served at any instant is exactly the line-up's titles the rights rule allows then
    instant = now + dt.timedelta(days=served_in_days)
    served = {t["title_id"] for t in channel_lineup(channel=channel, at=instant, limit=50).titles}
    allowed = {t.pk for t in titles if rights_may_show(licensee=operator, drama=t, territory="TH", at=instant)}
    assert served == allowed


def test_a_content_manager_starts_a_run_from_the_versions_list_before_any_version_exists(client):
    # given a fresh platform: no version yet, so no row to select for an action
    from django.contrib.auth.models import Permission

    from jobs.models import Job, JobKind, JobStatus
    from tests.admin_helpers import staff_user

    client.force_login(staff_user("content"))
    changelist = reverse("admin:recommendations_matchingmodelversion_changelist")
    run = reverse("admin:recommendations_matchingmodelversion_run")
    assert f'action="{run}"' in client.get(changelist).content.decode()

    # when the button is pressed twice
    first = client.post(run, follow=True)
    client.post(run)

    # then one matching job waits for the worker, and the message links it
    job = Job.objects.get(kind=JobKind.MATCHING)
    assert job.status == JobStatus.PENDING
    assert f"/admin/jobs/job/{job.pk}/change/" in first.content.decode()
    assert client.get(run).status_code == 405

    # and a staff user who may only read versions sees no button and may not start one
    reader = get_user_model().objects.create(username="reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_matchingmodelversion"))
    client.force_login(reader)
    assert f'action="{run}"' not in client.get(changelist).content.decode()
    assert client.post(run).status_code == 403
    assert Job.objects.filter(kind=JobKind.MATCHING).count() == 1
