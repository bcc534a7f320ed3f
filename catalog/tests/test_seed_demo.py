"""`manage.py seed_demo`: an idempotent demo catalogue that looks like the real one."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from catalog.demo import data
from catalog.demo import events as demo_events
from catalog.identifiers import is_valid_eidr, validate_alid
from catalog.models import (
    ARTWORK_ASPECTS,
    Artwork,
    Credit,
    Drama,
    DramaStatus,
    Episode,
    ExternalId,
    Genre,
    Person,
    SourceWork,
    Trope,
)
from localization.models import (
    SYNOPSIS_LONG_MAX,
    SYNOPSIS_MEDIUM_MAX,
    SYNOPSIS_SHORT_MAX,
    TITLE_MEDIUM_MAX,
    TITLE_SHORT_MAX,
    DramaLocalization,
)
from partners.models import ApiKey, Channel, Membership, Organization
from rights.models import RightsAudit, RightsEvent, RightsWindow, RightsWindowTerritory
from rights.selectors import rights_available_drama_ids
from rights.services import rights_in_missing_territories, rights_window_update

MODELS = (
    Organization, Channel, Membership, ApiKey, Group, get_user_model(), Genre, Trope, Person, SourceWork,
    Drama, Episode, Credit, Artwork, ExternalId, DramaLocalization, RightsWindow, RightsWindowTerritory,
    RightsEvent, RightsAudit,
)  # fmt: skip


@pytest.fixture
def var_dir(db, settings, tmp_path, monkeypatch) -> Path:
    # PBKDF2 costs a third of a second per password; what is tested here is which password, not how slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The demo's months of playback events (over 400,000 rows) are not what these tests check, and writing
    # and rolling them back took most of each test's time: a few viewers per channel here.
    monkeypatch.setattr(demo_events, "USERS_PER_CHANNEL", 3)
    monkeypatch.setattr(demo_events, "OPERATOR_USERS_PER_CHANNEL", 6)
    # The generated masters have a test of their own.
    settings.DEMO_MEDIA = False
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def seed(var_dir: Path) -> dict:
    call_command("seed_demo", stdout=io.StringIO())
    return json.loads((var_dir / "demo_credentials.json").read_text())


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def snapshot() -> dict[str, list]:
    """Rows whose values would move if a run rewrote them (timestamps, hashes, statuses)."""
    return {
        "dramas": list(Drama.objects.order_by("pk").values()),
        "localizations": list(DramaLocalization.objects.order_by("pk").values("pk", "updated_at")),
        "episodes": list(Episode.objects.order_by("pk").values("pk", "updated_at", "duration_seconds")),
        "keys": list(ApiKey.objects.order_by("pk").values("pk", "key_hash", "revoked_at")),
        "users": list(get_user_model().objects.order_by("pk").values("pk", "password", "is_staff")),
        "artworks": list(Artwork.objects.order_by("pk").values("pk", "image")),
        "windows": list(RightsWindow.objects.order_by("pk").values()),
    }


def test_a_second_run_changes_nothing_and_keeps_passwords_and_keys(var_dir):
    # given a seeded catalogue
    first_credentials = seed(var_dir)
    counts, rows = row_counts(), snapshot()
    # when seeding again
    second_credentials = seed(var_dir)
    # then no row was added or rewritten and the credentials are the same
    assert row_counts() == counts
    assert snapshot() == rows
    assert second_credentials == first_credentials
    assert counts["Drama"] >= 28
    assert counts["Organization"] == len(data.ORGANIZATIONS)


def test_credentials_file_matches_the_schema_and_every_key_authenticates(var_dir):
    # given a seeded catalogue
    credentials = seed(var_dir)
    # then the file has the documented shape
    assert set(credentials) == {"staff", "organizations"}
    for staff in credentials["staff"]:
        assert set(staff) == {"username", "password", "role"}
        assert len(staff["password"]) >= 12
    assert {s["role"] for s in credentials["staff"]} == {"superuser", "content", "rights", "localization"}
    organizations = credentials["organizations"]
    assert {o["kind"] for o in organizations} == {"licensor", "partner", "operator"}
    assert len({o["slug"] for o in organizations}) == Organization.objects.count()
    for organization in organizations:
        assert set(organization) == {"slug", "kind", "territories", "languages", "api_key", "users"}
        assert organization["territories"] and organization["languages"]
        assert {u["role"] for u in organization["users"]} == {"admin", "viewer"}
        for user in organization["users"]:
            assert set(user) == {"username", "password", "role"}
        # and when the organization calls the API with its key, the API knows who it is
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {organization['api_key']}")
        response = client.get("/api/v1/me/")
        assert response.status_code == 200, (organization["slug"], response.content)
        assert organization["slug"] in json.dumps(response.json())


def test_logins_work_and_carry_their_roles(var_dir):
    # given a seeded catalogue
    credentials = seed(var_dir)
    User = get_user_model()
    # then each staff user logs in with the listed password and is in the group of the role
    for staff in credentials["staff"]:
        user = User.objects.get(username=staff["username"])
        assert user.is_staff and user.check_password(staff["password"])
        if staff["role"] == "superuser":
            assert user.is_superuser
        else:
            assert list(user.groups.values_list("name", flat=True)) == [staff["role"]]
    # and every organization has exactly its admin and viewer (one organization's passwords checked:
    # they are shared, and each check costs a full PBKDF2 run)
    for organization in credentials["organizations"]:
        roles = dict(
            Membership.objects.filter(organization__slug=organization["slug"]).values_list("user__username", "role")
        )
        assert roles == {user["username"]: user["role"] for user in organization["users"]}
    for user in credentials["organizations"][0]["users"]:
        assert User.objects.get(username=user["username"]).check_password(user["password"])


def test_a_lost_credentials_file_issues_new_keys_and_revokes_the_unknown_ones(var_dir):
    # given a seeded catalogue whose credentials file is lost, and one key revoked by hand
    first = {o["slug"]: o["api_key"] for o in seed(var_dir)["organizations"]}
    (var_dir / "demo_credentials.json").unlink()
    # when seeding again
    second = {o["slug"]: o["api_key"] for o in seed(var_dir)["organizations"]}
    # then every organization has a new key that works, and the old ones are refused
    assert set(second) == set(first)
    assert all(second[slug] != first[slug] for slug in first)
    for slug in ("migu", "reelnorth"):
        old, new = APIClient(), APIClient()
        old.credentials(HTTP_AUTHORIZATION=f"Api-Key {first[slug]}")
        new.credentials(HTTP_AUTHORIZATION=f"Api-Key {second[slug]}")
        assert old.get("/api/v1/me/").status_code == 401
        assert new.get("/api/v1/me/").status_code == 200
    assert ApiKey.objects.filter(name=data.DEMO_API_KEY_NAME, revoked_at__isnull=True).count() == len(first)


def test_a_revoked_demo_key_is_replaced_on_the_next_run(var_dir):
    # given a seeded catalogue where an admin revoked one organization's demo key
    first = {o["slug"]: o["api_key"] for o in seed(var_dir)["organizations"]}
    ApiKey.objects.filter(organization__slug="haneul-tv").update(revoked_at="2026-01-01T00:00:00Z")
    # when seeding again
    second = {o["slug"]: o["api_key"] for o in seed(var_dir)["organizations"]}
    # then only that organization got a new (working) key
    assert {slug for slug in first if first[slug] != second[slug]} == {"haneul-tv"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {second['haneul-tv']}")
    assert client.get("/api/v1/me/").status_code == 200


def test_the_catalogue_looks_like_the_real_one(var_dir):
    # given a seeded catalogue
    seed(var_dir)
    dramas = list(Drama.objects.prefetch_related("localizations", "tropes", "genres", "credits"))
    # then every drama is localised in at least three languages, in the length-bounded forms
    for drama in dramas:
        localizations = {loc.language: loc for loc in drama.localizations.all()}
        assert len(localizations) >= 3, drama
        assert drama.original_language in localizations and "en" in localizations
        for loc in localizations.values():
            assert loc.title and loc.synopsis_short and loc.synopsis_medium and loc.synopsis_long, loc
            assert 0 < len(loc.title_short) <= TITLE_SHORT_MAX, loc
            assert 0 < len(loc.title_medium) <= TITLE_MEDIUM_MAX, loc
            assert len(loc.synopsis_short) <= SYNOPSIS_SHORT_MAX
            assert len(loc.synopsis_short) < len(loc.synopsis_medium) <= SYNOPSIS_MEDIUM_MAX
            assert len(loc.synopsis_medium) < len(loc.synopsis_long) <= SYNOPSIS_LONG_MAX
        assert drama.tropes.exists() and drama.genres.exists()
        assert {c.role for c in drama.credits.all()} == {"director", "writer", "producer", "actor"}
    # and the catalogue speaks the six languages and the short-drama themes
    languages = set(DramaLocalization.objects.values_list("language", flat=True))
    assert {"zh-Hans", "en", "ko", "th", "ar"} <= languages
    assert languages & {"yue", "zh-Hant-HK"}
    assert {"time-travel", "rebirth", "counterattack", "revenge", "hidden-identity", "ceo-romance"} <= set(
        Trope.objects.filter(dramas__isnull=False).values_list("slug", flat=True)
    )
    assert Drama.objects.filter(source_work__isnull=False).count() >= 10


def test_micro_dramas_have_60_to_100_short_episodes_and_series_fewer_longer_ones(var_dir):
    # given a seeded catalogue
    seed(var_dir)
    # then every drama is numbered 1..N without gaps, with durations that fit its format
    for drama in Drama.objects.all():
        episodes = list(drama.episodes.order_by("number").values_list("number", "duration_seconds"))
        assert [number for number, _ in episodes] == list(range(1, len(episodes) + 1))
        durations = [duration for _, duration in episodes]
        if drama.format == "vertical":
            assert 60 <= len(episodes) <= 100, drama
            assert all(60 <= d <= 180 for d in durations), drama
        else:
            assert len(episodes) < 60, drama
            assert all(d >= 40 * 60 for d in durations), drama
        assert drama.free_episode_count <= len(episodes)
    assert Drama.objects.filter(format="horizontal").count() >= 3
    assert Drama.objects.filter(format="vertical").count() >= 20


def test_identifiers_are_valid_and_unique(var_dir):
    # given a seeded catalogue
    seed(var_dir)
    eidrs = list(Drama.objects.values_list("eidr", flat=True))
    alids = list(Drama.objects.values_list("alid", flat=True))
    # then every drama has a valid EIDR (check character included) and ALID, also as external ids
    assert all(is_valid_eidr(eidr) for eidr in eidrs), eidrs
    for alid in alids:
        validate_alid(alid)
    assert len(set(eidrs)) == len(eidrs) and len(set(alids)) == len(alids)
    assert set(ExternalId.objects.filter(scheme="eidr").values_list("value", flat=True)) == set(eidrs)
    assert ExternalId.objects.filter(scheme="partner", organization__kind="partner").count() == len(data.PARTNER_IDS)


def test_statuses_span_the_workflow(var_dir):
    # given a seeded catalogue
    seed(var_dir)
    statuses = list(Drama.objects.values_list("status", flat=True))
    # then most titles are published, and some are draft, ready or retired
    assert statuses.count(DramaStatus.PUBLISHED) > len(statuses) / 2
    for status in (DramaStatus.DRAFT, DramaStatus.READY, DramaStatus.RETIRED):
        assert status in statuses
    # and the workflow service stamped the published and retired ones
    assert not Drama.objects.filter(status=DramaStatus.PUBLISHED, published_at__isnull=True).exists()
    assert not Drama.objects.filter(status=DramaStatus.RETIRED, retired_at__isnull=True).exists()


def test_artwork_are_real_images_in_the_kind_aspect_ratio(var_dir):
    # given a seeded catalogue
    seed(var_dir)
    artworks = list(Artwork.objects.all())
    # (the sizes as stored: loading a model would fill missing ones in from the file)
    stored_sizes = {pk: (width, height) for pk, width, height in Artwork.objects.values_list("pk", "width", "height")}
    # then each drama has a cover, a poster and a banner, stored and readable, in the right shape
    assert len(artworks) == Drama.objects.count() * 4
    for artwork in artworks:
        with default_storage.open(artwork.image.name) as handle:
            image = Image.open(handle)
            image.load()
        aspect_w, aspect_h = ARTWORK_ASPECTS[artwork.kind]
        assert image.size == stored_sizes[artwork.pk]
        assert image.width * aspect_h == image.height * aspect_w, artwork
        assert image.format in {"JPEG", "PNG"}


def test_partners_and_operators_span_regions_with_channels(var_dir):
    # given a seeded catalogue
    seed(var_dir)
    # then there are partners and operators across regions, each with channels, operators with IPTV
    partners = Organization.objects.filter(kind="partner")
    operators = Organization.objects.filter(kind="operator")
    territories = {t for org in (*partners, *operators) for t in org.territories}
    assert {"US", "JP", "KR", "TH", "ID", "VN", "PH", "SA", "HK", "MY"} <= territories
    for organization in (*partners, *operators):
        assert organization.channels.exists(), organization
    for operator in operators:
        assert operator.channels.filter(kind="iptv").exists(), operator
    assert set(Organization.objects.filter(kind="licensor").values_list("slug", flat=True)) == {
        "migu",
        "pearl-river-pictures",
    }


def test_refuses_to_seed_under_the_production_profile(settings, var_dir):
    # given the production settings profile
    settings.MIGU_SETTINGS_PROFILE = "production"
    # when seeding without the explicit flag, then it refuses and writes nothing
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not (var_dir / "demo_credentials.json").exists()


def catalogue_of(slug: str, territory: str, at: dt.datetime | None = None) -> set[str]:
    organization = Organization.objects.get(slug=slug)
    ids = rights_available_drama_ids(licensee=organization, territory=territory, at=at)
    return set(Drama.objects.filter(pk__in=ids).values_list("original_title", flat=True))


def test_partners_see_different_catalogues_from_their_licences(var_dir):
    # given a seeded catalogue
    seed(var_dir)
    # then each partner or operator sees its own selection in its territory, and nothing elsewhere
    catalogues = {
        (slug, territory): catalogue_of(slug, territory)
        for slug, territory in [
            ("reelnorth", "US"), ("haneul-tv", "KR"), ("siam-shorts", "TH"), ("chao-phraya-telecom", "TH"),
            ("layali-shorts", "SA"), ("najd-telecom", "SA"), ("harbour-mobile", "HK"), ("kokoro-shorts", "JP"),
        ]
    }  # fmt: skip
    assert all(catalogues.values()), catalogues
    assert len({frozenset(titles) for titles in catalogues.values()}) == len(catalogues)
    assert catalogue_of("reelnorth", "KR") == set()
    assert catalogue_of("haneul-tv", "US") == set()
    # and only published titles are live today
    live = set().union(*catalogues.values())
    assert set(Drama.objects.filter(original_title__in=live).values_list("status", flat=True)) == {"published"}


def test_licences_include_exclusive_expiring_and_upcoming_windows_within_rights_in(var_dir):
    # given a seeded catalogue
    seed(var_dir)
    now = timezone.now()
    outs = list(RightsWindow.objects.filter(direction="out").select_related("drama", "licensee"))
    # then some windows are exclusive, some end within two weeks, some start next month, some are past
    assert any(w.exclusive for w in outs)
    assert any(w.end and now < w.end <= now + dt.timedelta(days=14) for w in outs)
    assert any(w.start > now for w in outs)
    assert any(w.end and w.end < now for w in outs)
    # and every window out lies within rights in held by the drama's owner
    for window in outs:
        assert rights_in_missing_territories(window) == [], window
    for window in RightsWindow.objects.filter(direction="in").select_related("drama"):
        assert window.licensee_id == window.drama.owner_id
    # and the catalogue changes over time: an expiring title leaves, an upcoming one arrives
    in_forty_days = now + dt.timedelta(days=40)
    today, later = catalogue_of("reelnorth", "US"), catalogue_of("reelnorth", "US", at=in_forty_days)
    assert today - later and later - today


def test_a_licence_refused_by_the_rights_rules_is_skipped_with_its_reason(var_dir):
    # given a seeded catalogue where a manager re-keyed an exclusive demo window as a contract of their own
    seed(var_dir)
    window = RightsWindow.objects.get(transaction_id="DEMO-reelnorth-reborn-heiress-SVOD")
    rights_window_update(window=window, transaction_id="RN-CONTRACT-7", actor="test")
    windows = RightsWindow.objects.count()
    # when seeding again (which wants its demo window back, over the manager's exclusive one)
    errors = io.StringIO()
    call_command("seed_demo", stdout=io.StringIO(), stderr=errors)
    # then that window is skipped with the rights rule's reason, and nothing else changes
    assert "DEMO-reelnorth-reborn-heiress-SVOD: rights_overlap" in errors.getvalue()
    assert RightsWindow.objects.count() == windows
    assert RightsWindow.objects.get(pk=window.pk).transaction_id == "RN-CONTRACT-7"


def test_the_demo_has_short_masters_with_subtitles_and_a_dub_queued_for_the_worker(var_dir, settings):
    from catalog.demo import media as demo_media
    from jobs.models import Job, JobKind, JobStatus
    from localization.models import DubVersion, SubtitleVersion
    from media import ffmpeg
    from media.models import Master

    # given the demo with its media
    settings.DEMO_MEDIA = True

    # when it is seeded, twice
    seed(var_dir)
    seed(var_dir)

    # then the demo episodes have one master each, playable and as long as the episode, queued for transcoding
    masters = list(Master.objects.select_related("episode__drama").order_by("episode__number"))
    assert [m.episode.number for m in masters] == list(demo_media.EPISODES)
    assert len({m.episode.drama_id for m in masters}) == 1
    with default_storage.open(masters[0].file.name, "rb") as handle, open(var_dir / "m.mp4", "wb") as out:
        out.write(handle.read())
    probe = ffmpeg.probe(var_dir / "m.mp4")
    assert (probe.width, probe.height) == (720, 1280) and round(probe.duration) == demo_media.SECONDS
    assert all(m.episode.duration_seconds == demo_media.SECONDS for m in masters)
    jobs = Job.objects.filter(kind=JobKind.TRANSCODE)
    assert jobs.count() == len(masters) and {job.status for job in jobs} == {JobStatus.PENDING}

    # and subtitles live in English, Chinese, Thai and Arabic on each, with no error
    live = SubtitleVersion.objects.filter(status="live")
    assert sorted(live.values_list("track__episode__number", "track__language")) == sorted(
        (m.episode.number, language) for m in masters for language in ("ar", "en", "th", "zh-Hans")
    )
    assert set(live.values_list("error_count", flat=True)) == {0}

    # and a Thai dub live on each, which passed the checks against the episode (its length, not silent, not
    # clipped), waiting for the ladder to be packaged against
    dubs = DubVersion.objects.filter(status="live")
    assert sorted(dubs.values_list("track__episode__number", "track__language")) == [
        (m.episode.number, "th") for m in masters
    ]
    assert set(dubs.values_list("error_count", "warning_count")) == {(0, 0)}
    assert all(abs(d.duration_seconds - demo_media.SECONDS) < 0.1 for d in dubs)
    assert all(d.peak_db is not None and -40 < d.peak_db < -1 for d in dubs)
    assert not Job.objects.filter(kind=JobKind.DUB).exists()

    # and the demo partner in Thailand holds the title with Thai audio allowed; partners elsewhere do not
    windows = RightsWindow.objects.filter(direction="out", drama=masters[0].episode.drama)
    audio = dict(windows.values_list("licensee__slug", "audio_languages"))
    assert audio["siam-shorts"] == ["zh-Hans", "th"]
    assert all(languages == ["zh-Hans"] for slug, languages in audio.items() if slug != "siam-shorts")


@pytest.mark.slow
@pytest.mark.worker
def test_a_worker_makes_the_demo_play_with_its_dub_and_subtitles(var_dir, settings, celery_worker_process, live_server):
    from catalog.demo import media as demo_media
    from catalog.demo.seed import drama_alid
    from conftest import wait_for
    from jobs.models import Job, JobKind, JobStatus
    from media import ffmpeg
    from migu_platform.celery import app

    # given the demo with its media, a worker on the queues the media jobs go to (as `make run`'s serves them)
    # and the platform served on loopback
    settings.DEMO_MEDIA = True
    settings.MIGU_PUBLIC_BASE_URL = live_server.url.replace("//localhost:", "//127.0.0.1:")
    with app.connection_for_write() as connection:
        for queue in ("transcode", "default"):
            connection.default_channel.queue_purge(queue)
    celery_worker_process(queues="transcode,default", concurrency=2, MEDIA_ROOT=str(settings.MEDIA_ROOT))

    # when the demo is seeded and the worker has transcoded the masters and packaged what they carry
    started = time.monotonic()
    credentials = seed(var_dir)
    episodes = len(demo_media.EPISODES)
    media_jobs = Job.objects.filter(kind__in=[JobKind.TRANSCODE, JobKind.SUBTITLES, JobKind.DUB])

    def all_packaged() -> bool:
        counts = dict(media_jobs.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
        expected = {JobKind.TRANSCODE: episodes, JobKind.SUBTITLES: episodes * 4, JobKind.DUB: episodes}
        finished = not media_jobs.exclude(status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]).exists()
        return counts == expected and finished

    wait_for(all_packaged, timeout=300, interval=1, message="the demo's transcodes and packaging jobs")
    print(f"demo playable {time.monotonic() - started:.1f} s after seeding began")
    failed = list(media_jobs.filter(status=JobStatus.FAILED).values_list("kind", "error_code"))
    assert failed == []

    # then the demo partner in Thailand gets a playback URL for episode 1 whose master playlist lists the Thai
    # dub beside the original audio, and its subtitles
    key = next(o["api_key"] for o in credentials["organizations"] if o["slug"] == "siam-shorts")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    episode = Episode.objects.get(drama__alid=drama_alid(demo_media.DRAMA_KEY), number=demo_media.EPISODES[0])
    response = client.get(f"/api/v1/episodes/{episode.pk}/playback/?territory=TH")
    assert response.status_code == 200, response.content
    url = response.json()["url"]
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - the loopback test server
        master = answer.read().decode()
    audio = re.findall(r"^#EXT-X-MEDIA:TYPE=AUDIO,.*$", master, re.M)
    subtitles = re.findall(r"^#EXT-X-MEDIA:TYPE=SUBTITLES,.*$", master, re.M)
    assert sorted(re.search(r'LANGUAGE="([^"]+)"', line).group(1) for line in audio) == ["th", "zh-Hans"]
    assert sorted(re.search(r'LANGUAGE="([^"]+)"', line).group(1) for line in subtitles) == ["en", "th"]

    # and a player (ffprobe) reading it over HTTP finds the video and both audio renditions, in AAC stereo
    result = subprocess.run(
        [ffmpeg.ffprobe_binary(), "-v", "error", "-protocol_whitelist", "http,tcp,crypto,https,tls",
         "-show_entries", "stream=codec_type,codec_name,channels:stream_tags=language", "-of", "json", url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    streams = json.loads(result.stdout)["streams"]
    heard = sorted((s.get("tags", {}).get("language"), s["codec_name"], s["channels"]) for s in streams
                   if s["codec_type"] == "audio")  # fmt: skip
    assert set(heard) == {("th", "aac", 2), ("zh-Hans", "aac", 2)}
    assert "video" in {s["codec_type"] for s in streams}
