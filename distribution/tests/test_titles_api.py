import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Drama
from catalog.tests.factories import ArtworkFactory, CreditFactory, EpisodeFactory, GenreFactory, TropeFactory
from localization.models import DramaLocalization, EpisodeLocalization
from partners.tests.factories import OrganizationFactory
from rights.services import rights_window_revoke
from rights.tests.factories import at, drama_with_rights_in, grant_out

pytestmark = pytest.mark.django_db


def licensed_title(licensee, *, territories=("TH",), episodes=0, **window):
    drama = drama_with_rights_in()
    Drama.objects.filter(pk=drama.pk).update(status="published")
    for number in range(1, episodes + 1):
        EpisodeFactory(drama=drama, number=number)
    grant_out(drama, licensee, territories=list(territories), **window)
    drama.refresh_from_db()
    return drama


def localize(drama, language, title, **extra):
    return DramaLocalization.objects.create(drama=drama, language=language, title=title, **extra)


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_titles_lists_only_what_the_caller_may_show_in_the_territory_now(client_for, partner, other_partner):
    shown = licensed_title(partner, territories=("TH", "SG"))
    licensed_title(partner, territories=("SG",))  # another territory
    licensed_title(other_partner, territories=("TH",))  # another tenant
    licensed_title(partner, territories=("TH",), start=at(3650))  # starts in the future
    ended = licensed_title(partner, territories=("TH",), start=at(-30), end=at(-1))
    draft = licensed_title(partner)
    Drama.objects.filter(pk=draft.pk).update(status="draft")

    response = client_for(partner, scopes=["catalog:read"]).get("/api/v1/titles/?territory=TH")

    assert response.status_code == 200
    assert ids(response) == [shown.pk]
    assert ended.pk not in ids(response)


@pytest.mark.parametrize(
    "query, header, expected",
    [
        ("lang=th", "", "ชื่อไทย"),
        ("lang=en-US", "", "English title"),
        ("lang=zh-Hant-HK", "", "English title"),  # no zh-Hant / zh-Hans: falls back to en
        ("", "th-TH;q=0.9, en;q=0.5", "ชื่อไทย"),
        ("", "ko, en;q=0.8", "English title"),
        ("lang=ko", "th", "English title"),  # lang wins over the header
    ],
)
def test_titles_are_localised_along_the_fallback_chain(client_for, partner, query, header, expected):
    drama = licensed_title(partner)
    localize(drama, "th", "ชื่อไทย")
    localize(drama, "en", "English title", title_short="Short")
    client = client_for(partner)

    response = client.get(f"/api/v1/titles/?territory=TH&{query}", HTTP_ACCEPT_LANGUAGE=header)

    assert response.json()["results"][0]["title"] == expected


def test_titles_filters(client_for, partner):
    romance, revenge = GenreFactory(slug="romance"), TropeFactory(slug="revenge")
    a = licensed_title(partner)
    a.genres.add(romance)
    b = licensed_title(partner)
    b.tropes.add(revenge)
    Drama.objects.filter(pk=b.pk).update(format="horizontal", original_language="ko")
    localize(b, "en", "The Hidden Heiress")
    client = client_for(partner)

    def listed(query):
        return ids(client.get(f"/api/v1/titles/?territory=TH&{query}"))

    assert listed("genre=romance") == [a.pk]
    assert listed("trope=revenge") == [b.pk]
    assert listed("format=horizontal") == [b.pk]
    assert listed("original_language=ko") == [b.pk]
    assert listed("q=heiress") == [b.pk]
    assert listed("updated_since=2999-01-01T00:00:00Z") == []
    assert listed("") == [a.pk, b.pk]


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "territory"),
        ("territory=XX", "territory"),
        ("territory=TH&lang=not a tag", "lang"),
        ("territory=TH&format=square", "format"),
        ("territory=TH&updated_since=yesterday", "updated_since"),
        ("territory=TH&page_size=0", "page_size"),
    ],
)
def test_bad_query_parameters_are_named(client_for, partner, query, field):
    response = client_for(partner).get(f"/api/v1/titles/?{query}")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_a_bad_cursor_is_refused_with_its_code(client_for, partner):
    response = client_for(partner).get("/api/v1/titles/?territory=TH&cursor=%%%")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_cursor_pages_cover_every_title_once(client_for, partner):
    titles = [licensed_title(partner) for _ in range(5)]
    client = client_for(partner)
    seen, url = [], "/api/v1/titles/?territory=TH&page_size=2"

    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next_cursor"] and f"/api/v1/titles/?territory=TH&page_size=2&cursor={body['next_cursor']}"

    assert seen == sorted(t.pk for t in titles)


def test_list_queries_do_not_grow_with_page_size(client_for, partner, settings):
    settings.MIGU_API_LIST_CACHE_SECONDS = 0
    genre = GenreFactory(slug="urban")
    for _ in range(6):
        drama = licensed_title(partner, episodes=2)
        drama.genres.add(genre)
        localize(drama, "en", "t")
        ArtworkFactory(drama=drama)
    client = client_for(partner)
    client.get("/api/v1/titles/?territory=TH&page_size=1")

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert len(client.get(f"/api/v1/titles/?territory=TH&page_size={size}").json()["results"]) == size
        return len(ctx.captured_queries)

    assert count(1) == count(6)


def test_etag_revalidation_answers_304_until_the_title_changes(client_for, partner):
    drama = licensed_title(partner)
    client = client_for(partner)
    first = client.get("/api/v1/titles/?territory=TH")

    again = client.get("/api/v1/titles/?territory=TH", HTTP_IF_NONE_MATCH=first["ETag"])
    localize(drama, "en", "Now localised")
    changed = client.get("/api/v1/titles/?territory=TH&lang=en", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert "private" in first["Cache-Control"]


def backdate_catalogue(when):
    from rights.models import RightsEvent, RightsWindow

    Drama.objects.update(updated_at=when)
    DramaLocalization.objects.update(updated_at=when)
    RightsEvent.objects.update(created_at=when)
    RightsWindow.objects.update(updated_at=when)


@pytest.mark.parametrize("cache_seconds", [0, 60])
def test_the_list_sends_last_modified_and_answers_if_modified_since(client_for, partner, settings, cache_seconds):
    import datetime as dt

    from django.utils import timezone
    from django.utils.http import http_date

    settings.MIGU_API_LIST_CACHE_SECONDS = cache_seconds
    drama = licensed_title(partner)
    localize(drama, "en", "English title")
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    backdate_catalogue(hour_ago)
    client = client_for(partner)

    first = client.get("/api/v1/titles/?territory=TH&lang=en")
    since = first["Last-Modified"]
    again = client.get("/api/v1/titles/?territory=TH&lang=en", HTTP_IF_MODIFIED_SINCE=since)
    earlier = client.get(
        "/api/v1/titles/?territory=TH&lang=en", HTTP_IF_MODIFIED_SINCE=http_date(hour_ago.timestamp() - 60)
    )
    DramaLocalization.objects.filter(drama=drama).update(title="Renamed", updated_at=timezone.now())
    changed = client.get("/api/v1/titles/?territory=TH&lang=en", HTTP_IF_MODIFIED_SINCE=since)

    assert since == http_date(hour_ago.timestamp())
    assert again.status_code == 304 and again["ETag"] == first["ETag"]  # a 304 carries the validators
    assert earlier.status_code == 200
    assert changed.status_code == 200
    assert changed.json()["results"][0]["title"] == "Renamed"
    # A date from the current second is withheld: a later change in that second would share it.
    assert "Last-Modified" not in changed
    assert changed["ETag"] != first["ETag"]


def test_a_new_window_moves_the_lists_last_modified(client_for, partner):
    import datetime as dt

    from django.utils import timezone

    licensed_title(partner)
    backdate_catalogue(timezone.now() - dt.timedelta(hours=1))
    client = client_for(partner)
    first = client.get("/api/v1/titles/?territory=TH")

    licensed_title(partner)
    backdate_catalogue(timezone.now() - dt.timedelta(minutes=30))
    from rights.models import RightsEvent

    RightsEvent.objects.filter(pk=RightsEvent.objects.latest("id").pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )
    second = client.get("/api/v1/titles/?territory=TH", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert second.status_code == 200
    assert len(ids(second)) == 2
    assert second["Last-Modified"] != first["Last-Modified"]


def test_detail_and_episodes_send_last_modified_that_moves_with_an_episode_change(client_for, partner):
    import datetime as dt

    from django.utils import timezone
    from django.utils.http import http_date

    from catalog.models import Episode

    drama = licensed_title(partner, episodes=2)
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    backdate_catalogue(hour_ago)
    Episode.objects.update(updated_at=hour_ago)
    client = client_for(partner)
    detail_path = f"/api/v1/titles/{drama.pk}/?territory=TH"
    episodes_path = f"/api/v1/titles/{drama.pk}/episodes/?territory=TH"

    detail = client.get(detail_path)
    episodes = client.get(episodes_path)
    unchanged = [
        client.get(path, HTTP_IF_MODIFIED_SINCE=http_date(hour_ago.timestamp())).status_code
        for path in (detail_path, episodes_path)
    ]
    EpisodeLocalization.objects.create(
        episode=Episode.objects.get(drama=drama, number=2), language="en", title="Second"
    )
    EpisodeLocalization.objects.update(updated_at=timezone.now() - dt.timedelta(minutes=5))
    changed = client.get(detail_path + "&lang=en", HTTP_IF_MODIFIED_SINCE=detail["Last-Modified"])

    assert detail["Last-Modified"] == episodes["Last-Modified"] == http_date(hour_ago.timestamp())
    assert unchanged == [304, 304]
    assert changed.status_code == 200
    assert changed.json()["episodes"][1]["title"] == "Second"
    assert "last_modified" not in detail.json()


def test_detail_has_episodes_credits_artwork_terms_and_only_licensed_languages(client_for, partner):
    drama = drama_with_rights_in(audio_languages=["zh-Hans", "en"], subtitle_languages=["en", "th", "ar"])
    Drama.objects.filter(pk=drama.pk).update(status="published", free_episode_count=10)
    for number in range(1, 6):
        episode = EpisodeFactory(drama=drama, number=number)
        EpisodeLocalization.objects.create(episode=episode, language="th", title=f"ตอน {number}")
    # subtitles packaged in English and Thai on episode 1, Arabic on episode 2, Korean on episode 5 only
    first, second, *_, fifth = drama.episodes.order_by("number")
    packaged_subtitles(first, "en", "th")
    packaged_subtitles(second, "ar")
    packaged_subtitles(fifth, "ko")
    CreditFactory(drama=drama, role="director")
    ArtworkFactory(drama=drama, kind="cover_9x16")
    grant_out(
        drama, partner, territories=["TH"], audio_languages=["zh-Hans"], subtitle_languages=["th", "en"],
        free_episode_count=2, unlock_price="0.99", currency="USD", episode_end=4,
    )  # fmt: skip

    response = client_for(partner).get(f"/api/v1/titles/{drama.pk}/?territory=TH&lang=th")

    assert response.status_code == 200
    body = response.json()
    assert [e["number"] for e in body["episodes"]] == [1, 2, 3, 4]
    assert [e["free"] for e in body["episodes"]] == [True, True, False, False]
    assert body["episodes"][0]["title"] == "ตอน 1"
    assert body["monetisation"]["free_episode_count"] == 2
    assert (body["monetisation"]["unlock_price"], body["monetisation"]["currency"]) == ("0.99", "USD")
    assert body["audio_languages"] == ["zh-Hans"]
    assert sorted(body["subtitle_languages"]) == ["en", "th"]
    assert body["credits"][0]["role"] == "director"
    assert body["artworks"][0]["url"].startswith("http://127.0.0.1:8000/media/artwork/")
    episodes = client_for(partner).get(f"/api/v1/titles/{drama.pk}/episodes/?territory=TH&lang=th").json()
    assert [e["number"] for e in episodes["results"]] == [1, 2, 3, 4]


@pytest.mark.parametrize("path", ["/api/v1/titles/{id}/?territory=TH", "/api/v1/titles/{id}/episodes/?territory=TH"])
def test_unlicensed_titles_answer_the_same_404_as_missing_ones(client_for, partner, other_partner, path):
    theirs = licensed_title(other_partner)
    elsewhere = licensed_title(partner, territories=("SG",))
    revoked = licensed_title(partner)
    rights_window_revoke(window=revoked.rights_windows.get(direction="out"))
    client = client_for(partner)

    answers = [client.get(path.format(id=pk)) for pk in (theirs.pk, elsewhere.pk, revoked.pk, 987654321)]

    assert {r.status_code for r in answers} == {404}
    assert len({r.content for r in answers}) == 1


def test_mrss_feed_parses_and_lists_the_callers_titles(client_for, partner, other_partner):
    drama = licensed_title(partner)
    localize(drama, "en", "The Returned Empress", synopsis_short="She was reborn.")
    ArtworkFactory(drama=drama)
    licensed_title(other_partner)

    response = client_for(partner).get("/api/v1/feeds/mrss/?territory=TH&lang=en")

    feed = feedparser.parse(response.content)
    assert response["Content-Type"].startswith("application/rss+xml")
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["The Returned Empress"]
    assert feed.entries[0].summary == "She was reborn."
    assert feed.entries[0].media_thumbnail[0]["url"].startswith("http://127.0.0.1:8000/media/")
    assert feed.feed.language == "en"


def test_catalogue_endpoints_need_catalog_read(client_for, partner):
    client = client_for(partner, scopes=["events:write"])

    for path in ["/api/v1/titles/?territory=TH", "/api/v1/changes/", "/api/v1/feeds/mrss/?territory=TH"]:
        assert client.get(path).status_code == 403


def test_an_operator_is_served_like_a_partner(client_for):
    operator = OrganizationFactory(kind="operator")
    drama = licensed_title(operator, territories=("SA",))

    assert ids(client_for(operator).get("/api/v1/titles/?territory=SA")) == [drama.pk]


def test_a_cached_page_revalidates_in_two_queries_and_a_change_refreshes_it(client_for, partner, settings):
    settings.MIGU_API_LIST_CACHE_SECONDS = 60
    drama = licensed_title(partner)
    client = client_for(partner)
    first = client.get("/api/v1/titles/?territory=TH&lang=en")

    with CaptureQueriesContext(connection) as ctx:
        again = client.get("/api/v1/titles/?territory=TH&lang=en", HTTP_IF_NONE_MATCH=first["ETag"])
    localize(drama, "en", "A new English title")
    changed = client.get("/api/v1/titles/?territory=TH&lang=en", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert len(ctx.captured_queries) <= 2  # the key lookup and the catalogue version
    assert changed.status_code == 200
    assert changed.json()["results"][0]["title"] == "A new English title"


def test_a_new_window_shows_up_at_once_despite_the_cache(client_for, partner, settings):
    settings.MIGU_API_LIST_CACHE_SECONDS = 60
    client = client_for(partner)
    first = licensed_title(partner)
    assert ids(client.get("/api/v1/titles/?territory=TH")) == [first.pk]

    second = licensed_title(partner)

    assert ids(client.get("/api/v1/titles/?territory=TH")) == [first.pk, second.pk]


def test_a_title_lists_the_subtitle_languages_packaged_on_the_episodes_its_window_covers(client_for, partner):
    # given a window over episodes 1-2 that names no subtitle languages (any) but holds Arabic back, and
    # subtitles packaged in Thai and Arabic on episode 1, Korean on episode 3 and Malay still building
    drama = licensed_title(partner, episodes=3, subtitle_languages=[], holdback_languages=["ar"], episode_end=2)
    first, second, third = drama.episodes.order_by("number")
    packaged_subtitles(first, "th", "ar")
    packaged_subtitles(third, "ko")
    packaged_subtitles(second, "ms", status="building")

    # when the partner fetches the title
    body = client_for(partner).get(f"/api/v1/titles/{drama.pk}/?territory=TH").json()

    # then only what is packaged, covered and not held back is listed
    assert body["subtitle_languages"] == ["th"]
    assert body["audio_languages"] == [drama.original_language]


@pytest.mark.parametrize("language", ["th", "en", "zh-Hant-HK", "ko"])
def test_the_hand_written_page_query_answers_what_the_orm_one_does(partner, other_partner, language):
    from distribution import selectors as queries

    genres = [GenreFactory(slug=s) for s in ("urban", "romance")]
    tropes = [TropeFactory(slug=s) for s in ("rebirth", "revenge", "ceo")]
    for n in range(7):
        drama = licensed_title(partner, episodes=n % 3)
        drama.genres.add(*genres[: n % 3])
        drama.tropes.add(*tropes[: n % 4])
        if n % 2:
            localize(drama, "en", f"English {n}", title_short=f"E{n}", synopsis_short="s")
        if n % 3 == 0:
            localize(drama, "th", f"ไทย {n}")
        if n == 5:
            localize(drama, "zh-Hant", f"繁體 {n}")
        if n % 4 == 1:
            ArtworkFactory(drama=drama, kind="poster_2x3")
            ArtworkFactory(drama=drama, kind="cover_9x16", language="en")
    licensed_title(other_partner)
    licensed_title(partner, territories=("SG",))

    for after_id, limit in [(0, 3), (0, 50), (0, 1)]:
        orm = queries.titles_page(
            queries.titles_available(licensee=partner, territory="TH"),
            after_id=after_id,
            limit=limit,
            language=language,
        )
        fast = queries.titles_page_unfiltered(
            licensee=partner, territory="TH", after_id=after_id, limit=limit, language=language
        )
        assert fast == orm
        assert orm[0]


def packaged_subtitles(episode, *languages: str, status: str = "ready") -> None:
    """Subtitle renditions of the episode's READY ladder in `languages` (rows only: no files are served here)."""
    from localization.models import SubtitleRendition, SubtitleTrack, SubtitleVersion
    from media.models import Ladder

    ladder, _ = Ladder.objects.get_or_create(
        episode=episode, profile="vertical", source_checksum="c" * 64, defaults={"status": "ready",
                                                                                  "storage_prefix": "hls/x"}
    )  # fmt: skip
    for language in languages:
        track = SubtitleTrack.objects.create(episode=episode, language=language, kind="full")
        version = SubtitleVersion.objects.create(track=track, number=1, status="live", source="s", checksum_sha256="0")
        SubtitleRendition.objects.create(ladder=ladder, track=track, version=version, status=status, storage_prefix="p")


def test_episodes_list_the_packaged_subtitle_languages_the_window_allows_in_a_flat_number_of_queries(
    client_for, partner
):
    # given a window allowing Thai and English with English held back, and episodes packaged in several
    # languages (one still building)
    drama = licensed_title(partner, episodes=2, subtitle_languages=["th", "en"], holdback_languages=["en"])
    first, second = drama.episodes.order_by("number")
    packaged_subtitles(first, "en", "th", "ar")
    packaged_subtitles(second, "th", status="building")
    client = client_for(partner)
    url = f"/api/v1/titles/{drama.pk}/episodes/?territory=TH"
    client.get(url)  # the key's first use is recorded once

    # when the episodes are asked for
    with CaptureQueriesContext(connection) as two_episodes:
        body = client.get(url).json()

    # then each lists only what is packaged and allowed
    assert [e["subtitle_languages"] for e in body["results"]] == [["th"], []]

    # and more episodes with subtitles cost no more queries
    for number in (3, 4, 5):
        packaged_subtitles(EpisodeFactory(drama=drama, number=number), "th", "en")
    with CaptureQueriesContext(connection) as five_episodes:
        body = client.get(url).json()
    assert [e["subtitle_languages"] for e in body["results"]] == [["th"], [], ["th"], ["th"], ["th"]]
    assert len(five_episodes.captured_queries) == len(two_episodes.captured_queries)
