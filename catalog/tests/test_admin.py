import pytest
from django.urls import reverse

from catalog.models import Drama, DramaStatus, Episode, EpisodeStatus
from catalog.services import drama_transition, episode_status_set
from catalog.tests.factories import (
    ArtworkFactory,
    CreditFactory,
    DramaFactory,
    DramaLocalizationFactory,
    GenreFactory,
    TropeFactory,
    drama_with_episodes,
)
from partners.tests.factories import LicensorFactory
from tests.admin_helpers import changeform_data, messages_of, staff_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_drama_changelist")


def change_url(drama: Drama) -> str:
    return reverse("admin:catalog_drama_change", args=[drama.pk])


@pytest.fixture
def content_client(client):
    client.force_login(staff_user("content"))
    return client


# --- bulk episode creation -------------------------------------------------------------------


def test_a_new_drama_is_created_with_80_episodes_from_one_form(content_client):
    # given the add page of a drama
    owner = LicensorFactory()
    data = changeform_data(content_client.get(reverse("admin:catalog_drama_add")))
    data.update(original_title="总裁的替身新娘", owner=str(owner.pk), add_episode_count="80", add_episode_duration="95")

    # when it is saved with "80 episodes"
    response = content_client.post(reverse("admin:catalog_drama_add"), data)

    # then the drama exists with episodes 1..80 of 95 s, and the manager is told so
    assert response.status_code == 302, response.context["adminform"].form.errors
    drama = Drama.objects.get(original_title="总裁的替身新娘")
    assert list(drama.episodes.values_list("number", flat=True)) == list(range(1, 81))
    assert set(drama.episodes.values_list("duration_seconds", flat=True)) == {95}
    assert "Added 80 episodes (1–80)." in messages_of(response)


@pytest.mark.parametrize(
    ("existing", "spec", "created", "message"),
    [
        (0, "1-80, 85, 90-100", [*range(1, 81), 85, *range(90, 101)], "Added 92 episodes (1–80, 85, 90–100)."),
        (5, "3-8", [6, 7, 8], "Added 3 episodes (6–8). 3 already existed and were left as they were."),
        (5, "1-5", [], "No episodes were added: every number given already exists."),
    ],
)
def test_episodes_are_added_from_a_numbered_list_on_the_drama_page(content_client, existing, spec, created, message):
    # given a drama with `existing` episodes
    drama = drama_with_episodes(existing) if existing else DramaFactory()
    data = changeform_data(content_client.get(change_url(drama)))
    data["add_episode_numbers"] = spec

    # when the numbered list is submitted
    response = content_client.post(change_url(drama), data)

    # then exactly the new numbers are created and the message says what happened
    assert response.status_code == 302
    numbers = set(drama.episodes.values_list("number", flat=True))
    assert numbers == set(range(1, existing + 1)) | set(created)
    assert message in messages_of(response)


def test_more_episodes_by_count_continue_after_the_last_one(content_client):
    drama = drama_with_episodes(60)
    data = changeform_data(content_client.get(change_url(drama)))
    data["add_episode_count"] = "40"

    response = content_client.post(change_url(drama), data)

    assert response.status_code == 302
    assert drama.episodes.count() == 100
    assert "Added 40 episodes (61–100)." in messages_of(response)


@pytest.mark.parametrize(
    ("count", "spec", "error"),
    [
        ("", "1-80, x", "'x' is not an episode number or a range such as 1-80."),
        ("", "10-2", "'10-2': ranges go from 1 upwards, low to high."),
        ("5", "1-5", "Give either a count or a list of numbers, not both."),
        ("0", "", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_a_bad_episode_list_is_refused_with_the_reason_and_nothing_changes(content_client, count, spec, error):
    # given a drama with 3 episodes
    drama = drama_with_episodes(3)
    data = changeform_data(content_client.get(change_url(drama)))
    data.update(add_episode_count=count, add_episode_numbers=spec, original_title="renamed")

    # when a bad list is submitted
    response = content_client.post(change_url(drama), data)

    # then the form comes back with the reason, and neither the drama nor its episodes changed
    assert response.status_code == 200
    form_errors = response.context["adminform"].form.errors
    assert error in [message for messages in form_errors.values() for message in messages]
    drama.refresh_from_db()
    assert drama.original_title != "renamed"
    assert drama.episodes.count() == 3


def test_the_bulk_episode_form_is_offered_only_to_roles_that_may_add_episodes(client):
    drama = DramaFactory()
    client.force_login(staff_user("localization"))  # may change dramas, may only view episodes

    response = client.get(change_url(drama))

    assert response.status_code == 200
    assert b"add_episode_count" not in response.content


# --- workflow actions ------------------------------------------------------------------------


def test_bulk_publish_publishes_the_ready_and_names_each_refused_drama_with_its_reasons(content_client):
    # given two ready dramas, one draft, one ready drama with a gap in its episodes
    ready = [drama_with_episodes(5, original_title=f"Ready {n}") for n in range(2)]
    for drama in ready:
        drama_transition(drama=drama, to_status=DramaStatus.READY)
    draft = drama_with_episodes(5, original_title="Still a draft")
    gappy = drama_with_episodes(5, original_title="Gappy")
    drama_transition(drama=gappy, to_status=DramaStatus.READY)
    Episode.objects.filter(drama=gappy, number=3).delete()

    # when all four are published from the list
    selected = [str(d.pk) for d in [*ready, draft, gappy]]
    response = content_client.post(CHANGELIST, {"action": "publish", "_selected_action": selected})

    # then two are published, and each refusal says which drama and why
    assert response.status_code == 302
    assert Drama.objects.filter(status=DramaStatus.PUBLISHED).count() == 2
    texts = messages_of(response)
    assert "Published 2 dramas." in texts
    assert (
        '“<bdi dir="ltr" lang="zh-Hans">Still a draft</bdi>” was not published: A draft drama can move to ready, not published.'
        in texts
    )
    assert (
        '“<bdi dir="ltr" lang="zh-Hans">Gappy</bdi>” was not published: Episode numbers have gaps (missing 3).' in texts
    )
    assert Drama.objects.get(pk=draft.pk).status == DramaStatus.DRAFT


@pytest.mark.parametrize(
    ("start", "action", "end", "message"),
    [
        (DramaStatus.DRAFT, "mark_ready", DramaStatus.READY, "Marked ready 1 drama."),
        (DramaStatus.READY, "back_to_draft", DramaStatus.DRAFT, "Sent back to draft 1 drama."),
        (DramaStatus.PUBLISHED, "retire", DramaStatus.RETIRED, "Retired 1 drama."),
        (DramaStatus.RETIRED, "back_to_draft", DramaStatus.DRAFT, "Sent back to draft 1 drama."),
    ],
)
def test_each_workflow_action_moves_a_drama_and_counts_it(content_client, start, action, end, message):
    drama = drama_with_episodes(3)
    path = {
        DramaStatus.DRAFT: [],
        DramaStatus.READY: [DramaStatus.READY],
        DramaStatus.PUBLISHED: [DramaStatus.READY, DramaStatus.PUBLISHED],
        DramaStatus.RETIRED: [DramaStatus.READY, DramaStatus.PUBLISHED, DramaStatus.RETIRED],
    }[start]
    for status in path:
        drama_transition(drama=drama, to_status=status)

    response = content_client.post(CHANGELIST, {"action": action, "_selected_action": [str(drama.pk)]})

    assert Drama.objects.get(pk=drama.pk).status == end
    assert messages_of(response) == [message]


def test_mark_ready_refuses_a_drama_without_episodes_or_titles_giving_every_reason(content_client):
    empty = DramaFactory(original_title="Empty")

    response = content_client.post(CHANGELIST, {"action": "mark_ready", "_selected_action": [str(empty.pk)]})

    # the localisation reason names the missing languages, who fixes them, and links the translation matrix
    matrix = f"/admin/localization/dramalocalization/matrix/{empty.pk}/"
    assert messages_of(response) == [
        '“<bdi dir="ltr" lang="zh-Hans">Empty</bdi>” was not marked ready: It has no episodes. It has no localised '
        "title in any language (missing: "
        "English (en), Korean (ko), Thai (th), Arabic (ar), Chinese (Traditional, Hong Kong) (zh-Hant-HK), "
        f'Cantonese (yue)). Translators add them and reviewers approve them on its translation page: <a href="{matrix}">'
        f"{matrix}</a>."
    ]
    assert Drama.objects.get(pk=empty.pk).status == DramaStatus.DRAFT


def test_a_view_only_role_gets_no_workflow_actions(client):
    drama = drama_with_episodes(3)
    client.force_login(staff_user("rights"))

    response = client.post(CHANGELIST, {"action": "mark_ready", "_selected_action": [str(drama.pk)]})

    assert Drama.objects.get(pk=drama.pk).status == DramaStatus.DRAFT
    assert b"mark_ready" not in client.get(CHANGELIST).content
    assert response.status_code in (200, 302, 403)


# --- search and filters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "query"),
    [
        ("ko", "재벌집 막내아들의 복수", "막내아들"),
        ("th", "การแก้แค้นของทายาท", "แก้แค้น"),
        ("ar", "انتقام الوريثة", "الوريثة"),
        ("en", "The CEO's Hidden Wife", "hidden wife"),
        ("zh-Hant-HK", "總裁的隱婚嬌妻", "隱婚"),
    ],
)
def test_search_finds_a_drama_by_its_title_in_a_non_original_language(content_client, language, title, query):
    # given a Mandarin original localised into `language`, and another drama
    wanted = DramaFactory(original_title="总裁的隐婚娇妻")
    DramaLocalizationFactory(drama=wanted, language=language, title=title)
    DramaFactory(original_title="别的剧")

    # when the list is searched in that language
    response = content_client.get(CHANGELIST, {"q": query})

    # then only that drama is listed
    assert [d.pk for d in response.context["cl"].result_list] == [wanted.pk]


@pytest.mark.parametrize("field", ["eidr", "alid"])
def test_search_finds_a_drama_by_exact_eidr_or_alid(content_client, field):
    value = {"eidr": "10.5240/7791-8534-2C23-9030-8610-5", "alid": "md:alid:eidr-s:7791-8534-2C23-9030-8610-5"}[field]
    wanted = DramaFactory(**{field: value})
    DramaFactory()

    response = content_client.get(CHANGELIST, {"q": value})

    assert [d.pk for d in response.context["cl"].result_list] == [wanted.pk]


def test_filters_by_genre_trope_language_missing_language_status_and_format(content_client):
    revenge, romance = TropeFactory(slug="revenge"), GenreFactory(slug="romance")
    a = DramaFactory(original_title="A", format="vertical")
    a.tropes.add(revenge)
    a.genres.add(romance)
    DramaLocalizationFactory(drama=a, language="th")
    b = DramaFactory(original_title="B", format="horizontal")
    DramaLocalizationFactory(drama=b, language="en")

    def listed(**params):
        response = content_client.get(CHANGELIST, params)
        assert response.status_code == 200
        return sorted(d.original_title for d in response.context["cl"].result_list)

    assert listed(tropes__id__exact=revenge.pk) == ["A"]
    assert listed(genres__id__exact=romance.pk) == ["A"]
    assert listed(localized_in="th") == ["A"]
    assert listed(localized_in="en") == ["B"]
    assert listed(missing_language="th") == ["B"]
    assert listed(format__exact="horizontal") == ["B"]
    assert listed(status__exact="draft") == ["A", "B"]


# --- pages and queries -----------------------------------------------------------------------


def dramas_for_list(count: int) -> None:
    owner = LicensorFactory()
    genre, trope = GenreFactory(), TropeFactory()
    for n in range(count):
        drama = drama_with_episodes(2, owner=owner, original_title=f"剧 {n:02d}")
        DramaLocalizationFactory(drama=drama, language="ko")
        drama.genres.add(genre)
        drama.tropes.add(trope)


def count_changelist_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(captured)


def test_the_drama_list_costs_the_same_queries_for_1_or_30_dramas(content_client, django_assert_max_num_queries):
    # given one drama, the list's query count
    dramas_for_list(1)
    one = count_changelist_queries(content_client)

    # when 29 more are listed
    dramas_for_list(29)

    # then the count does not grow with the rows
    with django_assert_max_num_queries(one):
        response = content_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 30
    assert one <= 15


def test_the_drama_list_shows_english_titles_episode_counts_and_language_chips(content_client):
    drama = drama_with_episodes(4, original_title="重生之千金归来")

    response = content_client.get(CHANGELIST)

    html = response.content.decode()
    assert "重生之千金归来" in html
    assert drama.localizations.get(language="en").title in html
    assert '<td class="field-episode_count">4</td>' in html
    assert '<span class="lang-chip present" title="English">en</span>' in html
    assert '<span class="lang-chip missing" title="Korean">ko</span>' in html


def test_a_100_episode_drama_page_renders_without_a_query_per_episode(content_client, django_assert_max_num_queries):
    # given a drama with 100 episodes, credits, artwork and a localisation
    drama = drama_with_episodes(100)
    CreditFactory(drama=drama)
    ArtworkFactory(drama=drama)

    # when its page is opened, then the number of queries is bounded well below one per episode
    with django_assert_max_num_queries(25):
        response = content_client.get(change_url(drama))
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 100
    last = drama.episodes.get(number=100)
    assert (
        f'<a href="{reverse("admin:catalog_episode_change", args=[last.pk])}">E100 ›</a>' in response.content.decode()
    )


def test_the_drama_page_shows_what_is_missing_per_language(content_client, settings):
    # given the configured languages en, ko, th; a complete English and a partial Korean localisation
    settings.MIGU_TARGET_LANGUAGES = ["en", "ko", "th"]
    drama = DramaFactory()
    DramaLocalizationFactory(
        drama=drama, language="en", title_medium="Rebirth", title_short="Rebirth", synopsis_short="s",
        synopsis_medium="m", synopsis_long="l",
    )  # fmt: skip
    DramaLocalizationFactory(drama=drama, language="ko", title="환생", title_short="", synopsis_short="")

    response = content_client.get(change_url(drama))

    html = response.content.decode()
    assert '<tr class="gap-complete"><th scope="row">English (en)</th><td>In review</td><td>Complete</td></tr>' in html
    assert (
        '<tr class="gap-partial"><th scope="row">Korean (ko)</th><td>In review</td><td>Missing: title ≤60, title ≤19, '
        "synopsis ≤190, synopsis ≤400, synopsis ≤4000</td></tr>"
    ) in html
    assert '<tr class="gap-none"><th scope="row">Thai (th)</th><td>—</td><td>No localisation</td></tr>' in html


def test_status_is_not_editable_on_the_drama_form(content_client):
    # given a draft drama
    drama = drama_with_episodes(3)
    data = changeform_data(content_client.get(change_url(drama)))

    # when someone forges a status in the form
    data["status"] = DramaStatus.PUBLISHED
    content_client.post(change_url(drama), data)

    # then the workflow was not bypassed
    assert Drama.objects.get(pk=drama.pk).status == DramaStatus.DRAFT


def test_a_localisation_language_typed_in_lower_case_is_stored_canonically(client):
    # given a translator (the content role only views localisations) on a drama's page
    client.force_login(staff_user("localization"))
    drama = DramaFactory()
    data = changeform_data(client.get(change_url(drama)))
    data.update(
        {
            "localizations-TOTAL_FORMS": "1",
            "localizations-0-language": "zh-hant-hk",
            "localizations-0-title": "總裁的替身新娘",
            "localizations-0-status": "approved",
            "localizations-0-drama": str(drama.pk),
        }
    )

    # when a localisation is added with the tag in lower case
    response = client.post(change_url(drama), data)

    # then it is stored under the canonical tag
    assert response.status_code == 302
    assert list(drama.localizations.values_list("language", flat=True)) == ["zh-Hant-HK"]


def test_the_languages_partners_serve_join_the_missing_per_language_display(content_client, settings):
    # given the configured list en, and an active partner serving Japanese, an inactive one Vietnamese
    from partners.tests.factories import OrganizationFactory

    settings.MIGU_TARGET_LANGUAGES = ["en"]
    OrganizationFactory(kind="partner", languages=["ja"])
    OrganizationFactory(kind="operator", languages=["vi"], is_active=False)
    drama = drama_with_episodes(1)

    html = content_client.get(change_url(drama)).content.decode()

    assert '<th scope="row">Japanese (ja)</th><td>—</td><td>No localisation</td>' in html
    assert "Vietnamese (vi)" not in html


def test_the_owner_autocomplete_offers_licensors_only(content_client, partner):
    licensor = LicensorFactory(name="Licensor Z")

    response = content_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "drama", "field_name": "owner", "term": ""},
    )

    assert [row["id"] for row in response.json()["results"]] == [str(licensor.pk)]


@pytest.mark.parametrize(
    ("path", "deletable"),
    [([], True), ([DramaStatus.READY], False), ([DramaStatus.READY, DramaStatus.PUBLISHED], False)],
)
def test_only_draft_dramas_can_be_deleted(content_client, path, deletable):
    drama = drama_with_episodes(3)
    for status in path:
        drama_transition(drama=drama, to_status=status)

    response = content_client.get(reverse("admin:catalog_drama_delete", args=[drama.pk]))

    assert response.status_code == (200 if deletable else 403)
    assert b'value="delete_selected"' not in content_client.get(CHANGELIST).content


def test_a_long_drama_shows_its_episodes_in_pages_of_100_and_saves_the_page_shown(content_client):
    # given a drama with 230 episodes
    drama = drama_with_episodes(230)

    # when its second page of episodes is opened
    response = content_client.get(change_url(drama), {"episodes_page": "2"})

    # then it lists episodes 101-200 and links the three pages
    formset = response.context["inline_admin_formsets"][0].formset
    assert [form.instance.number for form in formset.forms] == list(range(101, 201))
    html = response.content.decode()
    assert '<a class="episode-page" href="?episodes_page=1#episodes-group">1–100</a>' in html
    assert '<span class="episode-page current" aria-current="page">101–200</span>' in html
    assert '<a class="episode-page" href="?episodes_page=3#episodes-group">201–230</a>' in html

    # and saving that page changes its episodes and leaves the others
    data = changeform_data(response)
    data["episodes-9-duration_seconds"] = "123"  # episode 110
    data["_continue"] = "Save and continue editing"
    saved = content_client.post(f"{change_url(drama)}?episodes_page=2", data)
    assert saved.status_code == 302
    assert saved["Location"].endswith("episodes_page=2")
    assert drama.episodes.get(number=110).duration_seconds == 123
    assert drama.episodes.count() == 230
    assert drama.episodes.filter(duration_seconds=90).count() == 229


def test_a_drama_that_fits_one_page_shows_no_page_links(content_client):
    drama = drama_with_episodes(100)

    response = content_client.get(change_url(drama))

    assert b'class="episode-pages"' not in response.content
    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 100


# --- episode status ----------------------------------------------------------------------------

EPISODES = reverse("admin:catalog_episode_changelist")


def test_withholding_episodes_asks_for_a_reason_then_names_each_episode_withheld(content_client):
    # given two dramas' episodes selected in the episode list
    rebirth = drama_with_episodes(5, original_title="Rebirth")
    revenge = drama_with_episodes(2, original_title="Revenge")
    chosen = Episode.objects.filter(drama=rebirth, number__in=[2, 4, 5]) | Episode.objects.filter(drama=revenge)
    selected = [str(pk) for pk in chosen.values_list("pk", flat=True)]

    # when the action is chosen, the page asks why, and nothing changes yet
    asked = content_client.post(EPISODES, {"action": "withhold_episodes", "_selected_action": selected})
    assert asked.status_code == 200
    assert "Why are they withheld?" in asked.content.decode()
    assert not Episode.objects.filter(status=EpisodeStatus.WITHHELD).exists()

    # and when the reason is given
    response = content_client.post(
        EPISODES,
        {"action": "withhold_episodes", "_selected_action": selected, "reason": "Re-edit requested", "apply": "1"},
    )

    # then those episodes are withheld with the reason and the author, and the message names them
    assert response.status_code == 302
    withheld = Episode.objects.filter(status=EpisodeStatus.WITHHELD)
    assert sorted((e.drama.original_title, e.number) for e in withheld) == [
        ("Rebirth", 2), ("Rebirth", 4), ("Rebirth", 5), ("Revenge", 1), ("Revenge", 2),
    ]  # fmt: skip
    assert {(e.withheld_reason, e.status_changed_by.username) for e in withheld} == {
        ("Re-edit requested", "content-manager")
    }
    assert messages_of(response) == ["Withheld: “Rebirth” E2, E4–5; “Revenge” E1–2. Reason: Re-edit requested"]


def test_making_episodes_available_names_what_changed_and_what_already_was(content_client):
    drama = drama_with_episodes(3, original_title="Rebirth")
    episode_status_set(episodes=list(drama.episodes.filter(number=3)), status=EpisodeStatus.WITHHELD)
    selected = [str(pk) for pk in drama.episodes.values_list("pk", flat=True)]

    response = content_client.post(EPISODES, {"action": "make_episodes_available", "_selected_action": selected})

    assert not Episode.objects.filter(status=EpisodeStatus.WITHHELD).exists()
    assert messages_of(response) == [
        "Made available: “Rebirth” E3.",
        "Already available, left as they were: “Rebirth” E1–2.",
    ]


def test_the_episode_list_and_the_drama_page_show_each_episodes_status(content_client):
    drama = drama_with_episodes(2, original_title="Rebirth")
    episode_status_set(episodes=list(drama.episodes.filter(number=2)), status=EpisodeStatus.WITHHELD, reason="Cut")

    listed = content_client.get(EPISODES + "?status=withheld").content.decode()
    page = content_client.get(change_url(drama)).content.decode()

    assert listed.count('class="status-badge status-withheld"') == 1
    assert 'class="status-badge status-available"' not in listed
    assert page.count('class="status-badge status-available"') == 1
    assert page.count('class="status-badge status-withheld" title="Cut"') == 1
