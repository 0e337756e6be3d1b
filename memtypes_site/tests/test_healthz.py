"""/healthz tells a load balancer whether the site can reach its database, within 2 s even when
the database hangs, and whether the cache works; a probe reuses its thread and connection."""

import socket
import threading
import time

import pytest
from django.db import OperationalError, connection

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


class Connects:
    """The connections the probe opened (opened), and errors to raise instead of opening the
    next ones (failures)."""

    def __init__(self):
        self.opened, self.failures = [], []


@pytest.fixture
def connects(monkeypatch):
    seen = Connects()
    real = health.load_backend

    def counting(engine):
        backend = real(engine)

        class DatabaseWrapper(backend.DatabaseWrapper):
            def get_new_connection(self, conn_params):
                if seen.failures:
                    raise seen.failures.pop(0)
                seen.opened.append(self)
                return super().get_new_connection(conn_params)

        return type("Backend", (), {"DatabaseWrapper": DatabaseWrapper})

    monkeypatch.setattr(health, "load_backend", counting)
    return seen


def test_it_answers_503_with_the_reason_when_the_database_does_not_answer(client, connects):
    connects.failures.append(
        OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed\nIs the server running?')
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "reason": 'database unreachable: connection to server at "db" (10.0.0.5), port 5432 failed',
        "cache": "ok",
    }


def test_the_next_probe_after_an_error_connects_again(client, connects):
    connects.failures.append(OperationalError("the database system is starting up"))
    assert client.get("/healthz").status_code == 503
    assert client.get("/healthz").status_code == 200
    assert len(connects.opened) == 1


def test_probes_share_one_thread_and_one_connection(client, connects):
    assert client.get("/healthz").status_code == 200
    threads = [t for t in threading.enumerate() if t.name == "healthz-probe"]
    for _ in range(5):
        assert client.get("/healthz").json() == {"status": "ok", "cache": "ok"}
    assert len(connects.opened) == 1
    assert [t for t in threading.enumerate() if t.name == "healthz-probe"] == threads


def test_a_connection_lost_between_probes_is_replaced_without_a_503(client, connects):
    assert client.get("/healthz").status_code == 200
    connects.opened[0].connection.close()  # as a database restart leaves it
    assert client.get("/healthz").status_code == 200
    assert len(connects.opened) == 2


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


def test_a_probe_while_the_last_one_still_waits_answers_503_at_once(hung_server):
    hung = database_from_url(f"postgres://postgres@127.0.0.1:{hung_server}/memtypes", None)
    # The first round trip waits for the connect timeout (2 s); probes with a shorter deadline
    # find it still waiting.
    assert health.database_error(hung, deadline=0.2) == "no answer within 0.2 s"
    started = time.monotonic()
    error = health.database_error(hung, deadline=0.2)
    assert time.monotonic() - started < 0.1
    assert error.startswith("no answer within 0.2 s (the last probe has waited ")


def test_the_probe_of_the_site_s_database_is_its_own_connection(client, connects):
    assert client.get("/healthz").status_code == 200
    assert connects.opened[0] is not connection
    assert connects.opened[0].settings_dict["NAME"] == connection.settings_dict["NAME"]
