import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from avails.models import AvailsImport
from avails.tests.samples import SAMPLE_WITH_ERRORS, sample_bytes
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
    # when they confirm
    response = rights_manager_client.post(reverse("admin:avails_availsimport_confirm", args=[record.pk]))
    # then the stored file is imported
    record.refresh_from_db()
    assert (record.status, record.created_count, record.applied_at is not None) == ("applied", 38, True)
    assert RightsWindow.objects.count() == 38
    page = rights_manager_client.get(response.url).content.decode()
    assert "Imported TV_v1.9.xlsx: 38 created" in page and 'id="avails-confirm"' not in page
    # and a second confirm is refused
    rights_manager_client.post(reverse("admin:avails_availsimport_confirm", args=[record.pk]))
    assert RightsWindow.objects.count() == 38


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
