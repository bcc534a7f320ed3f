import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.tests.factories import EpisodeFactory
from jobs import runners
from jobs.models import Job, JobKind, JobStatus
from jobs.services import job_begin_attempt, job_create, job_fail, job_log_append, job_progress
from tests.admin_helpers import messages_of, staff_user

pytestmark = pytest.mark.django_db

JOBS = reverse("admin:jobs_job_changelist")


@pytest.fixture
def content_client(client):
    client.force_login(staff_user("content"))
    return client


@pytest.fixture
def maintenance_runner():
    """A runner for maintenance jobs that records what it was asked to start."""
    started: list[int] = []
    previous = runners._ENQUEUERS.get(JobKind.MAINTENANCE)
    runners.job_runner_register(JobKind.MAINTENANCE, lambda job: started.append(job.pk))
    yield started
    if previous is None:
        runners._ENQUEUERS.pop(JobKind.MAINTENANCE, None)
    else:
        runners._ENQUEUERS[JobKind.MAINTENANCE] = previous


def failed_job(kind: str = JobKind.MAINTENANCE, **kwargs) -> Job:
    job = job_create(kind=kind, target=EpisodeFactory(), **kwargs)
    job = job_begin_attempt(job_id=job.pk)
    job_log_append(job=job, text="probing master.mp4\nmoov atom not found")
    return job_fail(job=job, code="invalid_media", error="The master is truncated: moov atom not found.")


def test_the_job_list_shows_kind_status_progress_attempts_target_and_error_code(content_client):
    # given a running transcode at 42 % and a failed one
    running = job_begin_attempt(job_id=job_create(kind=JobKind.TRANSCODE, target=EpisodeFactory()).pk)
    job_progress(job=running, percent=42.4)
    failed = failed_job(JobKind.TRANSCODE)

    html = content_client.get(JOBS).content.decode()

    assert '<progress max="100" value="42" class="job-running">42%</progress>' in html
    assert '<span class="status-badge job-failed">Failed</span>' in html
    assert "1 / 3" in html
    assert "invalid_media" in html
    target_url = reverse("admin:catalog_episode_change", args=[failed.target_id])
    assert f'<a href="{target_url}">' in html


def test_the_job_page_shows_error_and_log_tail_read_only(content_client):
    job = failed_job()

    response = content_client.get(reverse("admin:jobs_job_change", args=[job.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<pre class="job-text">The master is truncated: moov atom not found.</pre>' in html
    assert "probing master.mp4\nmoov atom not found</pre>" in html
    assert response.context["adminform"].form.fields == {}
    assert 'name="_save"' not in html


def test_posting_the_job_form_changes_nothing(content_client):
    job = failed_job()

    content_client.post(
        reverse("admin:jobs_job_change", args=[job.pk]), {"status": "succeeded", "error": "", "attempts": "0"}
    )

    job.refresh_from_db()
    assert (job.status, job.attempts, job.error_code) == (JobStatus.FAILED, 1, "invalid_media")


def test_jobs_cannot_be_added_or_deleted_by_hand(client):
    job = failed_job()
    client.force_login(staff_user("superuser"))

    assert client.get(reverse("admin:jobs_job_add")).status_code == 403
    assert client.get(reverse("admin:jobs_job_delete", args=[job.pk])).status_code == 403
    assert Job.objects.filter(pk=job.pk).exists()


def test_rerun_resets_a_failed_job_and_enqueues_it_after_commit(
    content_client, maintenance_runner, django_capture_on_commit_callbacks
):
    # given a failed job whose kind has a runner
    job = failed_job()

    # when it is re-run from the list
    with django_capture_on_commit_callbacks(execute=True):
        response = content_client.post(JOBS, {"action": "rerun", "_selected_action": [str(job.pk)]})

    # then it is pending again with a clean slate, and its runner was asked once
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error_code, job.error, job.progress) == (JobStatus.PENDING, 0, "", "", 0.0)
    assert maintenance_runner == [job.pk]
    assert messages_of(response) == [f"Queued 1 job again: Maintenance of “{job.target}” (job #{job.pk})."]


@pytest.fixture
def no_avails_runner():
    previous = runners._ENQUEUERS.pop(JobKind.AVAILS_IMPORT, None)
    yield
    if previous is not None:
        runners._ENQUEUERS[JobKind.AVAILS_IMPORT] = previous


def test_rerun_explains_when_no_runner_can_start_the_kind(content_client, no_avails_runner):
    # given a failed avails import, a kind nothing can start on demand
    job = failed_job(JobKind.AVAILS_IMPORT)

    response = content_client.post(JOBS, {"action": "rerun", "_selected_action": [str(job.pk)]})

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert messages_of(response) == [
        f"Avails import of “{job.target}” (job #{job.pk}) cannot be re-run from here: nothing runs “avails_import” jobs on demand. "
        "Start it again from where it was created."
    ]


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.RUNNING, JobStatus.SUCCEEDED])
def test_rerun_refuses_jobs_that_did_not_fail(content_client, maintenance_runner, status):
    job = job_create(kind=JobKind.MAINTENANCE)
    Job.objects.filter(pk=job.pk).update(status=status, attempts=1)

    response = content_client.post(JOBS, {"action": "rerun", "_selected_action": [str(job.pk)]})

    assert Job.objects.get(pk=job.pk).status == status
    assert maintenance_runner == []
    assert messages_of(response) == [
        f"Maintenance job #{job.pk} is {status.label.lower()}; only failed or cancelled jobs can be re-run."
    ]


def test_a_view_only_role_cannot_rerun(client, maintenance_runner):
    job = failed_job()
    client.force_login(staff_user("localization"))

    client.post(JOBS, {"action": "rerun", "_selected_action": [str(job.pk)]})

    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED
    assert maintenance_runner == []


def test_the_job_list_does_not_query_per_row(content_client, django_assert_max_num_queries):
    failed_job()
    with CaptureQueriesContext(connection) as one:
        content_client.get(JOBS)
    for _ in range(15):
        failed_job()

    with django_assert_max_num_queries(len(one)):
        response = content_client.get(JOBS)
    assert len(response.context["cl"].result_list) == 16


def test_the_page_of_a_failed_job_has_a_rerun_button_that_queues_it(
    content_client, maintenance_runner, django_capture_on_commit_callbacks
):
    # given a failed job, its page offers the re-run button
    job = failed_job()
    page = content_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    rerun_url = reverse("admin:jobs_job_rerun", args=[job.pk])
    assert f'action="{rerun_url}"' in page

    # when it is pressed
    with django_capture_on_commit_callbacks(execute=True):
        response = content_client.post(rerun_url)

    # then the job is queued again and the page says so
    assert response.status_code == 302
    assert Job.objects.get(pk=job.pk).status == JobStatus.PENDING
    assert maintenance_runner == [job.pk]
    assert messages_of(response) == [f"Queued 1 job again: Maintenance of “{job.target}” (job #{job.pk})."]


@pytest.mark.parametrize(("role", "status"), [("content", JobStatus.SUCCEEDED), ("localization", JobStatus.FAILED)])
def test_no_rerun_button_for_jobs_that_did_not_fail_or_roles_that_only_view(client, maintenance_runner, role, status):
    job = failed_job()
    Job.objects.filter(pk=job.pk).update(status=status)
    client.force_login(staff_user(role))
    rerun_url = reverse("admin:jobs_job_rerun", args=[job.pk])

    page = client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()

    assert rerun_url not in page
    if role == "localization":
        assert client.post(rerun_url).status_code == 403
        assert maintenance_runner == []


@pytest.mark.parametrize("role, linked", [("content", False), ("superuser", True)])
def test_a_target_is_a_link_only_for_those_who_may_open_it(client, role, linked):
    # given a job on a row of a model the content role may not see in the admin (a user, here)
    from django.contrib.auth import get_user_model

    target = get_user_model().objects.create(username="target-row")
    job = job_create(kind=JobKind.MAINTENANCE, target=target)
    client.force_login(staff_user(role))
    target_url = reverse("admin:auth_user_change", args=[target.pk])

    # when the list and the job's page are opened
    pages = [client.get(JOBS), client.get(reverse("admin:jobs_job_change", args=[job.pk]))]

    # then both name the target, as a link only where it would not answer 403
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200 and "target-row" in html
        assert (f'<a href="{target_url}">' in html) is linked
