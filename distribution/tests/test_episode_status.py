"""A withheld episode, as partners meet it: left out of titles, refused at playback, announced as a change."""

import datetime as dt

import feedparser
import pytest
from django.utils import timezone

from catalog.models import Drama, Episode, EpisodeStatus
from catalog.services import episode_status_set
from catalog.tests.factories import EpisodeFactory
from media.models import Ladder
from rights.tests.factories import drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db


def licensed_title(licensee, *, episodes=3, ready=False):
    drama = drama_with_rights_in()
    Drama.objects.filter(pk=drama.pk).update(status="published")
    for number in range(1, episodes + 1):
        episode = EpisodeFactory(drama=drama, number=number)
        if ready:
            Ladder.objects.create(
                episode=episode, profile="vertical", source_checksum="abc", status="ready",
                storage_prefix=f"hls/{episode.pk}",
            )  # fmt: skip
    grant_out(drama, licensee, territories=["TH"])
    drama.refresh_from_db()
    return drama


def withhold(drama, *numbers):
    return episode_status_set(
        episodes=list(Episode.objects.filter(drama=drama, number__in=numbers)),
        status=EpisodeStatus.WITHHELD,
        reason="Re-edit requested",
    )


def backdate(when):
    from localization.models import DramaLocalization
    from rights.models import RightsEvent, RightsWindow

    Drama.objects.update(updated_at=when)
    Episode.objects.update(updated_at=when)
    DramaLocalization.objects.update(updated_at=when)
    RightsEvent.objects.update(created_at=when)
    RightsWindow.objects.update(updated_at=when)


def test_a_withheld_episode_is_left_out_of_the_title_and_every_episode_count(client_for, partner):
    # given a title of three episodes, the second withheld
    drama = licensed_title(partner)
    withhold(drama, 2)
    client = client_for(partner)

    # when the partner reads the title, its episodes and the list
    detail = client.get(f"/api/v1/titles/{drama.pk}/?territory=TH").json()
    episodes = client.get(f"/api/v1/titles/{drama.pk}/episodes/?territory=TH").json()
    listed = client.get("/api/v1/titles/?territory=TH").json()["results"]
    filtered = client.get("/api/v1/titles/?territory=TH&format=vertical").json()["results"]

    # then episode 2 is nowhere, and every count says two
    assert [e["number"] for e in detail["episodes"]] == [1, 3]
    assert [e["number"] for e in episodes["results"]] == [1, 3]
    assert detail["episode_count"] == listed[0]["episode_count"] == filtered[0]["episode_count"] == 2


def test_withholding_moves_the_titles_etag_and_last_modified(client_for, partner):
    # given a title last changed an hour ago, and the partner's copies of its pages
    drama = licensed_title(partner)
    backdate(timezone.now() - dt.timedelta(hours=1))
    client = client_for(partner)
    paths = [f"/api/v1/titles/{drama.pk}/?territory=TH", f"/api/v1/titles/{drama.pk}/episodes/?territory=TH",
             "/api/v1/titles/?territory=TH"]  # fmt: skip
    before = {path: client.get(path) for path in paths}
    assert {client.get(p, HTTP_IF_NONE_MATCH=r["ETag"]).status_code for p, r in before.items()} == {304}

    # when an episode is withheld
    withhold(drama, 3)

    # then no conditional GET answers 304: the ETag and the date moved
    for path, response in before.items():
        by_etag = client.get(path, HTTP_IF_NONE_MATCH=response["ETag"])
        by_date = client.get(path, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
        assert by_etag.status_code == by_date.status_code == 200, path
        assert by_etag["ETag"] != response["ETag"], path


def test_the_changes_feed_shows_the_title_updated_when_an_episode_is_withheld(client_for, partner, settings):
    settings.MIGU_CHANGES_SETTLE_SECONDS = 0
    # given a partner whose feed is drained
    drama = licensed_title(partner)
    client = client_for(partner)
    cursor = client.get("/api/v1/changes/").json()["next_cursor"]
    assert client.get(f"/api/v1/changes/?cursor={cursor}").json()["results"] == []

    # when an episode is withheld
    withhold(drama, 1)

    # then the feed names the title as updated, still shown where it was
    results = client.get(f"/api/v1/changes/?cursor={cursor}").json()["results"]
    assert [(r["title_id"], r["change"], r["territories"]) for r in results] == [(drama.pk, "updated", ["TH"])]


def test_playback_of_a_withheld_episode_is_refused_with_its_own_code(client_for, partner):
    # given a playable title with episode 2 withheld
    drama = licensed_title(partner, ready=True)
    withhold(drama, 2)
    first, second = (Episode.objects.get(drama=drama, number=n) for n in (1, 2))
    client = client_for(partner)

    # when the partner asks to play each
    allowed = client.get(f"/api/v1/episodes/{first.pk}/playback/?territory=TH")
    refused = client.get(f"/api/v1/episodes/{second.pk}/playback/?territory=TH")

    # then the withheld one is refused, saying so
    assert allowed.status_code == 200
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "episode_withheld",
        "detail": "Episode 2 has been withheld by the licensor and cannot be played.",
        "episode_id": second.pk,
    }


def test_a_withheld_episode_of_another_tenant_is_the_same_404_as_a_missing_one(client_for, partner, other_partner):
    theirs = licensed_title(other_partner, ready=True)
    withhold(theirs, 1)
    client = client_for(partner)

    foreign = client.get(f"/api/v1/episodes/{Episode.objects.get(drama=theirs, number=1).pk}/playback/?territory=TH")
    missing = client.get("/api/v1/episodes/987654321/playback/?territory=TH")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content


def test_making_the_episode_available_again_brings_it_back(client_for, partner):
    drama = licensed_title(partner, ready=True)
    withhold(drama, 2)

    episode_status_set(episodes=list(drama.episodes.all()), status=EpisodeStatus.AVAILABLE)

    client = client_for(partner)
    detail = client.get(f"/api/v1/titles/{drama.pk}/?territory=TH").json()
    second = Episode.objects.get(drama=drama, number=2)
    assert [e["number"] for e in detail["episodes"]] == [1, 2, 3]
    assert client.get(f"/api/v1/episodes/{second.pk}/playback/?territory=TH").status_code == 200


def test_the_mrss_item_of_a_title_is_dated_by_its_withholding(client_for, partner):
    # given a title in the feed, last changed a day ago
    drama = licensed_title(partner)
    backdate(timezone.now() - dt.timedelta(days=1))
    client = client_for(partner)
    before = feedparser.parse(client.get("/api/v1/feeds/mrss/?territory=TH").content).entries[0]

    # when an episode is withheld
    withhold(drama, 1)

    # then the title's item is still there (its other episodes are), with a new date
    after = feedparser.parse(client.get("/api/v1/feeds/mrss/?territory=TH").content).entries
    assert [e.guid for e in after] == [f"migu:title:{drama.pk}"]
    assert after[0].published_parsed > before.published_parsed


def test_the_schema_documents_the_withheld_refusal_with_the_other_playback_refusals(client):
    schema = client.get("/api/schema/?format=json", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    refusals = schema["paths"]["/api/v1/episodes/{id}/playback/"]["get"]["responses"]["403"]
    examples = refusals["content"]["application/json"]["examples"]

    codes = {example["value"]["code"] for example in examples.values()}
    assert {"territory_not_licensed", "outside_window", "episode_withheld"} <= codes
