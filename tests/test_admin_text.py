"""Text in its language's direction and names, not numbers, across the admin (migu_platform.admin_text)."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from catalog.tests.factories import DramaFactory, DramaLocalizationFactory, EpisodeFactory
from localization.admin import DramaLocalizationForm
from migu_platform.admin_text import bidi, direction_attrs, error_message, person_name
from migu_platform.errors import moment_text
from partners.tests.factories import OrganizationFactory, UserFactory
from rights.errors import RightsOverlapError
from rights.models import RightsEvent, RightsStatus, RightsWindow
from rights.tests.factories import at, drama_with_rights_in, grant_out
from tests.admin_helpers import changeform_data, staff_user

pytestmark = pytest.mark.django_db

ARABIC_TITLE = "الزواج السريع"


def acquired_drama(title: str = "重生之千金归来"):
    """A Chinese drama its owner licensed to the platform in Thailand."""
    drama = drama_with_rights_in(territories=("TH",))
    drama.original_title = title
    drama.save(update_fields=["original_title"])
    return drama


@pytest.mark.parametrize(
    ("language", "attrs"),
    [
        ("ar", {"dir": "rtl", "lang": "ar"}),
        ("ur", {"dir": "rtl", "lang": "ur"}),
        ("zh-Hans", {"dir": "ltr", "lang": "zh-Hans"}),
        (None, {"dir": "auto"}),
        ("", {"dir": "auto"}),
    ],
)
def test_text_attributes_follow_the_language(language, attrs):
    assert direction_attrs(language) == attrs


def test_bidi_isolates_and_escapes_the_text():
    assert bidi("<b>闪婚</b>", "zh-Hans") == '<bdi dir="ltr" lang="zh-Hans">&lt;b&gt;闪婚&lt;/b&gt;</bdi>'
    assert bidi("Haneul TV") == '<bdi dir="auto">Haneul TV</bdi>'


def test_a_localisation_form_gives_its_text_fields_the_direction_saved_posted_or_unknown():
    # given an Arabic localisation
    arabic = DramaLocalizationFactory(language="ar", title=ARABIC_TITLE)

    # then its form's text fields run right to left, and the language field is left alone
    saved = DramaLocalizationForm(instance=arabic)
    assert saved.fields["title"].widget.attrs["dir"] == "rtl"
    assert saved.fields["synopsis_long"].widget.attrs["lang"] == "ar"
    assert "dir" not in saved.fields["language"].widget.attrs
    # a form posted as Hebrew follows what was posted; a new one leaves it to the text
    posted = DramaLocalizationForm({"language": "he"}, instance=arabic)
    assert (posted.fields["title"].widget.attrs["dir"], posted.fields["title"].widget.attrs["lang"]) == ("rtl", "he")
    assert DramaLocalizationForm().fields["title"].widget.attrs["dir"] == "auto"
    # and each form has its own attributes (widgets are not shared between forms)
    english = DramaLocalizationForm(instance=DramaLocalizationFactory(language="en"))
    assert english.fields["title"].widget.attrs["dir"] == "ltr"
    assert DramaLocalizationForm(instance=arabic).fields["title"].widget.attrs["dir"] == "rtl"


def test_the_drama_page_sets_each_localisation_row_in_its_direction(client):
    # given a Chinese drama localised in Arabic and English
    client.force_login(staff_user("superuser"))
    drama = DramaFactory(original_title="闪婚后，豪门老公马甲掉了")
    EpisodeFactory(drama=drama, number=1, original_title="第一集")
    DramaLocalizationFactory(drama=drama, language="ar", title=ARABIC_TITLE)
    DramaLocalizationFactory(drama=drama, language="en", title="Flash Marriage")

    # when the drama's page is opened
    page = client.get(reverse("admin:catalog_drama_change", args=[drama.pk])).content.decode()

    # then the Arabic row's fields are right to left, the English and the Chinese ones left to right
    assert 'dir="rtl" lang="ar"' in page
    assert 'dir="ltr" lang="en"' in page
    assert page.count('dir="rtl"') == 6  # the six text fields of the Arabic row, nothing else
    assert page.count('dir="ltr" lang="zh-Hans"') == 2  # the drama's original title and its episode's


def test_a_read_only_localisation_shows_its_text_right_to_left(client):
    # given a rights manager, who may view localisations but not change them
    client.force_login(staff_user("rights"))
    arabic = DramaLocalizationFactory(language="ar", title=ARABIC_TITLE)

    # when they open it
    page = client.get(reverse("admin:localization_dramalocalization_change", args=[arabic.pk])).content.decode()

    # then the title is a read-only text in Arabic's direction, the language tag is not
    assert f'<div class="readonly" dir="rtl" lang="ar">{ARABIC_TITLE}</div>' in page
    assert '<div class="readonly">ar</div>' in page


def test_the_localisation_list_isolates_titles_and_names_languages(client):
    client.force_login(staff_user("localization"))
    DramaLocalizationFactory(language="ar", title=ARABIC_TITLE)
    DramaLocalizationFactory(language="fil", title="Mabilis na Kasal")

    page = client.get(reverse("admin:localization_dramalocalization_changelist")).content.decode()

    assert f'<bdi dir="rtl" lang="ar">{ARABIC_TITLE}</bdi>' in page
    assert "Filipino (fil)" in page and "Arabic (ar)" in page


def test_a_rights_window_is_named_by_its_drama_and_licensee():
    drama = acquired_drama()
    partner = OrganizationFactory(name="Haneul TV")
    window = grant_out(drama, partner, licence_type="SVOD", start=at(0), end=None)

    assert str(window) == "Rights out: 重生之千金归来 → Haneul TV, SVOD 2026-01-01 to open end"
    assert str(RightsEvent.objects.get(window=window)) == "Granted: 重生之千金归来 → Haneul TV, SVOD"


def test_revoking_windows_names_each_one_and_a_refusal_gives_its_sentence_and_code(client):
    # given a drama's rights in and a window out they cover
    client.force_login(staff_user("rights"))
    drama = acquired_drama()
    rights_in = RightsWindow.objects.get(drama=drama, direction="in", licence_type="AVOD")
    out = grant_out(drama, OrganizationFactory(name="Haneul TV"))

    # when both are revoked from the list (the rights in first: the window out still depends on them)
    response = client.post(
        reverse("admin:rights_rightswindow_changelist"),
        {"action": "revoke_windows", "_selected_action": [rights_in.pk, out.pk]},
    )

    # then the refusal reads as a sentence naming the window, its code in small print; the revoked one is named
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    refused, revoked = texts
    assert refused.startswith('“<bdi dir="ltr" lang="zh-Hans">重生之千金归来</bdi>” → ')
    assert "depend on these rights in" in refused
    assert refused.endswith('<small class="error-code">(code: rights_in_in_use)</small>')
    assert revoked.startswith('Revoked: “<bdi dir="ltr" lang="zh-Hans">重生之千金归来</bdi>” → ')
    assert '<bdi dir="auto">Haneul TV</bdi> (AVOD, 2026-01-01 to open end)' in revoked
    assert RightsWindow.objects.get(pk=rights_in.pk).status != RightsStatus.REVOKED
    assert RightsWindow.objects.get(pk=out.pk).status == RightsStatus.REVOKED


def test_a_refused_grant_shows_the_sentence_with_the_code_in_small_print(client):
    # given a drama acquired for Thailand only
    client.force_login(staff_user("rights"))
    drama = acquired_drama()
    partner = OrganizationFactory(name="Haneul TV")
    add = reverse("admin:rights_rightswindow_add")
    data = changeform_data(client.get(add))
    data.update(
        direction="out", drama=str(drama.pk), licensee=str(partner.pk), territories="JP", licence_type="SVOD",
        start_0="2026-01-01", start_1="00:00:00", status="approved",
    )  # fmt: skip

    # when a window out for Japan is granted
    response = client.post(add, data)

    # then the form says why in a sentence, the code in small print, and nothing is written
    page = response.content.decode()
    assert response.status_code == 200
    assert "No rights in cover this window in JP" in page
    assert '<small class="error-code">(code: no_rights_in)</small>' in page
    assert not RightsWindow.objects.filter(licensee=partner).exists()


def test_the_window_form_chooses_drama_licensee_and_channel_by_name(client):
    client.force_login(staff_user("rights"))

    page = client.get(reverse("admin:rights_rightswindow_add")).content.decode()

    for field in ("drama", "licensee", "channel"):
        assert f'id="id_{field}"' in page
        select = (
            page.split(f'id="id_{field}"')[0].rsplit("<select", 1)[1] + page.split(f'id="id_{field}"')[1].split(">")[0]
        )
        assert "admin-autocomplete" in select, field


def test_an_error_message_keeps_the_code_for_support():
    error = RightsOverlapError("This window overlaps an exclusive window out.")
    assert error_message(error) == (
        'This window overlaps an exclusive window out. <small class="error-code">(code: rights_overlap)</small>'
    )


def test_a_person_is_a_name():
    assert person_name(UserFactory(username="mei", first_name="Mei", last_name="Lin")) == "Mei Lin"
    assert person_name(UserFactory(username="kai", first_name="", last_name="")) == "kai"
    assert person_name(None) == "—"


def test_who_uploaded_a_master_is_a_name_not_a_link_to_a_forbidden_page(client, settings, tmp_path):
    from media.models import Master

    # given a content manager and a master uploaded by a colleague
    settings.MEDIA_ROOT = tmp_path
    client.force_login(staff_user("content"))
    uploader = UserFactory(username="mei", first_name="Mei", last_name="Lin")
    episode = EpisodeFactory()
    master = Master.objects.create(
        episode=episode, file="masters/m.mp4", original_filename="m.mp4", size_bytes=1, uploaded_by=uploader
    )

    # when they open the master
    page = client.get(reverse("admin:media_master_change", args=[master.pk])).content.decode()

    # then the uploader is named, with no link to the user's page (which they may not open)
    assert "Mei Lin" in page
    assert reverse("admin:auth_user_change", args=[uploader.pk]) not in page
    assert client.get(reverse("admin:auth_user_change", args=[uploader.pk])).status_code == 403


def test_the_window_list_shows_names_in_their_direction(client):
    client.force_login(staff_user("rights"))
    drama = acquired_drama()
    grant_out(drama, OrganizationFactory(name="قناة الدراما"), start=timezone.now())

    page = client.get(reverse("admin:rights_rightswindow_changelist")).content.decode()

    assert '<bdi dir="ltr" lang="zh-Hans">重生之千金归来</bdi>' in page
    assert '<bdi dir="auto">قناة الدراما</bdi>' in page


def test_a_refusal_on_the_admin_gives_its_times_in_the_user_s_time_zone(client):
    # given a rights manager whose browser is in Dubai, and a drama acquired for Thailand
    client.force_login(staff_user("rights"))
    client.cookies["migu_tz"] = "Asia/Dubai"
    drama = acquired_drama()
    partner = OrganizationFactory(name="Haneul TV")
    add = reverse("admin:rights_rightswindow_add")
    data = changeform_data(client.get(add))
    data.update(
        direction="out", drama=str(drama.pk), licensee=str(partner.pk), territories="JP", licence_type="SVOD",
        start_0="2026-01-01", start_1="08:00:00", status="approved",
    )  # fmt: skip

    # when a window out for Japan is granted, its start typed in Dubai's time
    page = client.post(add, data).content.decode()

    # then the refusal gives the start as typed, in Dubai's time, not as a raw UTC timestamp
    assert "from 2026-01-01 08:00 +04 to open end" in page
    assert "T04:00:00" not in page


@pytest.mark.parametrize("cookie", ["Mars/Olympus_Mons", "../../etc/passwd", "x" * 200, ""])
def test_a_time_zone_the_browser_made_up_leaves_the_server_s(client, cookie):
    client.force_login(staff_user("rights"))
    client.cookies["migu_tz"] = cookie

    response = client.get(reverse("admin:rights_rightswindow_changelist"))

    assert response.status_code == 200
    assert str(response.context["request"].COOKIES.get("migu_tz", "")) == cookie
    assert timezone.get_current_timezone_name() == "UTC"


def test_moment_text_writes_an_instant_in_the_active_zone():
    instant = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert moment_text(instant) == "2026-01-01 00:00 UTC"
    with timezone.override(zoneinfo.ZoneInfo("Asia/Manila")):
        assert moment_text(instant) == "2026-01-01 08:00 PST"
    assert moment_text(None) == "open end"


def test_a_read_only_episode_table_sets_each_title_in_its_drama_s_direction(client):
    # given a localization manager, who may view a drama's episodes but not change them, and an Arabic drama
    client.force_login(staff_user("localization"))
    drama = DramaFactory(original_title="الانتقام", original_language="ar")
    EpisodeFactory(drama=drama, number=1, original_title="الحلقة الأولى")

    # when the drama's page is opened
    page = client.get(reverse("admin:catalog_drama_change", args=[drama.pk])).content.decode()

    # then the episode's read-only title runs right to left, and so does the drama's own title field
    assert '<p dir="rtl" lang="ar">الحلقة الأولى</p>' in page
    title_input = re.search(r'<input[^>]*name="original_title"[^>]*>', page)[0]
    assert 'dir="rtl" lang="ar"' in title_input


def test_the_language_filters_name_each_language(client):
    client.force_login(staff_user("localization"))
    DramaLocalizationFactory(language="fil", title="Mabilis na Kasal")
    DramaLocalizationFactory(language="ar", title=ARABIC_TITLE)

    page = client.get(reverse("admin:localization_dramalocalization_changelist")).content.decode()
    filtered = client.get(reverse("admin:localization_dramalocalization_changelist"), {"language__exact": "fil"})

    assert '<a href="?language__exact=fil">Filipino (fil)</a>' in page
    assert [loc.language for loc in filtered.context["cl"].result_list] == ["fil"]


def test_the_header_says_which_time_zone_the_pages_are_in(client):
    client.force_login(staff_user("rights"))
    client.cookies["migu_tz"] = "Asia/Bangkok"

    page = client.get(reverse("admin:index")).content.decode()

    assert ">Asia/Bangkok</span>" in page


def test_the_audit_and_event_lists_name_windows_without_a_query_per_row(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given one window out, listed in the audit trail and the events
    client.force_login(staff_user("rights"))
    drama = acquired_drama()
    grant_out(drama, OrganizationFactory(name="Haneul TV"))
    lists = [reverse("admin:rights_rightsaudit_changelist"), reverse("admin:rights_rightsevent_changelist")]
    with CaptureQueriesContext(connection) as one:
        for url in lists:
            client.get(url)

    # when nine more are granted to other partners
    for n in range(9):
        grant_out(drama, OrganizationFactory(name=f"Partner {n}"), territories=["TH"], start=at(n + 1), end=at(n + 2))

    # then the lists name each window by drama and licensee in the same number of queries
    with django_assert_max_num_queries(len(one)):
        pages = [client.get(url).content.decode() for url in lists]
    assert all("Partner 8" in page and "重生之千金归来" in page for page in pages)
