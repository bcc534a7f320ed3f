"""The operator portal: rollups, KPIs computed by hand, k-anonymity, tenant scoping and bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json

import pytest
from django.core.management import call_command

from portal.models import DailyChannelRollup, DailyEpisodeRollup, DailyRevenueRollup, DailyTitleRollup
from portal.services import rollups_refresh
from portal.tests.conftest import DAY
from portal.tests.factories import PASSWORD, event, events_create, local

PERIOD = {"start": DAY.isoformat(), "end": DAY.isoformat()}
ROLLUPS = [DailyChannelRollup, DailyTitleRollup, DailyEpisodeRollup, DailyRevenueRollup]


def rows_of(organization):
    return {
        model.__name__: sorted(
            tuple(v for k, v in row.items() if k != "id")
            for row in model.objects.filter(organization=organization).values()
        )
        for model in ROLLUPS
    }


@pytest.fixture
def signed_in(client):
    def sign_in(user, language="en"):
        assert client.login(username=user.username, password=PASSWORD)
        client.post("/portal/language/", {"language": language})
        return client

    return sign_in


def test_the_overview_kpis_are_the_ones_computed_by_hand(two_operators, settings, signed_in):
    # given operator A's day (k = 3): 5 people saw the title, 4 started episode 1, 3 reached episode 2 (the
    # last free one, as A's window says), 2 unlocked episode 3 at 5.00 THB, 1 started the final episode 5;
    # k = 2, so that even the revenue of the 2 payers shows
    settings.PORTAL_K_ANONYMITY = 2
    client = signed_in(two_operators["a_user"])

    # when A reads the overview's JSON
    body = client.get("/portal/overview.json", PERIOD).json()

    # then every KPI is the hand-computed figure
    assert body["kpis"] == {
        "impressions": 5,
        "starts": 11,  # 5 + 3 + 2 + 1 episode starts
        "play_rate": 4 / 5,  # series starters per impression
        "viewers": 5.0,  # distinct viewers that one day
        "starters": 4,
        "episodes_per_viewer": 11 / 4,
        "completion": 4 / 11,  # 4 completions of 11 starts
        "paywall_reach": 3 / 4,
        "unlock_conversion": 2 / 3,
    }
    assert body["revenue"] == [{"currency": "THB", "amount_minor": 1000, "unlocks": 2}]
    assert body["trend"] == [{"day": "2026-03-10", "impressions": 5, "starts": 11, "viewers": 5, "completes": 4,
                              "unlocks": 2}]  # fmt: skip
    # and the HTML shows them, with the live titles and "data as of"
    page = client.get("/portal/", PERIOD).content.decode()
    assert "36.4%" in page and "66.7%" in page and "75.0%" in page and "10.00" in page
    assert "Data as of" in page

    # with k = 3 the revenue of 2 payers is hidden, the rest (5 viewers) still shows
    settings.PORTAL_K_ANONYMITY = 3
    body = client.get("/portal/overview.json", PERIOD).json()
    assert body["revenue"] == [{"currency": "THB", "amount_minor": None, "unlocks": None}]
    assert body["kpis"]["starts"] == 11


def test_the_title_drop_off_is_monotone_with_the_paywall_where_the_rights_say(two_operators, settings, signed_in):
    settings.PORTAL_K_ANONYMITY = 1
    client = signed_in(two_operators["a_user"])

    body = client.get(f"/portal/titles/{two_operators['drama_a'].pk}.json", PERIOD).json()

    # the drama says 10 free episodes, A's window says 2: the paywall stands before episode 3
    assert body["paywall_episode"] == 3
    viewers = [point["viewers"] for point in body["curve"]]
    assert viewers == [4, 3, 2, 1, 1]
    assert all(later <= earlier for earlier, later in itertools.pairwise(viewers))
    assert [p["share"] for p in body["curve"]] == [1.0, 0.75, 0.5, 0.25, 0.25]
    assert [step["value"] for step in body["funnel"]] == [5, 4, 3, 2, 1]
    # A's catalogue is this one title: its median is its own curve
    assert [m["share"] for m in body["median"]] == [1.0, 0.75, 0.5, 0.25, 0.25]
    page = client.get(f"/portal/titles/{two_operators['drama_a'].pk}/", PERIOD).content.decode()
    assert "The paywall stands before episode 3" in page


def test_small_cells_are_hidden_in_html_json_and_csv_alike(two_operators, settings, signed_in):
    # given the default k of 10: A's title has 5 viewers, B's 12
    assert settings.PORTAL_K_ANONYMITY == 10
    client = signed_in(two_operators["a_user"])

    overview = client.get("/portal/overview.json", PERIOD).json()
    title = client.get(f"/portal/titles/{two_operators['drama_a'].pk}.json", PERIOD).json()
    titles = client.get("/portal/titles.json", PERIOD).json()
    audience = client.get("/portal/audience.json", PERIOD).json()
    export = list(csv.reader(io.StringIO(b"".join(client.get("/portal/titles.csv", PERIOD).streaming_content)
                                         .decode())))  # fmt: skip
    daily = list(
        csv.reader(
            io.StringIO(
                b"".join(client.get("/portal/titles.csv", {**PERIOD, "grain": "day"}).streaming_content).decode()
            )
        )
    )
    html = client.get("/portal/titles/", PERIOD).content.decode()

    assert set(overview["kpis"].values()) == {None}
    assert overview["revenue"] == [{"currency": "THB", "amount_minor": None, "unlocks": None}]
    assert {p["viewers"] for p in title["curve"]} == {None} and {s["value"] for s in title["funnel"]} == {None}
    assert titles["titles"][0]["starts"] is None and titles["titles"][0]["hidden"] is True
    assert audience["heatmap"]["cells"][0]["starts"] is None and audience["tropes"][0]["starts"] is None
    assert export[1][2:8] == ["", "", "", "", "", ""] and export[1][8] == "fewer than 10 viewers"
    assert daily[1][3:7] == ["", "", "", ""]
    assert ">11<" not in html and "hidden: too few viewers" in html

    # while B's 12 viewers clear k
    b_client = signed_in(two_operators["b_user"])
    assert b_client.get("/portal/overview.json", PERIOD).json()["kpis"]["starters"] == 12


PAGES = ["/portal/", "/portal/overview.json", "/portal/titles/", "/portal/titles.json", "/portal/titles.csv",
         "/portal/audience/", "/portal/audience.json", "/portal/rights/", "/portal/lineup/", "/portal/lineup.json"]  # fmt: skip


@pytest.mark.parametrize("url", PAGES)
def test_operator_a_never_sees_b(two_operators, settings, signed_in, url):
    settings.PORTAL_K_ANONYMITY = 1
    client = signed_in(two_operators["a_user"])

    response = client.get(url, PERIOD)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode()

    assert response.status_code == 200
    for foreign in ("Title only for B", "op-b channel", "Operator op-b", "777", "b-user"):
        assert foreign not in text
    if "titles" in url or "lineup" in url:
        assert "Title only for A" in text


@pytest.mark.parametrize("suffix", ["/", ".json"])
def test_a_foreign_title_answers_the_same_404_as_a_missing_one(two_operators, signed_in, suffix):
    client = signed_in(two_operators["a_user"])
    foreign = client.get(f"/portal/titles/{two_operators['drama_b'].pk}{suffix}", PERIOD)
    missing = client.get(f"/portal/titles/987654321{suffix}", PERIOD)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    assert b"Title only for B" not in foreign.content


@pytest.mark.parametrize(
    "url", ["/portal/", "/portal/overview.json", "/portal/titles.csv", "/portal/audience/", "/portal/lineup/",
            "/portal/lineup.json"]
)  # fmt: skip
def test_a_foreign_channel_in_a_filter_answers_the_same_404_as_a_missing_one(two_operators, signed_in, url):
    client = signed_in(two_operators["a_user"])
    foreign = client.get(url, {**PERIOD, "channel": two_operators["b_channel"].pk})
    missing = client.get(url, {**PERIOD, "channel": 987654321})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content


def test_a_filter_on_one_own_channel_narrows_the_figures(two_operators, settings, signed_in):
    settings.PORTAL_K_ANONYMITY = 1
    client = signed_in(two_operators["a_user"])
    body = client.get("/portal/overview.json", {**PERIOD, "channel": two_operators["a_channel"].pk}).json()
    assert body["kpis"]["starts"] == 11
    assert [row["channel"] for row in body["by_channel"]] == ["op-a channel 1"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "ends before it starts"),
        ({"start": "0001-01-01", "end": "2026-03-01"}, "between 2000 and next year"),
        ({"start": "2024-01-01", "end": "2026-03-01"}, "at most 366 days"),
        ({"start": "yesterday"}, "Enter a valid date"),
        ({"channel": "abc"}, "valid choice"),
        ({"end": "9999-12-31"}, "between 2000 and next year"),
        ({"end": "0001-01-01"}, "between 2000 and next year"),
        ({"end": "0001-01-29"}, "between 2000 and next year"),
    ],
)
def test_bad_filters_get_a_clear_message_never_a_500(two_operators, signed_in, params, message):
    client = signed_in(two_operators["a_user"])
    for url in ("/portal/", "/portal/titles/", "/portal/audience/", "/portal/titles.csv"):
        response = client.get(url, params)
        assert response.status_code == 400
        assert message in response.content.decode()
    body = client.get("/portal/overview.json", params).json()
    assert body["code"] == "invalid"


def test_a_year_of_daily_csv_is_a_bounded_answer(two_operators, signed_in):
    client = signed_in(two_operators["a_user"])
    response = client.get("/portal/titles.csv", {"start": "2025-03-11", "end": "2026-03-10", "grain": "day"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response.status_code == 200
    assert len(rows) - 1 <= 100 * 366
    assert rows[0][:3] == ["day", "title_id", "title"]


def test_sign_in_is_for_operators_and_their_pages_need_it(two_operators, client, partner):
    from partners.tests.factories import MembershipFactory, UserFactory

    # anonymous: to the portal's sign-in
    response = client.get("/portal/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    # an operator's member signs in on the portal's own page and lands on the overview
    response = client.post("/portal/login/", {"username": "op-a-viewer", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    # a partner's member is refused with a reason
    partner_user = UserFactory(username="partner-member")
    MembershipFactory(user=partner_user, organization=partner)
    client.force_login(partner_user)
    response = client.get("/portal/")
    assert response.status_code == 403 and b"not a member of an operator organization" in response.content


def test_the_member_chooses_the_language_and_arabic_is_right_to_left(two_operators, signed_in):
    client = signed_in(two_operators["a_user"], language="")
    # A's language is Thai: the portal starts in Thai
    assert 'lang="th"' in client.get("/portal/", PERIOD).content.decode()
    client.post("/portal/language/", {"language": "ar", "next": "/portal/"})
    page = client.get("/portal/", PERIOD).content.decode()
    assert 'lang="ar" dir="rtl"' in page and "langAR.js" in page
    assert "نظرة عامة" in page  # "Overview"
    # a next address elsewhere is not followed
    response = client.post("/portal/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/portal/"


def test_the_rights_page_lists_expiring_upcoming_and_withdrawn_windows_per_channel(two_operators, signed_in):
    from django.utils import timezone

    from rights.services import rights_window_revoke
    from rights.tests.factories import grant_out

    now = timezone.now()
    a, channel, drama = two_operators["a"], two_operators["a_channel"], two_operators["drama_a"]
    grant_out(drama, a, territories=["TH"], channel=channel, licence_type="SVOD", start=now + dt.timedelta(days=5),
              end=now + dt.timedelta(days=60))  # fmt: skip
    grant_out(drama, a, territories=["TH"], licence_type="TVOD", start=now - dt.timedelta(days=5),
              end=now + dt.timedelta(days=9))  # fmt: skip
    revoked = grant_out(drama, a, territories=["TH"], licence_type="EST", start=now - dt.timedelta(days=5))
    rights_window_revoke(window=revoked)
    client = signed_in(two_operators["a_user"])

    page = client.get("/portal/rights/").content.decode()

    channel_part = page.split("op-a channel 1")[1]
    general_part = page.split("op-a channel 1")[0]
    assert "SVOD" in channel_part.split("Withdrawn")[0]
    assert "TVOD" in general_part and "EST" in general_part.split("Withdrawn")[1]
    assert "Title only for B" not in page


def test_rollups_are_idempotent_and_fold_late_events_into_their_day(two_operators, settings):
    a, drama, channel = two_operators["a"], two_operators["drama_a"], two_operators["a_channel"]
    before = rows_of(a)

    # a re-run with nothing new, and a rebuild from scratch, give the same rows
    rollups_refresh()
    assert rows_of(a) == before
    out = io.StringIO()
    call_command("rollups_rebuild", stdout=out)
    assert rows_of(a) == before
    assert out.getvalue().startswith("Rebuilt ") and " day(s) from " in out.getvalue()

    # a late event of DAY (received now), at 23:30 Bangkok time (16:30 UTC): folded into DAY, not the next
    events_create([event(a, "impression", "a-user-9", drama, at=local(DAY, 23).replace(minute=30), channel=channel)])
    rollups_refresh()
    row = DailyChannelRollup.objects.get(organization=a, day=DAY)
    assert row.impressions == 6 and row.viewers == 6
    assert not DailyChannelRollup.objects.filter(organization=a, day=DAY + dt.timedelta(days=1)).exists()
    after_late = rows_of(a)
    rollups_refresh()
    assert rows_of(a) == after_late


def test_a_gap_in_event_ids_wider_than_a_batch_is_not_taken_for_the_end(two_operators, settings):
    # given events whose ids jump by more than a batch (rolled-back inserts leave such gaps)
    from django.db import connection

    a, drama, channel = two_operators["a"], two_operators["drama_a"], two_operators["a_channel"]
    settings.PORTAL_ROLLUP_BATCH_EVENTS = 5
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('recommendations_playbackevent', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1000 FROM recommendations_playbackevent))"
        )
    events_create([event(a, "impression", "a-user-gap", drama, at=local(DAY, 9), channel=channel)])

    # when the rollups are refreshed
    rollups_refresh()

    # then the event past the gap is counted
    assert DailyChannelRollup.objects.get(organization=a, day=DAY).impressions == 6


def test_the_rollup_job_runs_on_a_real_worker(two_operators, celery_worker_process):
    from conftest import wait_for
    from portal.tasks import rollups_refresh_task

    a, drama, channel = two_operators["a"], two_operators["drama_a"], two_operators["a_channel"]
    events_create([event(a, "impression", "a-user-7", drama, at=local(DAY + dt.timedelta(days=1)), channel=channel)])
    celery_worker_process("default", PORTAL_ROLLUP_SETTLE_SECONDS="0")

    rollups_refresh_task.delay()

    wait_for(lambda: DailyChannelRollup.objects.filter(organization=a, day=DAY + dt.timedelta(days=1)).exists(),
             timeout=60, message="the worker's rollup")  # fmt: skip


def test_the_landing_page_links_to_the_portal(client):
    assert 'href="/portal/"' in client.get("/").content.decode()


def test_the_line_up_shows_each_title_with_its_demand_index_and_reasons(two_operators, signed_in):
    # given a live model whose line-up of A's channel holds A's title, one reason naming B's title
    client = signed_in(two_operators["a_user"])
    channel = two_operators["a_channel"]

    # when A reads the line-up of its channel, as JSON and as the page
    body = client.get("/portal/lineup.json", {"channel": channel.pk}).json()
    page = client.get("/portal/lineup/", {"channel": channel.pk, "territory": "TH"}).content.decode()

    # then the title comes with its rank, demand index and reasons; B's title is not named
    assert body["channel_id"] == channel.pk and body["empty_reason"] is None and body["model_version"]
    (title,) = body["titles"]
    assert (title["title_id"], title["title"], title["rank"], title["demand_index"]) == (
        two_operators["drama_a"].pk, "Title only for A", 1, 142.5)  # fmt: skip
    assert title["reasons"]["nearest_watched"] == []
    assert title["reasons"]["popularity"] == [{"territory": "TH", "language": "th", "rank": 2}]
    assert "Title only for A" in page and "142.50" in page and 'data-chart="lineup"' in page
    assert "Tropes the audience favours: revenge ×1.75" in page and "Number 2 in TH among th viewers" in page
    # the first channel is the default; a territory the channel is not shown in is a clear 400
    assert client.get("/portal/lineup.json").json()["channel_id"] == channel.pk
    response = client.get("/portal/lineup/", {"territory": "SA"})
    assert response.status_code == 400 and "This channel is not shown in SA." in response.content.decode()
    assert client.get("/portal/lineup.json", {"channel": "abc"}).json()["code"] == "invalid"


def test_before_any_model_is_live_the_line_up_says_so(two_operators, signed_in):
    from recommendations.models import MatchingModelVersion

    MatchingModelVersion.objects.all().delete()
    client = signed_in(two_operators["a_user"])

    response = client.get("/portal/lineup/")

    assert response.status_code == 200
    assert "No matching model is live yet" in response.content.decode()
    assert client.get("/portal/lineup.json").json()["empty_reason"] == "no_model"


def test_live_titles_are_asked_once_per_territory_and_answer_as_per_channel(db, django_assert_max_num_queries):
    # given an operator with three channels in TH and LA, windows for every channel and for one channel
    from portal.selectors import portal_live_titles
    from portal.tests.factories import operator_with_member
    from rights.selectors import rights_available_drama_ids
    from rights.tests.factories import drama_with_rights_in, grant_out

    operator, _user, channels = operator_with_member("op-live", territories=("TH", "LA"), channels=3)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    everywhere, only_first, only_laos = drama_with_rights_in(), drama_with_rights_in(), drama_with_rights_in()
    grant_out(everywhere, operator, territories=["TH", "LA"], start=start)
    grant_out(only_first, operator, territories=["TH"], start=start, channel=channels[0])
    grant_out(only_laos, operator, territories=["LA"], start=start, channel=channels[2])

    # when the overview asks what is live now
    with django_assert_max_num_queries(5):
        live = portal_live_titles(organization=operator)

    # then each channel's count is the rights app's per-channel answer
    expected = {
        channel.pk: len(set().union(*(rights_available_drama_ids(licensee=operator, territory=t, channel=channel)
                                      for t in channel.territories)))
        for channel in channels
    }  # fmt: skip
    assert {row["channel"].pk: row["live"] for row in live["per_channel"]} == expected == {
        channels[0].pk: 2, channels[1].pk: 1, channels[2].pk: 2}  # fmt: skip
    assert live["live"] == 3


@pytest.mark.parametrize(
    ("period", "starts"),
    [
        # DAY in Bangkok runs from 17:00 UTC the day before to 17:00 UTC on DAY
        ({"start": DAY.isoformat(), "end": DAY.isoformat()}, 11 + 2),
        ({"start": (DAY + dt.timedelta(days=1)).isoformat(), "end": (DAY + dt.timedelta(days=1)).isoformat()}, 1),
    ],
)
def test_periods_are_cut_in_the_organizations_time_zone(two_operators, settings, signed_in, period, starts):
    # given two more episode starts on DAY at 00:30 Bangkok (17:30 UTC the day before) and at 23:30 Bangkok
    # (16:30 UTC on DAY), and one at 00:30 Bangkok the next day (17:30 UTC on DAY)
    settings.PORTAL_K_ANONYMITY = 1
    a, drama, channel = two_operators["a"], two_operators["drama_a"], two_operators["a_channel"]
    episode = drama.episodes.get(number=1)
    events_create([
        event(a, "play", "a-user-1", drama, at=local(DAY, 0).replace(minute=30), channel=channel, episode=episode),
        event(a, "play", "a-user-1", drama, at=local(DAY, 23).replace(minute=30), channel=channel, episode=episode),
        event(a, "play", "a-user-2", drama, at=local(DAY + dt.timedelta(days=1), 0).replace(minute=30),
              channel=channel, episode=episode),
    ])  # fmt: skip
    rollups_refresh()
    client = signed_in(two_operators["a_user"])

    # when A asks for one local day
    body = client.get("/portal/overview.json", period).json()

    # then the day holds the events of its Bangkok hours, not of its UTC hours
    assert body["kpis"]["starts"] == starts
    assert [row["day"] for row in body["trend"]] == [period["start"]]
    # and "today" (the default end) is Bangkok's today
    from django.utils import timezone

    today = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    assert client.get("/portal/overview.json").json()["period"]["end"] == today.isoformat()


def test_the_overview_figures_are_cached_until_the_rollup_job_rebuilds_a_day(
    two_operators, settings, signed_in, django_capture_on_commit_callbacks
):
    # given A has read its overview once (k = 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PORTAL_K_ANONYMITY = 2
    a, drama, channel = two_operators["a"], two_operators["drama_a"], two_operators["a_channel"]
    client = signed_in(two_operators["a_user"])
    first = client.get("/portal/overview.json", PERIOD).json()

    # when it reads it again, as HTML and as JSON, the figures come from the cache: no rollup is read
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/portal/", PERIOD).status_code == 200
        assert client.get("/portal/overview.json", PERIOD).json() == first
    assert not [q for q in queries.captured_queries if "rollup" in q["sql"] and "cursor" not in q["sql"]]

    # and once the job has folded a new event into the day, the next read shows it
    events_create([event(a, "impression", "a-user-new", drama, at=local(DAY, 9), channel=channel)])
    with django_capture_on_commit_callbacks(execute=True):
        rollups_refresh()
    assert client.get("/portal/overview.json", PERIOD).json()["kpis"]["impressions"] == first["kpis"]["impressions"] + 1

    # and a lost version (the cache emptied) is never taken for the one the figures were read under
    from django.core.cache import cache

    from portal.services import ROLLUP_VERSION_KEY

    cache.delete(ROLLUP_VERSION_KEY)
    with CaptureQueriesContext(connection) as queries:
        client.get("/portal/overview.json", PERIOD)
    assert [q for q in queries.captured_queries if "portal_dailychannelrollup" in q["sql"]]


def test_the_overview_page_keeps_its_figures_with_them_yet_shows_names_languages_and_new_days_at_once(
    two_operators, settings, signed_in, django_capture_on_commit_callbacks
):
    # given A has seen its overview page once, in English (k = 2)
    settings.PORTAL_K_ANONYMITY = 2
    a, drama, channel = two_operators["a"], two_operators["drama_a"], two_operators["a_channel"]
    client = signed_in(two_operators["a_user"])
    first = client.get("/portal/", PERIOD).content.decode()
    assert 'id="kpi-heading">From' in first and "op-a channel 1" in first

    # when the channel is renamed, the page shows the new name on the next visit (the figures stay cached)
    channel.name = "Drama Nights <TH>"
    channel.save()
    renamed = client.get("/portal/", PERIOD).content.decode()
    assert "Drama Nights &lt;TH&gt;" in renamed and "op-a channel 1" not in renamed

    # and in another language, the figures' part comes in that language
    client.post("/portal/language/", {"language": "ar"})
    arabic = client.get("/portal/", PERIOD).content.decode()
    assert 'id="kpi-heading">From' not in arabic and 'dir="rtl"' in arabic
    client.post("/portal/language/", {"language": "en"})

    # and once the job has folded a new impression into the day, the page's figures and chart data show it
    def impressions(page):
        data = page.split('<script id="data-overview" type="application/json">')[1].split("</script>")[0]
        return json.loads(data)["kpis"]["impressions"]

    events_create([event(a, "impression", "a-user-late", drama, at=local(DAY, 9), channel=channel)])
    with django_capture_on_commit_callbacks(execute=True):
        rollups_refresh()
    assert impressions(client.get("/portal/", PERIOD).content.decode()) == impressions(renamed) + 1

    # and B, reading the same period, never gets A's cached part
    b_page = signed_in(two_operators["b_user"]).get("/portal/", PERIOD).content.decode()
    assert "Drama Nights" not in b_page and "op-b channel 1" in b_page


def _rollup_cells(operator, channels):
    """Channel and revenue rollup rows over three days, two countries, three languages (one on no channel) and
    two currencies (few payers in USD), with counts that differ cell by cell; the channels speak th and en, the
    operator th."""
    from portal.tests.factories import operator_with_member

    other, _user, other_channels = operator_with_member("other-op")
    numbers = itertools.count(3)
    for day, channel, country in itertools.product(
        [DAY - dt.timedelta(days=1), DAY, DAY + dt.timedelta(days=1)], [*channels, None], ["TH", "LA"]
    ):
        languages = [channel.languages[0]] if channel else ["th", "ms"]
        for language in languages:
            n = next(numbers)
            DailyChannelRollup.objects.create(
                organization=operator, day=day, channel=channel, country=country, language=language,
                impressions=n * 7, starts=n * 5, completes=n * 3, unlocks=n % 4, viewers=n % 17 + 1, players=n * 2,
                starters=n + 1, paywall_reached=n % 9, unlockers=n % 4, finishers=n % 3,
            )  # fmt: skip
        for currency in ["THB", "USD"] if country == "TH" else ["THB"]:
            n = next(numbers)
            DailyRevenueRollup.objects.create(organization=operator, day=day, channel=channel, country=country,
                                              currency=currency, unlocks=n % 5 + 1,
                                              payers=n % 13 + 1 if currency == "THB" else n % 3 + 1,
                                              revenue_minor=n * 1000)  # fmt: skip
    # another operator's rows on the same days never count
    DailyChannelRollup.objects.create(organization=other, day=DAY, channel=other_channels[0], country="TH",
                                      language="th", impressions=10**6, starts=10**6, viewers=10**6)  # fmt: skip
    DailyRevenueRollup.objects.create(organization=other, day=DAY, channel=other_channels[0], country="TH",
                                      currency="THB", unlocks=10**6, payers=10**6, revenue_minor=10**9)  # fmt: skip


@pytest.mark.parametrize(
    "narrowing",
    [{}, {"channel": 0}, {"channel": 1}, {"territory": "LA"}, {"language": "en"}, {"language": "th"},
     {"language": "ms"}, {"channel": 0, "territory": "TH", "language": "th"}, {"territory": "TH", "language": "xx"}],
)  # fmt: skip
def test_the_overview_figures_are_what_the_rollup_rows_add_up_to(db, narrowing):
    from django.db.models import Max, Q, Sum

    from portal.selectors import COUNTERS, PortalScope, _kpis, _overview_figures, _shown, _sums
    from portal.tests.factories import operator_with_member

    # given an operator's rollup rows on two channels (th, en) and on no channel (th, ms), k = 8
    operator, _user, channels = operator_with_member("sums-op", languages=("th",), channels=2)
    channels[1].languages = ["en"]
    channels[1].save()
    _rollup_cells(operator, channels)
    channel_ids = (channels[narrowing["channel"]].pk,) if "channel" in narrowing else ()
    scope = PortalScope(organization=operator, start=DAY - dt.timedelta(days=1), end=DAY + dt.timedelta(days=2),
                        k=8, channel_ids=channel_ids, territory=narrowing.get("territory", ""),
                        language=narrowing.get("language", ""))  # fmt: skip

    # when the overview's figures are read
    figures = _overview_figures(scope)

    # then each is what the ORM adds up from the same rows, per day, channel and language
    rows = scope.narrow(DailyChannelRollup.objects.all())
    assert figures["kpis"] == _kpis(_sums(rows, *COUNTERS), days=4, k=8)
    assert figures["by_channel"] == [
        {"channel_id": channel_id, **_kpis(_sums(rows.filter(channel_id=channel_id), *COUNTERS), days=4, k=8)}
        for channel_id in sorted(set(rows.values_list("channel_id", flat=True)), key=lambda c: (c is None, c or 0))
    ]
    assert figures["by_language"] == [
        {"language": language, **_kpis(_sums(rows.filter(language=language), *COUNTERS), days=4, k=8)}
        for language in sorted(set(rows.values_list("language", flat=True)))
    ]
    for trend in figures["trend"]:
        day_sums = _sums(rows.filter(day=trend["day"]), *COUNTERS)
        floor = day_sums["floor"] if day_sums["floor"] is not None else 0
        assert trend == {"day": trend["day"], **{name: _shown(day_sums[name], floor, 8) for name in
                                                   ("impressions", "starts", "viewers", "completes", "unlocks")}}  # fmt: skip
    assert [t["day"] for t in figures["trend"]] == [(DAY + dt.timedelta(days=n)).isoformat() for n in range(-1, 3)]
    revenue = DailyRevenueRollup.objects.filter(organization=operator, day__gte=scope.start, day__lte=scope.end)
    if channel_ids:
        revenue = revenue.filter(channel_id__in=channel_ids)
    if scope.territory:
        revenue = revenue.filter(country=scope.territory)
    if scope.language:
        revenue = revenue.filter(
            Q(channel__languages__0=scope.language) | Q(channel__isnull=True, organization__languages__0=scope.language)
        )
    assert figures["revenue"] == [
        {"currency": row["currency"], "amount_minor": _shown(row["amount"], row["floor"], 8),
         "unlocks": _shown(row["unlocks"], row["floor"], 8)}
        for row in revenue.values("currency").annotate(amount=Sum("revenue_minor"), unlocks=Sum("unlocks"),
                                                       floor=Max("payers")).order_by("currency")
    ]  # fmt: skip
    # and the cases are not empty: the rows match, and k hides some figures while others show
    if narrowing.get("language") not in ("xx", "ms"):
        assert figures["by_channel"] and figures["revenue"]
    if not narrowing:
        cells = [v for row in figures["by_channel"] for n, v in row.items() if n != "channel_id"]
        assert None in cells and any(v is not None for v in cells)
        assert {row["amount_minor"] is None for row in figures["revenue"]} == {True, False}
