"""The cache as an optimisation only: when the cache server (Redis) is down or slow, a read is a
miss and a write is skipped, so the caller computes the answer itself instead of failing. The
first failure is logged (once per process until the cache answers again) and /healthz reports
the cache as degraded."""

import logging
import threading

from django.core.cache import cache

logger = logging.getLogger("memtypes.cache")

_lock = threading.Lock()
_failing = {"now": False}


def _failed(operation, exc):
    with _lock:
        first = not _failing["now"]
        _failing["now"] = True
    if first:
        logger.warning("Cache unavailable (%s failed: %s); answers are computed without it.", operation, exc)


def _worked():
    if _failing["now"]:
        with _lock:
            _failing["now"] = False
        logger.warning("Cache available again.")


class SafeCache:
    def get(self, key, default=None):
        try:
            value = cache.get(key, default)
        except Exception as exc:  # any backend error: redis.ConnectionError, TimeoutError, ...
            _failed("get", exc)
            return default
        _worked()
        return value

    def set(self, key, value, timeout=None):
        try:
            cache.set(key, value, timeout)
        except Exception as exc:
            _failed("set", exc)
            return False
        _worked()
        return True

    def status(self):
        """ "ok" when a round trip to the cache works, otherwise "degraded: <reason>"."""
        try:
            cache.set("memtypes:healthz", "1", 10)
            cache.get("memtypes:healthz")
        except Exception as exc:
            _failed("health check", exc)
            return f"degraded: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
        _worked()
        return "ok"


safe_cache = SafeCache()
