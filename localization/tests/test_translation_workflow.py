"""The translation workflow: machine translation of a drama (glossary protected, subtitles cue by cue),
who may approve, the matrix page and its bulk actions, and its query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Episode
from catalog.tests.factories import DramaFactory, DramaLocalizationFactory
from localization.errors import TranslationError, TranslationErrorCode
from localization.models import (
    DramaLocalization,
    EpisodeLocalization,
    GlossaryTerm,
    SubtitleStatus,
    SubtitleVersion,
    TranslationStatus,
)
from localization.services import subtitle_ingest
from localization.tests.subtitle_samples import srt
from localization.tests.translation_servers import LibreTranslateServer
from localization.translation.glossary import GlossaryEntry, glossary_findings, glossary_protect, glossary_restore
from localization.translation.providers import LibreTranslateProvider
from localization.translation.selectors import translation_matrix
from localization.translation.services import drama_machine_translate, lines_rewrap, translations_approve
from media.storage import media_storage
from tests.admin_helpers import messages_of, staff_user

pytestmark = pytest.mark.django_db

ZH_SUBTITLES = srt(
    ("00:00:01,000", "00:00:02,500", "林晚，你回来了"),
    ("00:00:03,000", "00:00:05,000", "我回来了\n为了复仇"),
    ("00:00:06,000", "00:00:07,000", "走"),
)


@pytest.fixture
def libre():
    with LibreTranslateServer() as server:
        yield server


@pytest.fixture
def provider(libre):
    return LibreTranslateProvider(url=libre.url, api_key=libre.api_key, retry_base_seconds=0.01, timeout=5)


@pytest.fixture
def drama():
    """A drama in Simplified Chinese with three episodes, a Chinese localisation, and a glossary term
    approved in English."""
    drama = DramaFactory(original_title="重生之林晚", original_language="zh-Hans")
    for n in (1, 2, 3):
        Episode.objects.create(drama=drama, number=n, duration_seconds=90, original_title=f"林晚 第{n}集")
    DramaLocalization.objects.create(
        drama=drama, language="zh-Hans", title="重生之林晚", synopsis_short="林晚重生了。", status="approved"
    )
    term = GlossaryTerm.objects.create(drama=drama, term="林晚", category="character")
    term.translations.create(language="en", text="Lin Wan")
    return drama


def test_glossary_terms_are_protected_and_come_back_in_their_approved_form():
    entries = [GlossaryEntry(term="林晚", approved="Lin Wan"), GlossaryEntry(term="顾家", approved="")]

    protected = glossary_protect("林晚回到顾家。林晚笑了。", entries)

    assert "林晚" not in protected.text and protected.text.count("[[1]]") == 2
    assert glossary_restore("[[1]] returned. [ [1] ] smiled.", protected) == "Lin Wan returned. Lin Wan smiled."


def test_a_human_translation_rendering_a_term_otherwise_is_flagged():
    entries = [GlossaryEntry(term="林晚", approved="Lin Wan")]

    assert glossary_findings("林晚重生了", "Lin Wanwan is reborn", entries) == []  # contains the form
    assert glossary_findings("林晚重生了", "Linwan is reborn", entries) == ["“林晚” should read “Lin Wan”."]
    assert glossary_findings("她重生了", "She is reborn", entries) == []


def test_machine_translation_fills_what_is_missing_as_machine_with_the_glossary_enforced(drama, provider, libre):
    # when the drama is machine-translated into English
    result = drama_machine_translate(drama=drama, language="en", provider=provider)

    # then its title, synopsis and episode titles exist in English, marked machine, the name as approved
    loc = DramaLocalization.objects.get(drama=drama, language="en")
    assert loc.status == TranslationStatus.MACHINE
    assert loc.title == "en:重生之Lin Wan" and loc.synopsis_short == "en:Lin Wan重生了。"
    assert loc.title_short == "en:重生之Lin Wan"  # the title fits 19 characters
    titles = EpisodeLocalization.objects.filter(episode__drama=drama, language="en").order_by("episode__number")
    assert [(t.title, t.status) for t in titles] == [(f"en:Lin Wan 第{n}集", "machine") for n in (1, 2, 3)]
    assert result.localization and result.episode_titles == 3
    # and the provider never saw the name itself
    sent = [text for request in libre.translations() for text in request.body["q"]]
    assert sent and not any("林晚" in text for text in sent)


def test_machine_translation_never_overwrites_human_work(drama, provider):
    DramaLocalization.objects.create(drama=drama, language="en", title="Rebirth of Lin Wan", status="in_review")
    first = Episode.objects.get(drama=drama, number=1)
    EpisodeLocalization.objects.create(episode=first, language="en", title="The Return", status="approved")

    result = drama_machine_translate(drama=drama, language="en", provider=provider)

    assert DramaLocalization.objects.get(drama=drama, language="en").title == "Rebirth of Lin Wan"
    assert EpisodeLocalization.objects.get(episode=first, language="en").title == "The Return"
    assert not result.localization and result.episode_titles == 2


def test_subtitles_are_translated_cue_by_cue_keeping_timings_and_lines_through_the_pivot(drama, provider, libre):
    # given live Chinese subtitles on episode 1
    episode = Episode.objects.get(drama=drama, number=1)
    source = subtitle_ingest(episode=episode, language="zh-Hans", kind="full", filename="e1.srt",
                             data=ZH_SUBTITLES.encode())  # fmt: skip
    assert source.status == SubtitleStatus.LIVE

    # when the drama is machine-translated into Thai (the server has no Chinese → Thai: English pivots)
    result = drama_machine_translate(drama=drama, language="th", provider=provider)

    # then a Thai version went live through the upload path, marked machine, cue for cue
    version = SubtitleVersion.objects.get(track__episode=episode, track__language="th")
    assert version.status == SubtitleStatus.LIVE and version.translation_status == TranslationStatus.MACHINE
    assert version.cue_count == 3 and result.subtitles == 1
    with media_storage().open(version.webvtt.name, "rb") as handle:
        vtt = handle.read().decode()
    assert "00:00:01.000 --> 00:00:02.500\nth:en:林晚，你回来了\n" in vtt  # no Thai form of the name: left as is
    assert "00:00:03.000 --> 00:00:05.000\nth:en:我回来了\n为了复仇\n" in vtt  # two lines stay two lines
    pairs = {(r.body["source"], r.body["target"]) for r in libre.translations()}
    assert pairs == {("zh-Hans", "en"), ("en", "th")}


@pytest.mark.parametrize(
    ("text", "count", "lines"),
    [
        ("I came back for revenge", 2, ["I came back", "for revenge"]),
        ("我回来了为了复仇", 2, ["我回来了", "为了复仇"]),
        ("Go", 2, ["Go"]),
        ("one two", 1, ["one two"]),
    ],
)
def test_translated_cues_are_rewrapped_into_their_number_of_lines(text, count, lines):
    assert lines_rewrap(text, count) == lines


# --- Roles -----------------------------------------------------------------------------------------


def test_only_a_reviewer_approves(drama):
    loc = DramaLocalizationFactory(drama=drama, language="en", status="in_review")
    cells = [("localization", "en")]

    with pytest.raises(TranslationError) as caught:
        translations_approve(drama=drama, cells=cells, actor=staff_user("translator"))
    assert caught.value.code == TranslationErrorCode.NOT_ALLOWED

    result = translations_approve(drama=drama, cells=cells, actor=staff_user("reviewer"))
    assert result.localizations == 1
    loc.refresh_from_db()
    assert loc.status == TranslationStatus.APPROVED


def add_url() -> str:
    return reverse("admin:localization_dramalocalization_add")


def localization_form(drama, status: str, title: str = "Rebirth") -> dict:
    return {"drama": drama.pk, "language": "en", "status": status, "title": title, "title_medium": "",
            "title_short": "", "synopsis_short": "", "synopsis_medium": "", "synopsis_long": ""}  # fmt: skip


def test_a_translator_adds_a_translation_in_review_but_cannot_approve_it(client, drama):
    client.force_login(staff_user("translator"))

    refused = client.post(add_url(), localization_form(drama, "approved"))
    assert refused.status_code == 200 and "approved" not in dict(
        refused.context["adminform"].form.fields["status"].choices
    )
    assert not DramaLocalization.objects.filter(drama=drama, language="en").exists()

    client.post(add_url(), localization_form(drama, "in_review"))
    assert DramaLocalization.objects.get(drama=drama, language="en").status == TranslationStatus.IN_REVIEW


def test_an_approved_translation_edited_by_a_translator_goes_back_to_review(client, drama):
    loc = DramaLocalization.objects.create(drama=drama, language="en", title="Rebirth", status="approved")
    client.force_login(staff_user("translator"))
    url = reverse("admin:localization_dramalocalization_change", args=[loc.pk])

    client.post(url, localization_form(drama, "approved", title="Rebirth of Lin Wan"))

    loc.refresh_from_db()
    assert loc.title == "Rebirth of Lin Wan" and loc.status == TranslationStatus.IN_REVIEW


def test_a_reviewer_approves_in_the_form(client, drama):
    client.force_login(staff_user("reviewer"))

    client.post(add_url(), localization_form(drama, "approved"))

    assert DramaLocalization.objects.get(drama=drama, language="en").status == TranslationStatus.APPROVED


def matrix_url(drama) -> str:
    return reverse("admin:localization_translation_matrix", args=[drama.pk])


@pytest.mark.parametrize(
    ("role", "sees_approve", "sees_translate"),
    [("content", False, False), ("translator", False, True), ("reviewer", True, True), ("localization", True, True)],
)
def test_the_matrix_offers_each_role_what_it_may_do(client, drama, settings, role, sees_approve, sees_translate):
    settings.TRANSLATION_PROVIDER, settings.TRANSLATION_PROVIDER_URL = "libretranslate", "http://127.0.0.1:9"
    DramaLocalizationFactory(drama=drama, language="en", status="in_review")
    client.force_login(staff_user(role))

    page = client.get(matrix_url(drama)).content.decode()

    assert ('id="approve-selected"' in page) is sees_approve
    assert ('id="machine-translate"' in page) is sees_translate


def test_a_role_without_approval_is_refused_when_posting_it_anyway(client, drama):
    loc = DramaLocalizationFactory(drama=drama, language="en", status="in_review")
    client.force_login(staff_user("translator"))

    response = client.post(matrix_url(drama), {"action": "approve", "cell": ["localization:en"]}, follow=True)

    assert messages_of(response) == ["Only a reviewer approves translations."]
    loc.refresh_from_db()
    assert loc.status == TranslationStatus.IN_REVIEW


def test_a_reviewer_bulk_approves_selected_cells_from_the_matrix(client, drama):
    # given English titles and episode titles in review, and Korean ones too
    for language in ("en", "ko"):
        DramaLocalizationFactory(drama=drama, language=language, status="in_review")
        for episode in drama.episodes.all():
            EpisodeLocalization.objects.create(episode=episode, language=language, title="x", status="machine")
    client.force_login(staff_user("reviewer"))

    # when English titles and English episode titles are approved
    response = client.post(
        matrix_url(drama), {"action": "approve", "cell": ["localization:en", "episode_titles:en"]}, follow=True
    )

    # then only those changed, and the page shows 3/3 for English, 0/3 for Korean
    assert messages_of(response) == ["Approved 1 localisation(s), 3 episode title(s) and 0 subtitle version(s)."]
    assert DramaLocalization.objects.get(drama=drama, language="ko").status == "in_review"
    matrix = translation_matrix(drama=drama, languages=["en", "ko"])
    episodes = next(row for row in matrix.rows if row.key == "episode_titles")
    assert (episodes.cells["en"].approved, episodes.cells["en"].status) == (3, "approved")
    assert (episodes.cells["ko"].approved, episodes.cells["ko"].status) == (0, "machine")


def test_with_no_provider_the_matrix_says_machine_translation_is_off(client, drama, settings):
    settings.TRANSLATION_PROVIDER = ""
    client.force_login(staff_user("translator"))

    page = client.get(matrix_url(drama)).content.decode()
    response = client.post(matrix_url(drama), {"action": "machine_translate", "language": ["en"]}, follow=True)

    assert "Machine translation is off: no provider is configured." in page
    assert messages_of(response)[0].startswith("Machine translation is off")


def test_the_matrix_shows_statuses_and_glossary_warnings(client, drama):
    DramaLocalization.objects.create(drama=drama, language="en", title="Rebirth of Linwan", status="in_review")
    client.force_login(staff_user("reviewer"))

    page = client.get(matrix_url(drama)).content.decode()

    matrix = translation_matrix(drama=drama, languages=["en"])
    title = matrix.rows[0].cells["en"]
    assert title.status == "in_review" and title.warnings == ["“林晚” should read “Lin Wan”."]
    assert matrix.rows[2].cells["en"].status == "missing"  # no 19-character title
    assert "should read “Lin Wan”" in page
    assert [row.key for row in matrix.rows][-1] == "dub"


def test_the_matrix_takes_the_same_queries_for_3_or_30_episodes_and_6_languages(drama, settings):
    settings.MIGU_TARGET_LANGUAGES = ["en", "ko", "th", "ar", "zh-Hant-HK", "yue"]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            translation_matrix(drama=drama)
        return len(queries)

    small = count()
    for n in range(4, 31):
        episode = Episode.objects.create(drama=drama, number=n, duration_seconds=90)
        for language in ("en", "ko", "th"):
            EpisodeLocalization.objects.create(episode=episode, language=language, title="t", status="machine")
        subtitle_ingest(episode=episode, language="en", kind="full", filename="e.srt",
                        data=srt(("00:00:01,000", "00:00:02,000", "Go.")).encode())  # fmt: skip

    assert count() == small
    assert small == 7  # languages, localisations, glossary terms, their forms, episodes, titles, subtitles


def test_the_localisation_page_shows_the_glossary_check_for_review(client, drama):
    loc = DramaLocalization.objects.create(
        drama=drama, language="en", title="Rebirth of Linwan", synopsis_short="Lin Wan is reborn.", status="in_review"
    )
    client.force_login(staff_user("reviewer"))

    page = client.get(reverse("admin:localization_dramalocalization_change", args=[loc.pk])).content.decode()

    assert "Title (unlimited): “林晚” should read “Lin Wan”." in page
    assert "Synopsis (190)" not in page.split("Glossary check")[1]  # that one reads as approved


def test_subtitle_batches_carry_their_neighbouring_cues_as_deepl_context():
    from localization.subtitles.cues import Cue
    from localization.tests.translation_servers import DeepLServer
    from localization.translation.providers import DeepLProvider
    from localization.translation.services import subtitle_cues_translate

    cues = [Cue(start_ms=i * 1000, end_ms=i * 1000 + 800, lines=[f"第{i}句"], line=i) for i in range(1, 6)]
    with DeepLServer() as server:
        provider = DeepLProvider(url=server.url, api_key=server.auth_key, retry_base_seconds=0.01)

        out = subtitle_cues_translate(cues, provider=provider, source="zh-Hans", target="ko", entries=[], batch=2)

    assert [(c.start_ms, c.end_ms, c.lines) for c in out] == [
        (c.start_ms, c.end_ms, [f"ko:{c.lines[0]}"]) for c in cues
    ]
    requests = server.translations()
    assert [r.body["text"] for r in requests] == [["第1句", "第2句"], ["第3句", "第4句"], ["第5句"]]
    assert [r.body.get("context") for r in requests] == ["第3句 第4句", "第1句 第2句 第5句", "第3句 第4句"]


def test_a_translator_starts_one_machine_translation_job_per_checked_language(client, drama, settings):
    from jobs.models import Job, JobKind, JobStatus

    settings.TRANSLATION_PROVIDER, settings.TRANSLATION_PROVIDER_URL = "libretranslate", "http://127.0.0.1:9"
    client.force_login(staff_user("translator"))

    response = client.post(
        matrix_url(drama), {"action": "machine_translate", "language": ["en", "ko", "xx-bogus"]}, follow=True
    )

    jobs = Job.objects.filter(kind=JobKind.TRANSLATION).order_by("pk")
    assert [(j.params["language"], j.status, j.organization_id) for j in jobs] == [
        ("en", JobStatus.PENDING, drama.owner_id),
        ("ko", JobStatus.PENDING, drama.owner_id),
    ]
    assert messages_of(response)[0].startswith("Machine translation started into en, ko")


@pytest.mark.parametrize("action", ["machine_translate", "import"])
def test_a_content_manager_may_look_but_not_translate_or_import(client, drama, settings, action):
    from jobs.models import Job

    settings.TRANSLATION_PROVIDER, settings.TRANSLATION_PROVIDER_URL = "libretranslate", "http://127.0.0.1:9"
    client.force_login(staff_user("content"))

    response = client.post(matrix_url(drama), {"action": action, "language": ["en"]}, follow=True)

    assert response.status_code == 200
    assert messages_of(response)[0].startswith("Only translators and reviewers")
    assert not Job.objects.exists()
