"""A large Avails upload is read and applied by an `avails_import` job on a real worker, never in the request."""

import re
import time

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from avails.models import AvailsImport, AvailsImportStatus
from avails.tests.samples import sample_bytes
from conftest import wait_for
from jobs.models import Job, JobKind, JobStatus
from partners.tests.factories import UserFactory
from rights.models import RightsWindow

SAMPLE = "Avails_noErrors_v2.4.xml"  # 24 transactions, about 60 KB


@pytest.fixture
def rights_manager_client(client, transactional_db):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="rights"))
    client.force_login(user)
    return client


def test_large_upload_is_previewed_and_applied_by_a_job_on_a_worker_of_its_own_queue(
    rights_manager_client, celery_worker_process, settings
):
    # given files above 1 KB run as jobs, and a worker under another queue prefix (as `make run`'s would be)
    settings.MIGU_AVAILS_INLINE_MAX_BYTES = 1024
    celery_worker_process(queues="default", MEDIA_ROOT=str(settings.MEDIA_ROOT), MIGU_QUEUE_PREFIX="elsewhere:")
    # when a rights manager uploads a 60 KB file
    upload = SimpleUploadedFile(SAMPLE, sample_bytes(SAMPLE))
    response = rights_manager_client.post(reverse("admin:avails_availsimport_add"), {"file": upload, "direction": "in"})
    # then the request only stores it: the upload is queued with a job, and its page follows the job
    record = AvailsImport.objects.get()
    assert record.status == AvailsImportStatus.QUEUED and record.created_count == 0
    job = Job.objects.get(kind=JobKind.AVAILS_IMPORT)
    assert job.params == {"avails_import_id": record.pk, "apply": False}
    page = rights_manager_client.get(response.url).content.decode()
    assert 'id="avails-job"' in page and 'http-equiv="refresh"' in page
    # and the other prefix's worker does not take it
    time.sleep(2)
    assert Job.objects.get(pk=job.pk).status == JobStatus.PENDING
    # when a worker of this queue prefix runs
    celery_worker_process(queues="default", MEDIA_ROOT=str(settings.MEDIA_ROOT))
    wait_for(lambda: AvailsImport.objects.get().status != AvailsImportStatus.QUEUED, timeout=60, message="preview")
    # then the dry run's report is there, nothing written, the job succeeded
    record.refresh_from_db()
    assert (record.status, record.created_count, record.error_count) == ("previewed", 24, 0)
    assert RightsWindow.objects.count() == 0
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    # when the upload is confirmed, "create" ticked for each licensor and drama the file names
    page = rights_manager_client.get(response.url).content.decode()
    token = re.search(r'name="resolution_token" value="([^"]+)"', page)[1]
    choices = {f"organization-{i}": "create" for i in range(len(record.report["unknown_organizations"]))}
    choices |= {f"drama-{i}": "create" for i in range(len(record.report["unknown_dramas"]))}
    assert choices
    rights_manager_client.post(
        reverse("admin:avails_availsimport_confirm", args=[record.pk]), {"resolution_token": token, **choices}
    )
    assert AvailsImport.objects.get().status in (AvailsImportStatus.QUEUED, AvailsImportStatus.APPLIED)
    wait_for(lambda: AvailsImport.objects.get().status == AvailsImportStatus.APPLIED, timeout=60, message="apply")
    # then a second job applied it, as chosen: every transaction became a window, once
    assert AvailsImport.objects.get().resolution["organizations"]
    assert RightsWindow.objects.filter(direction="in").count() == 24
    assert list(Job.objects.filter(kind=JobKind.AVAILS_IMPORT).values_list("status", flat=True)) == [
        JobStatus.SUCCEEDED,
        JobStatus.SUCCEEDED,
    ]
