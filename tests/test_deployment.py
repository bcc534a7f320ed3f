"""docker-compose.yml describes the production-like deployment with the same settings as the default."""

import yaml

from conftest import BASE_DIR


def _compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_has_every_part_of_the_platform():
    services = _compose()["services"]

    assert {"postgres", "redis", "minio", "web", "beat"} <= set(services)
    queues = {
        service["command"][service["command"].index("-Q") + 1]
        for service in services.values()
        if "worker" in service.get("command", [])
    }
    assert queues == {"default", "transcode", "matching"}


def test_compose_redis_never_evicts_broker_messages():
    command = _compose()["services"]["redis"]["command"]

    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


def test_compose_runs_the_production_profile_on_postgres_redis_and_s3():
    web = _compose()["services"]["web"]
    env = web["environment"]

    assert env["DJANGO_SETTINGS_MODULE"] == "migu_platform.settings.production"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")
    assert env["MIGU_S3_BUCKET"] and env["MIGU_S3_ENDPOINT_URL"]
