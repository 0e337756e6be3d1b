"""What /healthz checks: the database within a deadline, and whether the cache answers.

A database that accepts connections and never answers would hold the request (and a gunicorn
worker) until the driver gives up, so the round trip runs in a thread on a connection of its
own, and /healthz answers 503 when it has not finished within DATABASE_DEADLINE_SECONDS.

Each worker process has one such probe thread per database, started by its first probe, and the
thread keeps its connection between probes: a thread and a connection opened for every probe
cost more than all the rest of the answer. A probe that comes while the last round trip is still
waiting past the deadline is answered 503 at once instead of queueing behind it; that round trip
ends when the connect timeout or the statement timeout of settings.DATABASES expires. After an
error the connection is closed and the next probe opens a new one; a kept connection that fails
(the database restarted since the last probe) is replaced once before the error is reported.
"""

import contextlib
import os
import queue
import threading
import time

from django.db import DatabaseError, connection, connections
from django.db.utils import load_backend

from apps.kernel.safe_cache import safe_cache

DATABASE_DEADLINE_SECONDS = 1.5


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else exc.__class__.__name__


def _reason(exc):
    if isinstance(exc, DatabaseError):
        return _first_line(exc)
    # A driver error that is not a DatabaseError: still a reason, never a 500.
    return f"{exc.__class__.__name__}: {_first_line(exc)}"


class _Request:
    """A round trip asked of the probe thread (or, with close set, closing its connection):
    when it was asked, and its outcome once done is set."""

    def __init__(self, close=False):
        self.close = close
        self.asked = time.monotonic()
        self.done = threading.Event()
        self.error = None


class Prober:
    """A thread with a connection of its own to one database, running SELECT 1 when asked."""

    def __init__(self, settings_dict):
        self.settings_dict = dict(settings_dict)
        self._lock = threading.Lock()
        self._requests = queue.SimpleQueue()
        self._thread = None
        self._current = None  # the round trip being waited for, shared by concurrent probes
        self._wrapper = None  # the connection; only the thread touches it

    def error(self, deadline):
        """None when SELECT 1 answered within deadline seconds, otherwise why not (one line)."""
        with self._lock:
            request = self._current
            if request is None:
                request = self._current = self._ask(_Request())
        waited = time.monotonic() - request.asked
        if request.done.wait(max(deadline - waited, 0)):
            return request.error
        if waited >= deadline:
            return f"no answer within {deadline:g} s (the last probe has waited {waited:.0f} s)"
        return f"no answer within {deadline:g} s"

    def close(self, timeout):
        """Close the connection (the next probe opens a new one); waits at most timeout seconds
        for a round trip in progress to end."""
        with self._lock:
            if self._thread is None:
                return
            request = self._ask(_Request(close=True))
        request.done.wait(timeout)

    def _ask(self, request):
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._serve, name="healthz-probe", daemon=True)
            self._thread.start()
        self._requests.put(request)
        return request

    def _serve(self):
        while True:
            request = self._requests.get()
            if request.close:
                self._disconnect()
            else:
                request.error = self._round_trip()
            with self._lock:
                if self._current is request:
                    self._current = None
            request.done.set()

    def _round_trip(self):
        kept = self._wrapper is not None
        error = self._select_1()
        if error is not None and kept:
            error = self._select_1()  # on a new connection: the kept one may predate a restart
        return error

    def _select_1(self):
        try:
            if self._wrapper is None:
                settings_dict = connections.configure_settings({"default": dict(self.settings_dict)})["default"]
                self._wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "healthz")
            with self._wrapper.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as exc:  # any failure is the answer (see _reason)
            self._disconnect()
            return _reason(exc)
        return None

    def _disconnect(self):
        if self._wrapper is not None:
            with contextlib.suppress(Exception):  # closing a broken connection may fail too
                self._wrapper.close()
            self._wrapper = None


_probers = {}
_probers_lock = threading.Lock()
# A forked child (a gunicorn worker of a preloaded app) has none of its parent's threads and must
# not share its parent's connections.
os.register_at_fork(after_in_child=_probers.clear)


def _prober(settings_dict):
    key = tuple(str(settings_dict.get(k, "")) for k in ("ENGINE", "NAME", "HOST", "PORT", "USER"))
    with _probers_lock:
        if key not in _probers:
            _probers[key] = Prober(settings_dict)
        return _probers[key]


def database_error(settings_dict=None, deadline=DATABASE_DEADLINE_SECONDS):
    """None when SELECT 1 answered within the deadline, otherwise why not (one line)."""
    return _prober(settings_dict or connection.settings_dict).error(deadline)


def close(timeout=1.0):
    """Close the probes' connections, e.g. before the test database is dropped."""
    with _probers_lock:
        probers = list(_probers.values())
    for prober in probers:
        prober.close(timeout)


def cache_status():
    return safe_cache.status()
