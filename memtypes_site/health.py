"""What /healthz checks: the database within a deadline, and whether the cache answers.

A database that accepts connections and never answers would hold the request (and a gunicorn
worker) until the driver gives up, so the round trip runs in a thread on a connection of its
own, and /healthz answers 503 when it has not finished within DATABASE_DEADLINE_SECONDS. The
thread itself ends when the connect timeout of settings.DATABASES expires."""

import contextlib
import threading

from django.db import DatabaseError, connection, connections
from django.db.utils import load_backend

from apps.kernel.safe_cache import safe_cache

DATABASE_DEADLINE_SECONDS = 1.5


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else exc.__class__.__name__


def _round_trip(settings_dict, outcome):
    wrapper = None
    try:
        settings_dict = connections.configure_settings({"default": dict(settings_dict)})["default"]
        wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "healthz")
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        outcome["error"] = None
    except DatabaseError as exc:
        outcome["error"] = _first_line(exc)
    except Exception as exc:  # a driver error that is not a DatabaseError: still a reason, never a 500
        outcome["error"] = f"{exc.__class__.__name__}: {_first_line(exc)}"
    finally:
        if wrapper is not None:
            with contextlib.suppress(Exception):  # closing a broken connection may fail too
                wrapper.close()


def database_error(settings_dict=None, deadline=DATABASE_DEADLINE_SECONDS):
    """None when SELECT 1 answered within the deadline, otherwise why not (one line)."""
    outcome = {}
    worker = threading.Thread(
        target=_round_trip, args=(settings_dict or connection.settings_dict, outcome), daemon=True
    )
    worker.start()
    worker.join(deadline)
    if "error" not in outcome:
        return f"no answer within {deadline:g} s"
    return outcome["error"]


def cache_status():
    return safe_cache.status()
