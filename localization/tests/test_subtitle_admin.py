"""The admin's subtitle pages through the Django test client: one upload, the version's findings on their
cues, waivers, bulk uploads, the coverage matrix, and who may open what."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Episode
from catalog.tests.factories import drama_with_episodes
from localization.models import SubtitleFindingWaiver, SubtitleStatus, SubtitleVersion
from localization.services import subtitle_ingest
from localization.tests.subtitle_samples import srt
from tests.admin_helpers import messages_of, staff_user

pytestmark = pytest.mark.django_db

GOOD = srt(("00:00:01,000", "00:00:03,000", "Why did you come back?")).encode()
WARNED = srt(
    ("00:00:01,000", "00:00:03,000", "Why did you come back?"),
    ("00:00:03,010", "00:00:03,200", "Go."),
    crlf=True,
).encode()
OVERLAPPING = srt(
    ("00:00:01,000", "00:00:03,000", "Why did you come back?"), ("00:00:02,000", "00:00:04,000", "Go away.")
).encode()
ARABIC = srt(("00:00:01,000", "00:00:03,000", "لماذا عدت؟"), ("00:00:03,010", "00:00:03,300", "اذهب")).encode()


def upload_url(episode) -> str:
    return reverse("admin:localization_subtitle_upload", args=[episode.pk])


def version_url(version) -> str:
    return reverse("admin:localization_subtitleversion_change", args=[version.pk])


def bulk_url(drama) -> str:
    return reverse("admin:localization_subtitle_bulk", args=[drama.pk])


def coverage_url(drama) -> str:
    return reverse("admin:localization_subtitle_coverage", args=[drama.pk])


def waive_url(version, index: int) -> str:
    return reverse("admin:localization_subtitle_waive", args=[version.pk, index])


def file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def localizer(client):
    client.force_login(staff_user("localization"))
    return client


@pytest.fixture
def episode():
    return drama_with_episodes(2).episodes.get(number=1)


# --- one upload -----------------------------------------------------------------------------------


def test_an_upload_goes_live_and_the_message_links_the_version_with_its_counts(localizer, episode):
    # given the upload page, with languages named
    page = localizer.get(upload_url(episode))
    assert page.status_code == 200
    assert "Thai (th)" in page.content.decode()

    # when a clean SRT is uploaded in English, SDH
    response = localizer.post(upload_url(episode), {"language": "en", "kind": "sdh", "file": file("a.srt", GOOD)})

    # then it is live, and the message says so with its counts and a link to the version's page
    version = SubtitleVersion.objects.get()
    assert (version.status, version.track.language, version.track.kind) == (SubtitleStatus.LIVE, "en", "sdh")
    assert response.status_code == 302
    assert response["Location"] == version_url(version)
    [message] = messages_of(response)
    assert f'href="{version_url(version)}"' in message
    assert "Version 1</a> is live: 1 cues, 0 errors, 0 warnings" in message


def test_a_rejected_upload_says_so_and_the_live_version_stays(localizer, episode):
    live = subtitle_ingest(episode=episode, language="en", kind="full", filename="a.srt", data=GOOD)

    response = localizer.post(
        upload_url(episode), {"other_language": "EN", "kind": "full", "file": file("b.srt", OVERLAPPING)}
    )

    [message] = messages_of(response)
    assert "Version 2</a> was rejected: 2 cues, 1 errors, 0 warnings" in message
    live.refresh_from_db()
    assert live.status == SubtitleStatus.LIVE


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"other_language": "klingon", "kind": "full"}, "'klingon' is not a BCP 47 language tag"),
        ({"kind": "full"}, "Choose the file's language, or type its tag."),
        ({"language": "th", "kind": "karaoke"}, "Select a valid choice."),
    ],
)
def test_a_bad_upload_form_is_refused_with_the_reason_and_nothing_kept(localizer, episode, data, error):
    response = localizer.post(upload_url(episode), {**data, "file": file("a.srt", GOOD)})

    assert response.status_code == 200
    assert error in response.content.decode().replace("&#x27;", "'")
    assert not SubtitleVersion.objects.exists()


def test_a_file_over_the_limit_is_refused_with_its_code_and_nothing_kept(localizer, episode):
    response = localizer.post(
        upload_url(episode), {"language": "en", "kind": "full", "file": file("a.srt", b"0" * (8 * 1024 * 1024 + 1))}
    )

    assert response.status_code == 200
    assert "(file_too_large)" in response.content.decode()
    assert not SubtitleVersion.objects.exists()


# --- the version's page ---------------------------------------------------------------------------


def test_the_version_page_shows_each_finding_on_its_cue_errors_first(localizer, episode):
    # given a rejected version: cue 2 overlaps cue 1
    version = subtitle_ingest(episode=episode, language="en", kind="full", filename="b.srt", data=OVERLAPPING)

    page = localizer.get(version_url(version)).content.decode()

    # then cue 2 with its times and text stands beside its error, with the encoding and QC profile
    row = re.search(r'<tr class="cue-row has-error" id="cue-2">(.*?)</tr>', page, re.S).group(1)
    assert "00:00:02.000 → 00:00:04.000" in row
    assert "Go away." in row
    assert "severity-error" in row and "overlap" in row
    assert re.search(r'id="version-encoding">utf-8<', page)
    assert re.search(r'id="version-profile">vertical<', page)
    assert "cannot be waived" in page
    # errors are never offered a waiver
    assert "waiver-form" not in row


def test_the_version_page_is_read_only(localizer, episode):
    version = subtitle_ingest(episode=episode, language="en", kind="full", filename="a.srt", data=WARNED)

    assert localizer.post(version_url(version), {"status": "rejected"}).status_code == 405
    assert localizer.get(waive_url(version, 0)).status_code == 405
    version.refresh_from_db()
    assert version.status == SubtitleStatus.LIVE
    assert not SubtitleFindingWaiver.objects.exists()


def test_right_to_left_cue_text_is_shown_with_its_direction_and_isolated(localizer, episode):
    version = subtitle_ingest(episode=episode, language="ar", kind="full", filename="a.srt", data=ARABIC)

    page = localizer.get(version_url(version)).content.decode()

    assert '<td class="cue-text" lang="ar" dir="rtl"><bdi dir="rtl">اذهب</bdi></td>' in page


# --- waivers --------------------------------------------------------------------------------------


def test_a_warning_is_waived_from_the_page_and_shown_waived_with_its_reason(localizer, episode):
    version = subtitle_ingest(episode=episode, language="en", kind="full", filename="a.srt", data=WARNED)
    index = next(i for i, f in enumerate(version.findings) if f["code"] == "gap_too_short")

    response = localizer.post(waive_url(version, index), {"reason": "a jump cut, intended"})

    assert response.status_code == 302
    waiver = SubtitleFindingWaiver.objects.get()
    assert (waiver.finding_index, waiver.waived_by.username) == (index, "localization-manager")
    page = localizer.get(version_url(version)).content.decode()
    finding = re.search(rf'<li class="finding waived" id="finding-{index}".*?</li>', page, re.S).group(0)
    assert "warning, waived" in finding
    assert "a jump cut, intended" in finding
    assert "localization-manager" in finding


def test_an_error_cannot_be_waived_from_the_page(localizer, episode):
    version = subtitle_ingest(episode=episode, language="en", kind="full", filename="b.srt", data=OVERLAPPING)
    index = next(i for i, f in enumerate(version.findings) if f["severity"] == "error")

    response = localizer.post(waive_url(version, index), {"reason": "ship it"}, follow=True)

    assert not SubtitleFindingWaiver.objects.exists()
    assert any("error_not_waivable" in message for message in messages_of(response))


def test_a_waiver_without_a_reason_is_refused_on_the_page(localizer, episode):
    version = subtitle_ingest(episode=episode, language="en", kind="full", filename="a.srt", data=WARNED)

    response = localizer.post(waive_url(version, 0), {"reason": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not SubtitleFindingWaiver.objects.exists()


# --- bulk uploads ---------------------------------------------------------------------------------


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_is_uploaded_and_each_file_gets_a_row(localizer):
    drama = drama_with_episodes(3)
    archive = zip_bytes({"ep001.th.srt": GOOD, "ep002.ar.forced.srt": ARABIC, "ep009.en.srt": GOOD,
                         "../ep003.en.srt": GOOD, "ep003.en.srt": OVERLAPPING})  # fmt: skip

    response = localizer.post(bulk_url(drama), {"archive": file("subs.zip", archive)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "2 live, 1 rejected, 2 refused" in page
    rows = {row.name: row for row in response.context["rows"]}
    assert rows["ep001.th.srt"].outcome == "live"
    assert rows["ep009.en.srt"].code == "no_such_episode"
    assert rows["ep003.en.srt"].outcome == "rejected"
    assert sorted(row.code for row in response.context["rows"] if row.outcome == "refused") == [
        "no_such_episode", "unsafe_path"
    ]  # fmt: skip


def test_several_files_are_uploaded_at_once(localizer):
    drama = drama_with_episodes(2)

    response = localizer.post(
        bulk_url(drama), {"files": [file("ep001.en.srt", GOOD), file("ep002.en.srt", GOOD), file("x.txt", b"x")]}
    )

    assert [row.outcome for row in response.context["rows"]] == ["live", "live", "refused"]
    assert SubtitleVersion.objects.filter(status="live").count() == 2


def test_a_folder_of_several_hundred_files_is_taken(localizer):
    # given a drama of 3 episodes and a folder of 300 files (Django takes 100 files per request by default)
    drama = drama_with_episodes(3)
    files = [file(f"ep{n:03d}.en.srt", GOOD) for n in range(1, 301)]

    response = localizer.post(bulk_url(drama), {"folder": files})

    assert response.status_code == 200
    outcomes = [row.outcome for row in response.context["rows"]]
    assert outcomes.count("live") == 3
    assert outcomes.count("refused") == 297


@pytest.mark.parametrize(
    ("data", "message"),
    [({}, "Choose subtitle files, a folder or a zip."), ({"archive": ("a.zip", b"not a zip")}, "(not_a_zip)")],
)
def test_a_bulk_upload_with_nothing_or_no_zip_is_refused_with_the_reason(localizer, data, message):
    drama = drama_with_episodes(1)
    payload = {key: file(*value) for key, value in data.items()}

    response = localizer.post(bulk_url(drama), payload)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SubtitleVersion.objects.exists()


# --- coverage -------------------------------------------------------------------------------------


def cells(page: str) -> dict[tuple[str, str], str]:
    found = {}
    for row in re.finditer(r'<tr id="episode-(\d+)">(.*?)</tr>', page, re.S):
        for language, state in re.findall(r'data-language="([^"]+)" data-state="([^"]+)"', row.group(2)):
            found[(row.group(1), language)] = state
    return found


def test_the_coverage_page_shows_each_cell_and_the_totals(localizer):
    drama = drama_with_episodes(2)
    ep1, ep2 = drama.episodes.order_by("number")
    subtitle_ingest(episode=ep1, language="en", kind="full", filename="a.srt", data=GOOD)
    subtitle_ingest(episode=ep2, language="en", kind="full", filename="a.srt", data=OVERLAPPING)

    page = localizer.get(coverage_url(drama)).content.decode()

    assert cells(page) == {("1", "en"): "live", ("2", "en"): "rejected"}
    assert "Live: 1" in page and "Rejected: 1" in page and "Missing: 0" in page
    assert f'href="{upload_url(ep2)}?language=en"' in page


def test_the_coverage_page_takes_as_many_queries_for_100_episodes_as_for_2(localizer):
    small, large = drama_with_episodes(2), drama_with_episodes(100)
    for drama in (small, large):
        for episode in drama.episodes.all()[:2]:
            subtitle_ingest(episode=episode, language="th", kind="full", filename="a.srt", data=WARNED)
    localizer.get(coverage_url(small))  # the session and permissions cached alike for both

    counts = []
    for drama in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert localizer.get(coverage_url(drama)).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[1] <= 8  # 7 measured: session, user, permissions, the drama, and the two of the matrix


def test_the_drama_list_and_page_link_the_coverage_and_the_episode_page_the_upload(client):
    client.force_login(staff_user("superuser"))
    drama = drama_with_episodes(1)
    episode = drama.episodes.get()

    listing = client.get(reverse("admin:catalog_drama_changelist")).content.decode()
    page = client.get(reverse("admin:catalog_drama_change", args=[drama.pk])).content.decode()
    episode_page = client.get(reverse("admin:catalog_episode_change", args=[episode.pk])).content.decode()

    assert f'href="{coverage_url(drama)}"' in listing
    assert f'href="{coverage_url(drama)}"' in page
    assert f'href="{upload_url(episode)}"' in episode_page


# --- who may open what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "upload", "see", "waive"),
    [
        ("localization", 200, 200, 302),
        ("superuser", 200, 200, 302),
        ("content", 403, 200, 403),
        ("rights", 403, 403, 403),
    ],
)
def test_only_staff_with_the_permission_reach_each_page(client, role, upload, see, waive):
    # given a version with a warning, and a staff user of `role`
    drama = drama_with_episodes(1)
    episode = drama.episodes.get()
    version = subtitle_ingest(episode=episode, language="en", kind="full", filename="a.srt", data=WARNED)
    client.force_login(staff_user(role))

    # then each page answers as the role's permissions say
    assert client.get(upload_url(episode)).status_code == upload
    assert client.get(bulk_url(drama)).status_code == upload
    assert client.get(coverage_url(drama)).status_code == see
    assert client.get(reverse("admin:localization_subtitleversion_changelist")).status_code == see
    assert client.get(version_url(version)).status_code == see
    assert client.post(waive_url(version, 0), {"reason": "fine"}).status_code == waive


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(client):
    from partners.tests.factories import UserFactory

    drama = drama_with_episodes(1)
    client.force_login(UserFactory(is_staff=False))

    response = client.get(coverage_url(drama))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_missing_ids_answer_404_on_every_page(localizer):
    # The admin shows staff every owner's dramas (DramaAdmin/EpisodeAdmin.get_queryset scope nothing);
    # these pages fetch through those querysets, so an id out of them is this same 404.
    drama = drama_with_episodes(1)
    version = subtitle_ingest(episode=drama.episodes.get(), language="en", kind="full", filename="a.srt", data=WARNED)
    gone = max(Episode.objects.values_list("pk", flat=True)) + 1

    assert localizer.get(reverse("admin:localization_subtitle_upload", args=[gone])).status_code == 404
    assert localizer.get(reverse("admin:localization_subtitle_bulk", args=[drama.pk + 1000])).status_code == 404
    assert localizer.get(reverse("admin:localization_subtitle_coverage", args=[drama.pk + 1000])).status_code == 404
    assert (
        localizer.get(reverse("admin:localization_subtitleversion_change", args=[version.pk + 1000])).status_code == 404
    )
    missing_waive = reverse("admin:localization_subtitle_waive", args=[version.pk + 1000, 0])
    assert localizer.post(missing_waive, {"reason": "x"}).status_code == 404
