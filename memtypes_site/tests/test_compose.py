"""docker-compose.yml runs what CI's smoke test (.ci/smoke.py) runs, so the two cannot drift:
the web and migrate commands, the environment, the health check, the image's static files."""

import importlib.util
import re

import pytest
import yaml
from django.conf import settings

ROOT = settings.BASE_DIR


@pytest.fixture(scope="module")
def smoke():
    spec = importlib.util.spec_from_file_location("smoke", ROOT / ".ci" / "smoke.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def services():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def compose_default(value):
    """What docker compose gives a variable when .env leaves it unset: ${NAME:-default} is the
    default, ${NAME:?message} is required (None), anything else is the value itself."""
    match = re.fullmatch(r"\$\{(\w+)(:-|:\?)(.*)\}", value)
    if not match:
        return value
    return match.group(3) if match.group(2) == ":-" else None


def test_the_web_service_runs_the_command_the_smoke_test_ran(services, smoke):
    assert services["web"]["command"] == smoke.WEB_COMMAND
    assert services["migrate"]["command"] == smoke.MIGRATE_COMMAND


def test_the_web_service_has_the_environment_the_smoke_test_used(services, smoke):
    compose = services["web"]["environment"]
    used = smoke.environment("postgres://postgres@127.0.0.1:5432/smoke", "redis://127.0.0.1:6379/0", 8600)
    assert sorted(compose) == sorted(used)
    for name, value in compose.items():
        if name in smoke.SECRETS:
            assert compose_default(value) is None, f"{name} must be required from .env"
        elif name not in smoke.LOCAL_ADDRESSES:
            assert compose_default(value) == used[name], name
    assert compose["DATABASE_URL"].endswith("@db:5432/memtypes")
    assert compose["REDIS_URL"] == "redis://redis:6379/0"
    assert compose["GUNICORN_BIND"] == "0.0.0.0:8000"
    assert services["migrate"]["environment"] == compose


def test_the_web_health_check_is_the_one_the_smoke_test_ran(services, smoke):
    assert services["web"]["healthcheck"]["test"] == smoke.WEB_HEALTHCHECK
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["python", "-m", "memtypes_site.healthcheck"]' in dockerfile
    assert 'CMD ["gunicorn", "memtypes_site.wsgi"]' in dockerfile


def test_the_image_collects_the_static_files_as_the_smoke_test_did(smoke):
    assert smoke.COLLECTSTATIC in (ROOT / "Dockerfile").read_text()


def test_the_web_service_waits_for_a_healthy_database_and_the_loader(services):
    assert services["web"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert services["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["db"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in services["db"]["healthcheck"]["test"][1]


def test_env_example_documents_every_variable_the_compose_file_reads():
    compose = (ROOT / "docker-compose.yml").read_text()
    read = set(re.findall(r"\$\{(\w+)", compose))
    documented = set(re.findall(r"^(\w+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read == documented
