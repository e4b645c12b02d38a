"""docker-compose.yml cannot run here (no Docker engine): hold it to the commands the tests run natively."""

from pathlib import Path

import pytest
import yaml

from tests.processes import BASE_DIR, BEAT_COMMAND, WEB_COMMAND, WORKER_COMMAND


@pytest.fixture(scope="module")
def services():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]


def test_the_stack_has_its_five_services(services):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)


@pytest.mark.parametrize(
    ("service", "command"), [("web", WEB_COMMAND), ("worker", WORKER_COMMAND), ("beat", BEAT_COMMAND)]
)
def test_app_services_run_the_tested_commands(services, service, command):
    assert services[service]["command"] == command


def test_app_services_use_postgresql_and_redis_and_the_env_file(services):
    for name in ("web", "worker", "beat", "migrate"):
        service = services[name]
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"


def test_servers_have_health_checks_and_volumes(services):
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"]
    assert services["postgres"]["volumes"]
    assert services["redis"]["volumes"]


def test_migrations_run_before_the_app_starts(services):
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_image_runs_the_tested_web_command():
    dockerfile = Path(BASE_DIR / "Dockerfile").read_text()
    assert f"CMD {WEB_COMMAND}".replace("'", '"') in dockerfile
