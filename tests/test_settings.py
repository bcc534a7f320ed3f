import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from conftest import BASE_DIR


def _run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_production_profile_refuses_to_start_without_a_secret_key():
    result = _run_manage("check", DJANGO_SETTINGS_MODULE="migu_platform.settings.production")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_profile_passes_check_deploy_with_no_warnings():
    result = _run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="migu_platform.settings.production", SECRET_KEY=secrets.token_urlsafe(50),
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_refuse_a_non_postgres_database():
    result = _run_manage("check", DATABASE_URL="sqlite:///db.sqlite3")

    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_the_database_is_postgresql_with_the_extensions_the_platform_needs(django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_available_extensions WHERE name IN ('btree_gist', 'pg_trgm')")
        available = {row[0] for row in cursor.fetchall()}

    assert connection.vendor == "postgresql"
    assert available == {"btree_gist", "pg_trgm"}


@pytest.mark.parametrize(
    "redis_url, broker_url",
    [
        ("unix:///var/x/redis.sock", "redis+socket:///var/x/redis.sock?virtual_host=0"),
        ("unix:///var/x/redis.sock?db=1", "redis+socket:///var/x/redis.sock?virtual_host=1"),
        ("redis://127.0.0.1:6379/7", "redis://127.0.0.1:6379/7"),
    ],
)
def test_celery_broker_url_follows_redis_url(redis_url, broker_url):
    from migu_platform.settings.base import _celery_url

    assert _celery_url(redis_url) == broker_url


def test_unknown_api_paths_and_docs_assets_are_local(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert settings.STATIC_URL in html
