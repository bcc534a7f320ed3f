"""Protected delivery: playback tokens, the key endpoint, and a real ffmpeg client playing over HTTP."""

from __future__ import annotations

import re
import subprocess
import time

import boto3
import pytest
from django.test import TestCase

from media import protection
from media.errors import LadderNotReadyError
from media.ffmpeg import ffmpeg_binary
from media.models import Ladder
from media.services import playback_session_create
from media.tasks import transcode_master
from media.tests.factories import episode_make, licensed_to, master_upload
from migu_platform.api.error_responses import status_for
from partners.tests.factories import OrganizationFactory


def build_ladder(episode, source):
    _master, job = master_upload(episode, source)
    with TestCase.captureOnCommitCallbacks(execute=True):
        transcode_master.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return Ladder.objects.get(episode=episode, status="ready")


def token_for(organization, episode, *, territory="TH", expires_in=600) -> str:
    claims = protection.PlaybackClaims(
        organization_id=organization.pk,
        episode_id=episode.pk,
        territory=territory,
        expires_at=int(time.time()) + expires_in,
    )
    return protection.token_sign(claims)


def hls_url(episode_id: int, token: str, path: str) -> str:
    return f"/media-delivery/hls/{episode_id}/{token}/{path}"


def ffmpeg_play(url: str, program: int) -> tuple[int, str, int]:
    """Decode one variant of a master playlist to the end; (exit code, errors, frames decoded)."""
    # The static ffmpeg build cannot resolve host names (no NSS); the server listens on loopback.
    url = url.replace("//localhost:", "//127.0.0.1:")
    result = subprocess.run(
        [ffmpeg_binary(), "-nostdin", "-v", "error", "-xerror", "-protocol_whitelist", "http,tcp,crypto,https,tls",
         "-i", url, "-map", f"0:p:{program}:v", "-map", f"0:p:{program}:a", "-f", "null", "-progress", "pipe:1", "-"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    frames = [int(v) for v in re.findall(r"^frame=(\d+)$", result.stdout, re.M)]
    return result.returncode, result.stderr, frames[-1] if frames else 0


@pytest.mark.django_db
def test_no_session_without_a_finished_ladder(partner):
    # given an episode whose master is not transcoded
    episode = episode_make()

    # when a playback session is asked for, then it is refused as not ready (a conflict: 409 in the API)
    with pytest.raises(LadderNotReadyError) as caught:
        playback_session_create(organization=partner, episode=episode, territory="TH")
    assert caught.value.code == "not_ready" and status_for(caught.value) == 409


@pytest.mark.django_db
def test_tokens_that_are_expired_tampered_or_foreign_are_refused(client, partner, media_sources):
    # given a live ladder for one episode and another episode
    episode = episode_make(number=1)
    other = episode_make(number=2)
    build_ladder(episode, media_sources["vertical"])
    licensed_to(partner, episode, territories=("TH",))
    good = token_for(partner, episode)
    inactive = OrganizationFactory(kind="partner", slug="gone", is_active=False)
    tampered = good[:-1] + ("A" if good[-1] != "A" else "B")
    # a token whose payload was edited to another territory, keeping the signature
    retargeted = good.replace(".TH.", ".US.")
    cases = [
        (hls_url(episode.pk, token_for(partner, episode, expires_in=-1), "master.m3u8"), "token_expired"),
        (hls_url(episode.pk, tampered, "master.m3u8"), "token_invalid"),
        (hls_url(episode.pk, retargeted, "master.m3u8"), "token_invalid"),
        (hls_url(episode.pk, "not-a-token", "master.m3u8"), "token_invalid"),
        (hls_url(other.pk, good, "master.m3u8"), "token_invalid"),
        (hls_url(episode.pk, token_for(inactive, episode), "master.m3u8"), "token_invalid"),
        (hls_url(episode.pk, tampered, "key"), "token_invalid"),
        (hls_url(episode.pk, token_for(partner, episode, expires_in=-1), "key"), "token_expired"),
        (hls_url(episode.pk, tampered, "v0/seg_00000.m4s"), "token_invalid"),
    ]

    # a well-signed token for a territory the partner holds no window in
    elsewhere = token_for(partner, episode, territory="US")
    cases += [
        (hls_url(episode.pk, elsewhere, "master.m3u8"), "territory_not_licensed"),
        (hls_url(episode.pk, elsewhere, "key"), "territory_not_licensed"),
    ]

    # when each is used, then it is refused with its code
    for url, code in cases:
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == code, url

    # and the good token opens the playlist and the key, but nothing outside the ladder
    assert client.get(hls_url(episode.pk, good, "master.m3u8")).status_code == 200
    key = client.get(hls_url(episode.pk, good, "key"))
    assert key.status_code == 200 and len(key.content) == 16 and key["Cache-Control"] == "private, no-store"
    assert client.get(hls_url(episode.pk, good, "../../masters")).status_code == 404
    assert client.get(hls_url(episode.pk, good, "v0/../../x.m4s")).status_code == 404


@pytest.mark.django_db
def test_a_window_revoked_after_the_token_was_issued_stops_playback(client, partner, media_sources):
    from rights.services import rights_window_revoke

    # given a live ladder, a window and a session issued while it was open
    episode = episode_make()
    build_ladder(episode, media_sources["vertical"])
    window = licensed_to(partner, episode, territories=("TH",))
    session = playback_session_create(organization=partner, episode=episode, territory="TH")
    key_url = session.url.replace("master.m3u8", "key")
    assert client.get(session.url).status_code == 200 and client.get(key_url).status_code == 200

    # when the window is revoked
    rights_window_revoke(window=window)

    # then the same token opens neither the master playlist nor the key
    for url in (session.url, key_url):
        response = client.get(url)
        assert response.status_code == 403 and response.json()["code"] == "territory_not_licensed"


@pytest.mark.django_db
def test_an_episode_withheld_after_the_token_was_issued_stops_playback(client, partner, media_sources):
    from catalog.models import EpisodeStatus
    from catalog.services import episode_status_set

    # given a live ladder, a window and a session issued while the episode was available
    episode = episode_make()
    build_ladder(episode, media_sources["vertical"])
    licensed_to(partner, episode, territories=("TH",))
    session = playback_session_create(organization=partner, episode=episode, territory="TH")
    key_url = session.url.replace("master.m3u8", "key")
    assert client.get(session.url).status_code == 200 and client.get(key_url).status_code == 200

    # when the licensor withholds the episode
    episode_status_set(episodes=[episode], status=EpisodeStatus.WITHHELD, reason="Re-edit requested")

    # then the same token opens neither the master playlist nor the key, saying why
    for url in (session.url, key_url):
        response = client.get(url)
        assert response.status_code == 403 and response.json()["code"] == "episode_withheld", url

    # and once it is available again, the token plays again
    episode_status_set(episodes=[episode], status=EpisodeStatus.AVAILABLE)
    assert client.get(session.url).status_code == 200 and client.get(key_url).status_code == 200


@pytest.mark.django_db
def test_the_variant_playlist_points_at_the_token_checked_key(client, partner, media_sources):
    # given a live ladder and a session
    episode = episode_make()
    build_ladder(episode, media_sources["vertical"])
    session = playback_session_create(organization=partner, episode=episode, territory="th", ttl_seconds=60)

    # when the variant playlist is fetched through the session URL
    variant = client.get(session.url.replace("master.m3u8", "v0/index.m3u8")).content.decode()

    # then its key URI is the key endpoint under the same token
    token = session.url.split("/")[-2]
    assert f'URI="/media-delivery/hls/{episode.pk}/{token}/key"' in variant
    assert protection.token_verify(token).territory == "TH"
    assert 50 <= (session.expires_at.timestamp() - time.time()) <= 61


@pytest.mark.slow
def test_ffmpeg_plays_every_variant_over_http_with_a_playback_token(live_server, transactional_db, media_sources):
    # given a two-rung ladder (540×960 source) served by the running app
    partner = OrganizationFactory(kind="partner", slug="player")
    episode = episode_make()
    licensed_to(partner, episode)
    ladder = build_ladder(episode, media_sources["vertical_540"])
    assert ladder.renditions.count() == 2
    session = playback_session_create(organization=partner, episode=episode, territory="TH")

    # when ffmpeg reads the master playlist over HTTP, fetches the key and decodes each variant
    for program in range(2):
        code, errors, frames = ffmpeg_play(live_server.url + session.url, program)

        # then it decodes to the end without an error
        assert code == 0 and errors.strip() == "", errors
        assert frames >= 59  # 2 s at 30 fps


@pytest.mark.slow
def test_a_stale_token_cannot_play(live_server, transactional_db, media_sources):
    # given a ladder and a token that expired
    partner = OrganizationFactory(kind="partner", slug="late")
    episode = episode_make()
    build_ladder(episode, media_sources["vertical"])
    url = live_server.url + hls_url(episode.pk, token_for(partner, episode, expires_in=-5), "master.m3u8")

    # when ffmpeg tries, then it fails
    code, errors, _frames = ffmpeg_play(url, 0)
    assert code != 0 and "403" in errors


@pytest.fixture
def s3_storage(settings):
    """A real S3-compatible HTTP server on loopback (moto in server mode) as the default storage."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=endpoint, **credentials)
    client.create_bucket(Bucket="migu-media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "migu-media",
                "endpoint_url": endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": True,
                "default_acl": None,
            },
        },
    }
    yield client
    server.stop()


@pytest.mark.slow
def test_s3_ladder_plays_through_presigned_segment_urls(live_server, transactional_db, media_sources, s3_storage):
    # given S3 storage and a master transcoded into it
    partner = OrganizationFactory(kind="partner", slug="s3-player")
    episode = episode_make()
    licensed_to(partner, episode)
    ladder = build_ladder(episode, media_sources["vertical"])
    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket="migu-media")["Contents"]]
    assert any(k.startswith("masters/") for k in keys)
    assert f"{ladder.storage_prefix}/v0/seg_00000.m4s" in keys
    session = playback_session_create(organization=partner, episode=episode, territory="TH")

    # when the variant playlist is fetched, then its segments are presigned S3 URLs
    import requests

    variant = requests.get(live_server.url + session.url.replace("master.m3u8", "v0/index.m3u8"), timeout=10).text
    assert "Signature=" in variant and "/migu-media/" in variant

    # and ffmpeg plays it to the end, segments straight from S3
    code, errors, frames = ffmpeg_play(live_server.url + session.url, 0)
    assert code == 0 and errors.strip() == "", errors
    assert frames >= 59


def test_a_token_written_in_other_digits_is_malformed():
    # given a well-signed token, when its ids are rewritten in Arabic-Indic digits (int() would read the same ids)
    token = protection.token_sign(
        protection.PlaybackClaims(organization_id=12, episode_id=34, territory="TH", expires_at=int(time.time()) + 60)
    )
    assert protection.token_verify(token).episode_id == 34
    rewritten = token.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    # then it is refused as malformed before its signature is read
    with pytest.raises(protection.TokenRefused) as refused:
        protection.token_verify(rewritten)
    assert str(refused.value) == "The playback token is malformed."
