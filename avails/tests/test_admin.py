import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from avails.models import AvailsImport
from avails.tests.samples import SAMPLE_WITH_ERRORS, sample_bytes
from partners.models import Organization
from partners.tests.factories import UserFactory
from rights.models import RightsWindow

pytestmark = pytest.mark.django_db


def _staff(group: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def rights_manager_client(client):
    client.force_login(_staff("rights"))
    return client


def _upload(client, name: str, **data):
    upload = SimpleUploadedFile(name, sample_bytes(name))
    return client.post(reverse("admin:avails_availsimport_add"), {"file": upload, "direction": "in", **data})


def test_upload_previews_then_confirm_imports(rights_manager_client):
    # when a rights manager uploads a valid file
    response = _upload(rights_manager_client, "TV_v1.9.xlsx")
    record = AvailsImport.objects.get()
    # then they see what would change, and nothing is written yet
    assert response.status_code == 302 and response.url == reverse(
        "admin:avails_availsimport_preview", args=[record.pk]
    )
    assert (record.status, record.created_count, record.error_count) == ("previewed", 38, 0)
    assert RightsWindow.objects.count() == 0
    page = rights_manager_client.get(response.url).content.decode()
    assert "Created 38" in page and 'id="avails-confirm"' in page and "The Detectives" in page
    # and the licensor and the drama the file would create are listed apart, each to be chosen for
    assert 'id="avails-new-organization-0"' in page and 'id="avails-new-drama-0"' in page
    assert "Rockstar Films" in page and 'name="resolution_token"' in page
    # when they confirm without choosing
    response = rights_manager_client.post(reverse("admin:avails_availsimport_confirm", args=[record.pk]))
    # then nothing is imported and they are told what to choose
    record.refresh_from_db()
    assert record.status == "previewed" and RightsWindow.objects.count() == 0
    page = rights_manager_client.get(response.url).content.decode()
    assert "choose an existing one or tick create" in page and "avails_resolution_required" in page
    # when they confirm with "create" ticked for each
    response = rights_manager_client.post(
        reverse("admin:avails_availsimport_confirm", args=[record.pk]),
        {"resolution_token": _token(page), "organization-0": "create", "drama-0": "create"},
    )
    # then the stored file is imported
    record.refresh_from_db()
    assert (record.status, record.created_count, record.applied_at is not None) == ("applied", 38, True)
    assert RightsWindow.objects.count() == 38
    page = rights_manager_client.get(response.url).content.decode()
    assert "Imported TV_v1.9.xlsx: 38 created" in page and 'id="avails-confirm"' not in page
    # and a second confirm is refused
    rights_manager_client.post(reverse("admin:avails_availsimport_confirm", args=[record.pk]))
    assert RightsWindow.objects.count() == 38


def _token(page: str) -> str:
    return re.search(r'name="resolution_token" value="([^"]+)"', page)[1]


def test_preview_shows_each_rows_deal_and_offers_the_existing_licensor_for_a_typo(rights_manager_client):
    from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook
    from partners.tests.factories import LicensorFactory

    # given a licensor "Migu International", and a file acquired from "Migu Internatonal" for Thailand and Malaysia
    migu = LicensorFactory(name="Migu International")
    row = GOOD_MOVIE_ROW | {"DisplayName": "Migu Internatonal", "Licensee": "", "Territory": "TH, MY"}
    row |= {"AllowedLanguages": "th", "PriceType": "SRP", "PriceValue": "0.99", "PriceCurrency": "USD"}
    upload = SimpleUploadedFile("typo.xlsx", avails_workbook([row]))
    # when the rights manager previews it
    response = rights_manager_client.post(reverse("admin:avails_availsimport_add"), {"file": upload, "direction": "in"})
    page = rights_manager_client.get(response.url).content.decode()
    # then the row shows the drama (new), the parties, territories by name, licence, period (open end), terms
    assert "Rebirth" in page and "TH</abbr> Thailand" in page and "MY</abbr> Malaysia" in page
    assert "SVOD" in page and "2026-01-01 00:00 – open end" in page and "unlock 0.99 USD" in page
    assert "subtitles th" in page and "times in UTC" in page
    # and the existing licensor is offered for the misspelt one
    assert f'name="organization-0" value="{migu.pk}"' in page
    # when they map it and create the drama
    rights_manager_client.post(
        reverse("admin:avails_availsimport_confirm", args=[AvailsImport.objects.get().pk]),
        {"resolution_token": _token(page), "organization-0": str(migu.pk), "drama-0": "create"},
    )
    # then the window is acquired from the existing licensor
    window = RightsWindow.objects.get()
    assert window.licensee == migu and sorted(window.territories) == ["MY", "TH"]
    assert not Organization.objects.filter(name="Migu Internatonal").exists()


def test_a_choice_form_of_another_upload_is_refused(rights_manager_client):
    from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook

    # given two previews of files naming an unknown licensor
    for name, transaction_id in (("a.xlsx", "T-1"), ("b.xlsx", "T-2")):
        upload = SimpleUploadedFile(name, avails_workbook([GOOD_MOVIE_ROW | {"AvailID": transaction_id}]))
        rights_manager_client.post(reverse("admin:avails_availsimport_add"), {"file": upload, "direction": "in"})
    first, second = AvailsImport.objects.order_by("pk")
    page = rights_manager_client.get(reverse("admin:avails_availsimport_preview", args=[first.pk])).content.decode()
    # when the first one's form is posted to the second
    response = rights_manager_client.post(
        reverse("admin:avails_availsimport_confirm", args=[second.pk]),
        {"resolution_token": _token(page), "organization-0": "create", "drama-0": "create"},
    )
    # then it is refused, and nothing is written
    page = rights_manager_client.get(response.url).content.decode()
    assert "avails_resolution_invalid" in page and RightsWindow.objects.count() == 0
    assert not Organization.objects.filter(name="Migu").exists()


def test_preview_of_many_rows_is_paged_and_filtered_by_action(rights_manager_client, partner):
    from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook
    from catalog.models import ExternalId
    from partners.tests.factories import LicensorFactory
    from rights.tests.factories import drama_with_rights_in

    # given a licensed drama, and a file of 150 windows out of it, 3 of them naming no licensee (and no default)
    drama = drama_with_rights_in(licensor=LicensorFactory(name="Migu", slug="migu"))
    ExternalId.objects.create(drama=drama, scheme="partner", value="md:cid:org:migu:1", organization=drama.owner)
    rows = [GOOD_MOVIE_ROW | {"AvailID": f"T-{n}", "Licensee": "" if n % 50 == 0 else "Partner A"} for n in range(150)]
    upload = SimpleUploadedFile("many.xlsx", avails_workbook(rows))
    response = rights_manager_client.post(
        reverse("admin:avails_availsimport_add"), {"file": upload, "direction": "out"}
    )
    # when the preview is opened
    page = rights_manager_client.get(response.url).content.decode()
    # then it shows the first 100 rows, with a way to the next page
    assert "rows 1–100 of 150" in page and page.count('<tr class="avails-') == 100 and "page 1 of 2" in page
    # and the refused rows alone, each with its reason and code
    page = rights_manager_client.get(response.url + "?action=error").content.decode()
    assert "rows 1–3 of 3" in page and page.count("<strong>refused</strong>: The avail names no licensee") == 3
    assert page.count("<code>no_licensee</code>") == 3


def test_upload_with_errors_lists_them_and_cannot_be_confirmed(rights_manager_client):
    _upload(rights_manager_client, SAMPLE_WITH_ERRORS)
    record = AvailsImport.objects.get()
    assert (record.status, record.error_count) == ("refused", 7)
    page = rights_manager_client.get(reverse("admin:avails_availsimport_preview", args=[record.pk])).content.decode()
    assert page.count("<tr><td>Avails_withErrors.xml</td>") == 7
    assert "(line 52)" in page and "JJ" in page and 'id="avails-confirm"' not in page
    rights_manager_client.post(reverse("admin:avails_availsimport_confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == "refused" and RightsWindow.objects.count() == 0


def test_upload_of_another_file_type_is_refused_by_the_form(rights_manager_client):
    upload = SimpleUploadedFile("notes.txt", b"hello")
    response = rights_manager_client.post(
        reverse("admin:avails_availsimport_add"), {"file": upload, "direction": "out"}
    )
    assert response.status_code == 200 and "Upload an .xml or .xlsx Avails file." in response.content.decode()
    assert not AvailsImport.objects.exists()


def test_confirm_needs_post(rights_manager_client):
    _upload(rights_manager_client, "Movies_v1.9.xlsx")
    record = AvailsImport.objects.get()
    response = rights_manager_client.get(reverse("admin:avails_availsimport_confirm", args=[record.pk]))
    assert response.status_code == 405 and RightsWindow.objects.count() == 0


def test_content_managers_cannot_upload(client):
    client.force_login(_staff("content"))
    response = client.post(
        reverse("admin:avails_availsimport_add"), {"file": SimpleUploadedFile("a.xml", b"<a/>"), "direction": "out"}
    )
    assert response.status_code == 403 and not AvailsImport.objects.exists()


def test_rights_windows_list_links_to_the_avails_import(rights_manager_client):
    page = rights_manager_client.get(reverse("admin:rights_rightswindow_changelist")).content.decode()
    assert f'href="{reverse("admin:avails_availsimport_add")}"' in page and "Import EMA Avails" in page


def test_conflict_arising_after_the_preview_refuses_the_confirm_and_writes_nothing(rights_manager_client, partner):
    from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook
    from catalog.models import ExternalId
    from partners.tests.factories import LicensorFactory
    from rights.tests.factories import at, drama_with_rights_in, grant_out

    # given a clean preview of a window out for a licensed drama
    drama = drama_with_rights_in(licensor=LicensorFactory(name="Migu", slug="migu"))
    ExternalId.objects.create(drama=drama, scheme="partner", value="md:cid:org:migu:1", organization=drama.owner)
    upload = SimpleUploadedFile("grant.xlsx", avails_workbook([GOOD_MOVIE_ROW | {"Licensee": "Partner A"}]))
    rights_manager_client.post(reverse("admin:avails_availsimport_add"), {"file": upload, "direction": "out"})
    record = AvailsImport.objects.get()
    assert (record.status, record.created_count) == ("previewed", 1)
    # and, before it is confirmed, someone grants an exclusive window over the same ground
    grant_out(drama, territories=["TH"], licence_type="SVOD", start=at(-10), exclusive=True)
    # when the preview is confirmed
    response = rights_manager_client.post(reverse("admin:avails_availsimport_confirm", args=[record.pk]))
    # then the import is refused with the conflict on its row, and nothing of it is written
    record.refresh_from_db()
    assert (record.status, record.error_count) == ("refused", 1)
    assert record.report["problems"][0]["code"] == "rights_overlap"
    assert not RightsWindow.objects.filter(transaction_id="T-1").exists()
    assert "Nothing was imported: 1 error(s)" in rights_manager_client.get(response.url).content.decode()


def test_a_resent_file_with_the_licensor_misspelt_is_mapped_previewed_again_and_imported(rights_manager_client):
    from avails.services import avails_import
    from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook
    from partners.tests.factories import LicensorFactory

    # given the window T-1 acquired from "Migu International", which re-sends the file as "Migu Internatonal"
    # with a later end and a second window (T-3, an ALID of its own) on the same drama
    migu = LicensorFactory(name="Migu International")
    row = GOOD_MOVIE_ROW | {"DisplayName": "Migu International", "Licensee": "", "End": "2027-01-01"}
    assert avails_import(data=avails_workbook([row]), source="first.xlsx", direction="in").applied
    window = RightsWindow.objects.get()
    resent = [row | {"DisplayName": "Migu Internatonal", "End": "2028-01-01"}]
    resent.append(resent[0] | {"AvailID": "T-3", "Territory": "VN", "ALID": "md:alid:org:migu:1:vn"})
    upload = SimpleUploadedFile("resent.xlsx", avails_workbook(resent))
    # when the rights manager uploads it
    response = rights_manager_client.post(reverse("admin:avails_availsimport_add"), {"file": upload, "direction": "in"})
    record = AvailsImport.objects.get()
    page = rights_manager_client.get(response.url).content.decode()
    # then the upload is not refused: T-1 says to map the name, and the drama of T-3 is asked about
    assert record.status == "previewed" and 'id="avails-confirm"' in page and 'id="avails-repreview"' in page
    assert "The licensor &#x27;Migu Internatonal&#x27; is not on this platform" in page
    assert "transaction_elsewhere" in page and 'id="avails-new-drama-0"' in page
    # when they pick the existing licensor and apply their choices
    response = rights_manager_client.post(
        reverse("admin:avails_availsimport_confirm", args=[record.pk]),
        {"resolution_token": _token(page), "organization-0": str(migu.pk), "repreview": "1"},
    )
    # then the preview is recomputed: T-1 updates the licensor's window, no drama is asked about, nothing written
    record.refresh_from_db()
    assert record.status == "previewed", record.report["problems"]
    assert (record.updated_count, record.created_count) == (1, 1)
    assert RightsWindow.objects.count() == 1
    page = rights_manager_client.get(response.url).content.decode()
    assert "Previewed again with your choices" in page and f"updated #{window.pk} (end)" in page
    assert 'id="avails-new-drama-0"' not in page and "transaction_elsewhere" not in page
    assert f'name="organization-0" value="{migu.pk}" class="avails-suggestion" checked' in page
    # when they confirm
    response = rights_manager_client.post(
        reverse("admin:avails_availsimport_confirm", args=[record.pk]),
        {"resolution_token": _token(page), "organization-0": str(migu.pk)},
    )
    # then the file is imported onto the existing licensor's drama and window; no organization is created
    record.refresh_from_db()
    assert record.status == "applied", record.report["problems"]
    window.refresh_from_db()
    assert window.end.year == 2028
    assert RightsWindow.objects.get(transaction_id="T-3").drama == window.drama
    assert not Organization.objects.filter(name="Migu Internatonal").exists()


def test_repreview_with_another_users_form_is_refused(rights_manager_client, client):
    from avails.tests.workbooks import GOOD_MOVIE_ROW, avails_workbook
    from partners.tests.factories import LicensorFactory

    migu = LicensorFactory(name="Migu International")
    row = GOOD_MOVIE_ROW | {"DisplayName": "Migu Internatonal", "Licensee": ""}
    upload = SimpleUploadedFile("typo.xlsx", avails_workbook([row]))
    response = rights_manager_client.post(reverse("admin:avails_availsimport_add"), {"file": upload, "direction": "in"})
    token = _token(rights_manager_client.get(response.url).content.decode())
    record = AvailsImport.objects.get()
    report = record.report
    # when another rights manager posts the first one's form to the re-preview
    client.force_login(_staff("rights"))
    response = client.post(
        reverse("admin:avails_availsimport_repreview", args=[record.pk]),
        {"resolution_token": token, "organization-0": str(migu.pk), "drama-0": ""},
    )
    # then it is refused and the preview is unchanged
    assert response.status_code == 302
    assert "avails_resolution_invalid" in client.get(response.url).content.decode()
    record.refresh_from_db()
    assert record.report == report
    # and the re-preview needs POST
    assert client.get(reverse("admin:avails_availsimport_repreview", args=[record.pk])).status_code == 405
