import pytest
from lxml import etree

from catalog.models import Drama
from catalog.tests.factories import EpisodeFactory
from media.models import Ladder
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db


def episode_licensed_to(licensee, *, ready=True, number=1, **window):
    drama = drama_with_rights_in()
    Drama.objects.filter(pk=drama.pk).update(status="published")
    episode = EpisodeFactory(drama=drama, number=number)
    if ready:
        Ladder.objects.create(
            episode=episode,
            profile="vertical",
            source_checksum="abc",
            status="ready",
            storage_prefix=f"hls/{episode.pk}",
        )
    window.setdefault("territories", ["TH"])
    grant_out(drama, licensee, **window)
    return episode


def test_playback_gives_a_signed_expiring_master_playlist_url(client_for, partner):
    episode = episode_licensed_to(partner)

    response = client_for(partner).get(f"/api/v1/episodes/{episode.pk}/playback/?territory=TH")

    assert response.status_code == 200
    body = response.json()
    assert body["url"].startswith(f"http://127.0.0.1:8000/media-delivery/hls/{episode.pk}/")
    assert body["url"].endswith("/master.m3u8")
    assert body["expires_at"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "setup, territory, status, code",
    [
        ({"ready": False}, "TH", 409, "not_ready"),
        ({}, "BR", 403, "territory_not_licensed"),
        ({"start": at(3650)}, "TH", 403, "outside_window"),
        ({"start": at(-30), "end": at(-1)}, "TH", 403, "outside_window"),
        ({"number": 30, "episode_end": 20}, "TH", 403, "outside_window"),
    ],
)
def test_playback_refusals_have_distinct_codes(client_for, partner, setup, territory, status, code):
    episode = episode_licensed_to(partner, **setup)

    response = client_for(partner).get(f"/api/v1/episodes/{episode.pk}/playback/?territory={territory}")

    assert response.status_code == status
    assert response.json()["code"] == code


def test_playback_of_an_episode_without_any_window_of_the_caller_is_a_plain_404(client_for, partner, other_partner):
    theirs = episode_licensed_to(other_partner)
    client = client_for(partner)

    foreign = client.get(f"/api/v1/episodes/{theirs.pk}/playback/?territory=TH")
    missing = client.get("/api/v1/episodes/987654321/playback/?territory=TH")
    huge = client.get(f"/api/v1/episodes/{2**64}/playback/?territory=TH")

    assert foreign.status_code == missing.status_code == huge.status_code == 404
    assert foreign.content == missing.content == huge.content


def test_avails_lists_only_the_callers_windows_as_ema_xml(client_for, partner, other_partner):
    mine = episode_licensed_to(partner).drama
    theirs = episode_licensed_to(other_partner).drama

    response = client_for(partner).get("/api/v1/avails/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    text = etree.tostring(root, encoding="unicode")
    assert mine.original_title in text
    assert theirs.original_title not in text
    assert etree.QName(root).localname == "AvailList"
