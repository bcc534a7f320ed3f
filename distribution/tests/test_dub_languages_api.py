"""The audio languages of the title and episode payloads: the original and the packaged dubs, as the
caller's window allows them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.tests.factories import EpisodeFactory
from distribution.tests.test_titles_api import licensed_title

pytestmark = [pytest.mark.django_db]


def packaged_dubs(episode, *languages: str, status: str = "ready") -> None:
    """Dub renditions of the episode's READY ladder in `languages` (rows only: no files are served here)."""
    from localization.models import DubRendition, DubTrack, DubVersion
    from media.models import Ladder

    ladder, _ = Ladder.objects.get_or_create(
        episode=episode, profile="vertical", source_checksum="c" * 64, defaults={"status": "ready",
                                                                                  "storage_prefix": "hls/x"}
    )  # fmt: skip
    for language in languages:
        track = DubTrack.objects.create(episode=episode, language=language)
        version = DubVersion.objects.create(track=track, number=1, status="live", source="s", checksum_sha256="0")
        DubRendition.objects.create(ladder=ladder, track=track, version=version, status=status, storage_prefix="p")


@pytest.mark.parametrize(
    ("window", "episode_languages", "title_languages"),
    [
        ({}, [["zh-Hans", "th", "yue"], ["zh-Hans"]], ["zh-Hans", "th", "yue"]),
        ({"audio_languages": ["zh-Hans", "yue"]}, [["zh-Hans", "yue"], ["zh-Hans"]], ["zh-Hans", "yue"]),
        ({"holdback_languages": ["yue"]}, [["zh-Hans", "th"], ["zh-Hans"]], ["zh-Hans", "th"]),
        ({"audio_languages": ["yue"]}, [["yue"], []], ["yue"]),
    ],
)
def test_payloads_list_the_audio_languages_the_window_allows(
    client_for, partner, window, episode_languages, title_languages
):
    # given a Mandarin title whose first episode has Thai and Cantonese dubs packaged, the second one building
    drama = licensed_title(partner, episodes=2, **window)
    first, second = drama.episodes.order_by("number")
    packaged_dubs(first, "th", "yue")
    packaged_dubs(second, "ko", status="building")
    client = client_for(partner)

    # when the title and its episodes are asked for
    title = client.get(f"/api/v1/titles/{drama.pk}/?territory=TH").json()
    episodes = client.get(f"/api/v1/titles/{drama.pk}/episodes/?territory=TH").json()

    # then each lists only what exists for playback and the window allows
    assert [e["audio_languages"] for e in episodes["results"]] == episode_languages
    assert [e["audio_languages"] for e in title["episodes"]] == episode_languages
    assert title["audio_languages"] == title_languages


def test_more_dubbed_episodes_cost_no_more_queries(client_for, partner):
    # given a title with two episodes, one dubbed
    drama = licensed_title(partner, episodes=2)
    packaged_dubs(drama.episodes.order_by("number").first(), "th")
    client = client_for(partner)
    url = f"/api/v1/titles/{drama.pk}/episodes/?territory=TH"
    client.get(url)  # the key's first use is recorded once
    with CaptureQueriesContext(connection) as two_episodes:
        client.get(url)

    # when three more dubbed episodes are added
    for number in (3, 4, 5):
        packaged_dubs(EpisodeFactory(drama=drama, number=number), "th", "yue")
    with CaptureQueriesContext(connection) as five_episodes:
        body = client.get(url).json()

    # then the answer grows and the query count does not
    assert [e["audio_languages"] for e in body["results"]][2:] == [["zh-Hans", "th", "yue"]] * 3
    assert len(five_episodes.captured_queries) == len(two_episodes.captured_queries)
