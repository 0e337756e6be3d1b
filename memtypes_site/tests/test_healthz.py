"""/healthz tells a load balancer whether the site can reach its database, within 2 s even when
the database hangs, and whether the cache works."""

import socket
import time

import pytest
from django.db import OperationalError

from memtypes_site import health
from memtypes_site.env import database_from_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def hung_server():
    """A TCP port on 127.0.0.1 that accepts connections and never answers (a hung database)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for port in range(8700, 8800):
        try:
            listener.bind(("127.0.0.1", port))
            break
        except OSError:
            continue
    listener.listen(16)  # the kernel completes the handshakes; nobody ever reads or writes
    yield port
    listener.close()


def closed_port():
    """A port in 8700-8799 nothing listens on."""
    for port in range(8799, 8699, -1):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("every port from 8700 to 8799 is in use")


def test_it_answers_ok_after_a_database_round_trip(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "cache": "ok"}


def test_it_answers_503_with_the_reason_when_the_database_does_not_answer(client, monkeypatch):
    def unreachable(settings_dict, outcome):
        outcome["error"] = health._first_line(
            OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed\nIs the server running?')
        )

    monkeypatch.setattr(health, "_round_trip", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "reason": 'database unreachable: connection to server at "db" (10.0.0.5), port 5432 failed',
        "cache": "ok",
    }


def test_a_probe_over_plain_http_by_address_gets_the_answer_not_a_redirect(client, settings):
    # As with DJANGO_DEBUG=0: HTTPS redirect on and only the public name allowed. An orchestrator
    # probes the container by its address over plain HTTP.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["memtypes.example.org"]
    probe = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert probe.status_code == 200
    assert probe.json()["status"] == "ok"
    assert client.get("/types/", HTTP_HOST="memtypes.example.org").status_code == 301
    assert client.get("/types/", HTTP_HOST="10.0.0.7:8000").status_code == 400


def test_a_probe_over_plain_http_gets_503_when_the_database_does_not_answer(client, settings, monkeypatch):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["memtypes.example.org"]
    down = database_from_url(f"postgres://postgres@127.0.0.1:{closed_port()}/memtypes", None)
    real = health.database_error
    monkeypatch.setattr(health, "database_error", lambda: real(down))
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 503


def test_a_hung_database_gets_503_within_2_seconds(client, hung_server, monkeypatch):
    hung = database_from_url(f"postgres://postgres@127.0.0.1:{hung_server}/memtypes", None)
    real = health.database_error
    monkeypatch.setattr(health, "database_error", lambda: real(hung))
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["reason"] == "database unreachable: no answer within 1.5 s"
    assert elapsed < 2.0


def test_a_database_that_refuses_connections_gets_503_naming_the_failure(client, monkeypatch):
    down = database_from_url(f"postgres://postgres@127.0.0.1:{closed_port()}/memtypes", None)
    real = health.database_error
    monkeypatch.setattr(health, "database_error", lambda: real(down))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "refused" in response.json()["reason"]
