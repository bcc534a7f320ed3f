"""Episodes in the admin with their ladder: no dead master file field, the ladder's state per row in one
query, and the preview page minting a playback token the delivery endpoint honours for the drama's owner."""

from __future__ import annotations

import re

import pytest
from django.test import TestCase

from catalog.models import Episode
from catalog.tests.factories import drama_with_episodes
from jobs.models import Job, JobStatus
from jobs.services import job_fail
from media.models import Ladder
from media.tasks import transcode_master
from media.tests.factories import master_upload
from tests.admin_helpers import staff_user

pytestmark = pytest.mark.django_db


def transcoded(episode, source) -> Ladder:
    _master, job = master_upload(episode, source)
    with TestCase.captureOnCommitCallbacks(execute=False):  # the quality job is not needed here
        transcode_master.apply(args=[job.pk])
    return Ladder.objects.get(episode=episode, status="ready")


def test_the_episode_page_has_no_master_file_field_but_the_ways_that_transcode(admin_client):
    # given an episode
    episode = drama_with_episodes(1).episodes.get()

    # when its page is opened
    html = admin_client.get(f"/admin/catalog/episode/{episode.pk}/change/").content.decode()

    # then there is no file field saving a master that never transcodes, and no "Currently:" link to a 404
    assert 'name="master"' not in html and "Currently:" not in html
    assert f'href="/admin/media/master/add/?episode={episode.pk}"' in html
    assert f'href="/admin/media/master/bulk/{episode.drama_id}/"' in html


def test_the_drama_page_links_the_bulk_upload_and_lists_no_master_field(admin_client):
    drama = drama_with_episodes(2)
    html = admin_client.get(f"/admin/catalog/drama/{drama.pk}/change/").content.decode()
    assert f'href="/admin/media/master/bulk/{drama.pk}/"' in html
    assert "episodes-0-master" not in html and "field-ladder" in html


def test_the_episode_list_shows_each_ladder_state_in_a_fixed_number_of_queries(
    admin_client, media_sources, django_assert_max_num_queries
):
    # given episodes transcoding, failed, live with two rungs, and without a master
    drama = drama_with_episodes(4)
    episodes = {e.number: e for e in drama.episodes.all()}
    _m, running = master_upload(episodes[1], media_sources["vertical"])
    Job.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING, progress=37)
    _m, failed = master_upload(episodes[2], media_sources["vertical"])
    job_fail(job=failed, code="corrupt", error="The master does not decode to the end")
    transcoded(episodes[3], media_sources["vertical_540"])
    admin_client.get("/admin/catalog/episode/")

    # when the list is shown (and again with more episodes)
    with django_assert_max_num_queries(9) as few:
        html = admin_client.get("/admin/catalog/episode/").content.decode()
    drama_with_episodes(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get("/admin/catalog/episode/")

    # then each row says where its ladder is
    cells = {}
    for row in html.split("<tr")[1:]:
        link = re.search(r"/admin/catalog/episode/(\d+)/change/", row)
        cell = re.search(r'<td class="field-ladder">(.*?)</td>', row, re.S)
        if link and cell:
            cells[int(link.group(1))] = cell.group(1)
    assert "37% transcoding" in cells[episodes[1].pk]
    assert "transcode failed: corrupt" in cells[episodes[2].pk]
    assert "ready · 2 rungs" in cells[episodes[3].pk]
    assert f'href="/admin/media/ladder/preview/{episodes[3].pk}/"' in cells[episodes[3].pk]
    assert cells[episodes[4].pk] == "—"

    # and the drama's episode table says the same, in as many queries for 4 episodes as for 34
    admin_client.get(f"/admin/catalog/drama/{drama.pk}/change/")
    with django_assert_max_num_queries(60) as drama_page:
        page = admin_client.get(f"/admin/catalog/drama/{drama.pk}/change/").content.decode()
    assert "37% transcoding" in page and "transcode failed: corrupt" in page and "ready · 2 rungs" in page
    Episode.objects.bulk_create(Episode(drama=drama, number=n, duration_seconds=90) for n in range(5, 35))
    with django_assert_max_num_queries(len(drama_page.captured_queries)):
        admin_client.get(f"/admin/catalog/drama/{drama.pk}/change/")


def test_the_preview_page_plays_the_ladder_through_a_token_the_owner_may_use(admin_client, client, media_sources):
    # given an episode with a live two-rung ladder and no rights window out to anyone
    episode = drama_with_episodes(1).episodes.get()
    ladder = transcoded(episode, media_sources["vertical_540"])

    # when its preview page is opened
    html = admin_client.get(f"/admin/media/ladder/preview/{episode.pk}/").content.decode()

    # then it loads the vendored hls.js, lists both rungs, and its token plays for the drama's owner
    assert '<script src="/static/vendor/hls.js/hls.min.js">' in html
    assert "540×960" in html and "360×640" in html
    url = re.search(r'"(/media-delivery/hls/\d+/[^"]+/master\.m3u8)"', html).group(1)
    playlist = client.get(url)
    assert playlist.status_code == 200 and "#EXT-X-STREAM-INF" in playlist.content.decode()
    assert client.get(url.replace("master.m3u8", "key")).status_code == 200
    assert client.get(url.replace("master.m3u8", "poster.jpg")).status_code == 200
    assert ladder.renditions.count() == 2


def test_the_preview_page_of_an_episode_without_a_ladder_says_so(admin_client):
    episode = drama_with_episodes(1).episodes.get()
    response = admin_client.get(f"/admin/media/ladder/preview/{episode.pk}/")
    assert response.status_code == 200
    assert "has no playable ladder yet" in response.content.decode()
    assert admin_client.get("/admin/media/ladder/preview/999999/").status_code == 404


@pytest.mark.parametrize(("role", "status"), [("content", 200), ("rights", 403)])
def test_the_preview_page_is_for_those_who_may_see_ladders(client, role, status):
    client.force_login(staff_user(role))
    episode = drama_with_episodes(1).episodes.get()
    assert client.get(f"/admin/media/ladder/preview/{episode.pk}/").status_code == status


@pytest.mark.parametrize(
    ("whose", "withheld", "status"),
    [
        ("owner", False, 404),  # let through: the (test) ladder has no files
        ("owner", True, 404),  # its own withheld episode too
        ("other licensor", False, 403),  # another drama's owner holds no window on this one
    ],
)
def test_delivery_lets_only_the_dramas_owner_play_without_a_window(client, whose, withheld, status):
    import time

    from catalog.models import EpisodeStatus
    from catalog.tests.factories import DramaFactory
    from media import protection

    # given an episode with a live ladder and no window out, and a token of its owner or of another licensor
    episode = drama_with_episodes(1).episodes.get()
    if withheld:
        Episode.objects.filter(pk=episode.pk).update(status=EpisodeStatus.WITHHELD)
    Ladder.objects.create(episode=episode, profile="vertical", source_checksum="0" * 64, status="ready",
                          storage_prefix="hls/test")  # fmt: skip
    organization = episode.drama.owner if whose == "owner" else DramaFactory().owner
    claims = protection.PlaybackClaims(
        organization_id=organization.pk, episode_id=episode.pk, territory="ZZ", expires_at=int(time.time()) + 60
    )

    # when the master playlist is asked for
    response = client.get(f"/media-delivery/hls/{episode.pk}/{protection.token_sign(claims)}/master.m3u8")

    # then only the owner gets past the rights and status checks
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "territory_not_licensed"
