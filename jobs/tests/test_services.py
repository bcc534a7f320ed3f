import pytest

from catalog.tests.factories import DramaFactory
from jobs.models import Job, JobStatus
from jobs.services import JobAttemptsExhausted, job_begin_attempt, job_create, job_fail, job_retry, job_succeed


@pytest.mark.django_db(transaction=True)
def test_a_delivery_past_max_attempts_leaves_the_job_failed():
    # given a job whose worker was lost on each of its 2 allowed attempts
    job = job_create(kind="transcode", target=DramaFactory(), max_attempts=2)
    job_begin_attempt(job_id=job.pk)
    job_begin_attempt(job_id=job.pk)

    # when the broker delivers it once more
    with pytest.raises(JobAttemptsExhausted):
        job_begin_attempt(job_id=job.pk)

    # then the FAILED mark is committed, with its reason
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_code == "attempts_exhausted"
    assert job.attempts == 2


@pytest.mark.django_db
def test_each_delivery_counts_an_attempt_and_runs_the_job():
    job = job_create(kind="transcode", target=DramaFactory())

    started = job_begin_attempt(job_id=job.pk, worker="w1", task_id="t1")

    assert started.status == JobStatus.RUNNING
    assert started.attempts == 1
    assert started.worker == "w1"


@pytest.mark.django_db
@pytest.mark.parametrize("finish", ["failed", "missing"])
def test_a_finished_or_missing_job_is_not_run_again(finish):
    job = job_create(kind="transcode", target=DramaFactory())
    if finish == "failed":
        job_fail(job=job, code="bad_input", error="corrupt")
        job_id = job.pk
    else:
        job_id = job.pk + 10_000

    assert job_begin_attempt(job_id=job_id) is None


@pytest.mark.django_db
def test_retry_resets_a_failed_job_for_another_run():
    job = job_create(kind="transcode", target=DramaFactory())
    job_begin_attempt(job_id=job.pk)
    job_fail(job=job, code="x", error="y")

    job = job_retry(job=job)

    assert (job.status, job.attempts, job.error_code) == (JobStatus.PENDING, 0, "")


@pytest.mark.django_db
def test_a_counted_attempt_returns_the_job_as_stored_and_keeps_its_first_start():
    # given a job already started once
    job = job_create(kind="transcode", target=DramaFactory())
    first = job_begin_attempt(job_id=job.pk, worker="w1", task_id="t1")

    # when the broker delivers it again (counted in one statement)
    second = job_begin_attempt(job_id=job.pk, worker="w2", task_id="t2")

    # then the instance returned holds every field as the database does, its first start kept
    stored = Job.objects.get(pk=job.pk)
    assert {f.attname: getattr(second, f.attname) for f in Job._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in Job._meta.concrete_fields
    }
    assert (second.attempts, second.status, second.worker, second.celery_task_id) == (2, JobStatus.RUNNING, "w2", "t2")
    assert second.started_at == first.started_at and second.heartbeat_at > first.heartbeat_at


@pytest.mark.django_db
def test_the_end_of_a_job_is_what_the_database_holds():
    job = job_create(kind="transcode", target=DramaFactory())
    job = job_begin_attempt(job_id=job.pk)

    ended = job_succeed(job=job, result={"rendition_id": 7})

    stored = Job.objects.get(pk=job.pk)
    assert {f.attname: getattr(ended, f.attname) for f in Job._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in Job._meta.concrete_fields
    }
    assert stored.status == JobStatus.SUCCEEDED and stored.result == {"rendition_id": 7}
