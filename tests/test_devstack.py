"""`make run` as a newcomer uses it: embedded servers, migrate, demo data, gunicorn + worker + beat, Ctrl-C."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from conftest import BASE_DIR


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


def _get(url: str) -> tuple[int, bytes]:
    status, _, body = _fetch(url)
    return status, body


def _start(var_dir, port):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "MIGU_TEST_DB"}}
    env.update(MIGU_VAR_DIR=str(var_dir), PORT=str(port), PYTHONUNBUFFERED="1")
    log = open(var_dir.parent / f"run-{port}.log", "wb")
    return subprocess.Popen(
        [sys.executable, "-m", "migu_platform.devstack", "run"], cwd=BASE_DIR, env=env, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _wait_healthy(process, port, log_path, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited early:\n{log_path.read_text()[-4000:]}")
        status, body = _get(f"http://127.0.0.1:{port}/healthz")
        if status == 200:
            return json.loads(body)
        time.sleep(1)
    pytest.fail(f"not healthy after {timeout}s:\n{log_path.read_text()[-4000:]}")


def _interrupt(process) -> int:
    os.killpg(process.pid, signal.SIGINT)
    return process.wait(60)


@pytest.fixture
def own_tmp_path():
    # A folder of its own rather than pytest's numbered tmp folders, which another pytest run on the same
    # machine may prune while the embedded PostgreSQL of this test still lives in one.
    path = Path(tempfile.mkdtemp(prefix="migu-devstack-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
def test_make_run_starts_everything_on_embedded_servers_and_stops_cleanly_on_ctrl_c(own_tmp_path):
    tmp_path = own_tmp_path
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    port = _free_port()
    process = _start(var_dir, port)
    log_path = tmp_path / f"run-{port}.log"
    try:
        health = _wait_healthy(process, port, log_path)
        assert health == {"status": "ok"}  # anonymous callers get the status alone
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert re.search(r"devstack@\S+ ready\.", log_path.read_text()), "the worker did not start"
        _assert_served_as_deployed(f"http://127.0.0.1:{port}")
        credentials = json.loads((var_dir / "demo_credentials.json").read_text())
        assert credentials["staff"] and credentials["organizations"]
        log = log_path.read_text()
        assert "http://127.0.0.1" in log and credentials["staff"][0]["username"] in log
    finally:
        returncode = _interrupt(process)
    assert returncode == 0, log_path.read_text()[-3000:]
    time.sleep(1)
    assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 0  # nothing listens any more

    # A second start reuses the data: same credentials, same catalogue. SIGTERM (a process manager, `kill`)
    # stops it as Ctrl-C does: nothing it started is left running.
    port2 = _free_port()
    second = _start(var_dir, port2)
    try:
        _wait_healthy(second, port2, tmp_path / f"run-{port2}.log")
        assert json.loads((var_dir / "demo_credentials.json").read_text()) == credentials
        started = psutil.Process(second.pid).children(recursive=True)
        postmaster = psutil.Process(int((var_dir / "pgdata" / "postmaster.pid").read_text().split()[0]))
        commands = " ".join(" ".join(process.cmdline()) for process in started)
        assert "gunicorn" in commands and "celery" in commands and "redis-server" in commands
    finally:
        second.send_signal(signal.SIGTERM)
        returncode = second.wait(60)
    assert returncode == 0
    _, left = psutil.wait_procs([*started, postmaster], timeout=10)
    assert left == []
    assert not (var_dir / "pgdata" / "postmaster.pid").exists()


def _assert_served_as_deployed(base: str) -> None:
    """gunicorn with DEBUG off: the landing page, friendly and JSON errors, static files through WhiteNoise."""
    status, headers, body = _fetch(f"{base}/")
    assert status == 200 and headers["Server"].startswith("gunicorn")
    assert b'href="/admin/"' in body and b'href="/api/docs/"' in body

    status, _, body = _fetch(f"{base}/nowhere")
    assert status == 404 and b"Page not found" in body
    assert b"URLconf" not in body  # not Django's technical 404

    status, headers, body = _fetch(f"{base}/api/v1/titles/not-a-number/")
    assert status == 404 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"code": "not_found", "detail": "Not found."}

    assert _get(f"{base}/admin/login/")[0] == 200
    assert _get(f"{base}/api/schema/")[0] == 200
    status, headers, _ = _fetch(f"{base}/static/admin/css/base.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    status, _, body = _fetch(f"{base}/api/docs/")
    assert status == 200
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', body.decode())
    assert len(assets) >= 3
    for asset in assets:
        assert _get(f"{base}{asset}")[0] == 200, asset
