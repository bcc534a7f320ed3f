"""Fixtures shared by every app's tests: API clients per tenant, a real Celery worker process, a real headless
Chromium and signing in through a login page in it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from rest_framework.test import APIClient

BASE_DIR = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Uploaded files in tests go to a per-test folder, never into var/media.
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """client_for(organization, scopes=None) -> an APIClient authenticated with a fresh key."""
    from partners.tests.factories import api_key_for

    def make(organization, **kwargs) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key_for(organization, **kwargs)}")
        return client

    return make


@pytest.fixture
def partner(db):
    from partners.tests.factories import OrganizationFactory

    return OrganizationFactory(kind="partner", slug="partner-a", name="Partner A")


@pytest.fixture
def other_partner(db):
    from partners.tests.factories import OrganizationFactory

    return OrganizationFactory(kind="partner", slug="partner-b", name="Partner B")


@pytest.fixture
def licensor(db):
    from partners.tests.factories import LicensorFactory

    return LicensorFactory(slug="licensor-a", name="Licensor A")


def database_url_for_tests() -> str:
    """The URL of the test database, for processes started by tests (workers, servers)."""
    from django.db import connection

    params = connection.settings_dict
    host = params.get("HOST") or ""
    host = quote(host, safe="") if host.startswith("/") else host
    port = f":{params['PORT']}" if params.get("PORT") else ""
    password = f":{quote(params['PASSWORD'], safe='')}" if params.get("PASSWORD") else ""
    return f"postgres://{quote(params.get('USER') or 'postgres', safe='')}{password}@{host}{port}/{params['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url_for_tests()
    env.setdefault("DJANGO_SETTINGS_MODULE", "migu_platform.settings.dev")
    env.update(extra)
    return env


class WorkerProcess:
    """A real `celery worker` child process, on the test database and the test broker."""

    def __init__(self, queues: str, concurrency: int, extra_env: dict[str, str], log_path: Path):
        self.queues = queues
        self.concurrency = concurrency
        self.extra_env = extra_env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        from django.conf import settings

        self.name = f"test-{os.getpid()}-{time.monotonic_ns()}@%h"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "migu_platform", "worker", "-Q", self.queues,
                "--concurrency", str(self.concurrency), "--loglevel", "INFO", "-n", self.name,
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=BASE_DIR, env=subprocess_env(**self.extra_env), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        from migu_platform.celery import app

        prefix = self.extra_env.get("MIGU_QUEUE_PREFIX", settings.MIGU_QUEUE_PREFIX)
        if prefix != settings.MIGU_QUEUE_PREFIX or "REDIS_URL" in self.extra_env:
            # A worker under another queue prefix (as a `make run` worker would be) or on another Redis
            # answers only there.
            from celery import Celery

            from migu_platform.settings.base import _celery_url

            app = Celery(
                set_as_current=False,
                broker=_celery_url(self.extra_env["REDIS_URL"])
                if "REDIS_URL" in self.extra_env
                else settings.CELERY_BROKER_URL,
                broker_transport_options={"global_keyprefix": prefix},
            )
        deadline = time.monotonic() + 60
        hostname = self.name.replace("%h", os.uname().nodename)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()[-3000:]}")
            replies = app.control.ping(destination=[hostname], timeout=0.5) or []
            if replies:
                return self
        raise RuntimeError(f"worker did not answer ping; broker {settings.CELERY_BROKER_URL}")

    def kill(self, sig: int = 9) -> None:
        """Kill the whole worker (main process and children), as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """start(queues="default", concurrency=1, **env) -> a running WorkerProcess; stopped after."""
    workers: list[WorkerProcess] = []

    def start(queues: str = "default", concurrency: int = 1, **extra_env: str) -> WorkerProcess:
        worker = WorkerProcess(queues, concurrency, extra_env, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, message: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _responds(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@pytest.fixture
def gunicorn_process(transactional_db, tmp_path):
    """start(workers=2, **env) -> the base URL of the platform served by gunicorn (as in production, DEBUG
    off) on loopback and the test database; every server started is stopped after the test."""
    processes: list[subprocess.Popen] = []

    def start(workers: int = 2, threads: int = 1, **extra_env: str) -> str:
        port = _free_port()
        log = open(tmp_path / f"gunicorn-{len(processes)}.log", "wb")
        env = subprocess_env(**{"DEBUG": "0", **extra_env})
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "migu_platform.wsgi:application",
             "-b", f"127.0.0.1:{port}", "-w", str(workers), "--threads", str(threads), "--log-level", "warning"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        processes.append(process)
        base_url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _responds(f"{base_url}/api/schema/"), timeout=60, message="gunicorn to serve")
        return base_url

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Debian's Chromium (`make system-deps` installs it), driven by Playwright; it decodes H.264/AAC through
# Media Source Extensions, so players are tested playing.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required", "--mute-audio"]  # fmt: skip
# For a browser test module: `pytestmark = needs_chromium`.
needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Chromium at {CHROMIUM}"),
]


@pytest.fixture
def chromium(monkeypatch):
    """A headless Chromium launched for the test, closed after it."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test's thread; the test's ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A page of its own browser context, 1400 × 1000, waiting up to 30 s for what it is asked."""
    page = chromium.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(30_000)
    return page


def screenshot(page, tmp_path: Path, name: str) -> None:
    """The whole page as NAME.png, under MIGU_SCREENSHOT_DIR when set (to look at them), else the test's folder."""
    directory = Path(os.environ.get("MIGU_SCREENSHOT_DIR", tmp_path))
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


@pytest.fixture
def browser_sign_in(live_server):
    """sign_in(page, username, password, *, login_path="/admin/login/", next_path="") -> the Playwright page,
    signed in on the live server through its login form as a person signs in (the admin's and the portal's
    pages both show Django's authentication form), once the browser has left the login page.

    A refused sign-in fails the test at once, naming the user and what the page said, rather than leaving
    the next step to time out on a page that never comes.
    """

    def sign_in(page, username: str, password: str, *, login_path: str = "/admin/login/", next_path: str = ""):
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        query = f"?{urlencode({'next': next_path})}" if next_path else ""
        page.goto(f"{live_server.url}{login_path}{query}")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.locator("form:has(#id_password) [type=submit]").click()
        try:
            page.wait_for_url(lambda url: login_path not in url, timeout=20_000)
        except PlaywrightTimeoutError:
            said = " ".join(page.inner_text("body").split())
            pytest.fail(f"{username} could not sign in at {login_path}; the page says: {said[:500]}")
        return page

    return sign_in
