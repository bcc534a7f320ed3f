import pytest

from catalog.tests.factories import DramaFactory
from jobs.models import JobStatus
from jobs.services import JobAttemptsExhausted, job_begin_attempt, job_create, job_fail, job_retry


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
