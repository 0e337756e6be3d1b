"""Small readers for settings taken from environment variables.

Each one fails loudly (ImproperlyConfigured) on a malformed value instead of guessing.
"""

import os
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "on"}
FALSE_WORDS = {"0", "false", "off"}


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default):
    """'1'/'true'/'on' or '0'/'false'/'off' (any case); anything else is an error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false or on/off.")


def env_int(name, default):
    """A whole number of 0 or more; anything else is an error."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdecimal():
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number (0 or more).")
    return int(raw)


def env_list(name, default=()):
    """A comma-separated list; empty items (',,' or a trailing comma) are an error."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={raw!r} has an empty item.")
    return items


DATABASE_CONNECT_TIMEOUT_SECONDS = 2
DATABASE_STATEMENT_TIMEOUT_MS = 15_000
CACHE_SOCKET_TIMEOUT_SECONDS = 0.5


def _sqlite(path):
    """SQLite at path. Every transaction begins IMMEDIATE (takes the write lock at once), so two
    writes that check and then change the same rows run one after the other; the test database
    is a file next to it, so tests that write from several threads share it."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # WAL: readers never block the writer nor the writer the readers; a writer waits up to
        # 20 s for another to finish instead of failing with "database is locked".
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # A worker keeps its connection between requests: opening one and running the PRAGMAs
        # above costs more CPU than serving a cached answer.
        "CONN_MAX_AGE": 60,
        "TEST": {"NAME": f"{path}.test"},
    }


def database_from_url(url, base_dir):
    """Django DATABASES['default'] for a DATABASE_URL; '' means the embedded SQLite file."""
    if not url:
        return _sqlite(base_dir / "db.sqlite3")
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path: the path follows the third slash.
        path = unquote(parts.path[1:]) if parts.netloc == "" else ""
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r}: sqlite:///PATH needs a path.")
        return _sqlite(path)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL={url!r}: the scheme must be postgres:// (or sqlite:///PATH).")
    name = unquote(parts.path.lstrip("/"))
    if not name or "/" in name:
        raise ImproperlyConfigured(f"DATABASE_URL={url!r}: name exactly one database after the host.")
    try:
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL={url!r}: {exc}.") from exc
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        # A database that accepts connections and never answers must not hold a request
        # forever: libpq gives up connecting after connect_timeout (its minimum is 2 s), and the
        # server stops any statement after statement_timeout.
        "OPTIONS": {
            "connect_timeout": DATABASE_CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}",
        },
    }


def cache_from_url(url):
    """Django CACHES['default']: Redis for redis://..., local memory when unset."""
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"REDIS_URL={url!r}: the scheme must be redis://, rediss:// or unix://.")
    # Redis that is down or hung costs at most this long per operation; apps.kernel.safe_cache
    # then computes the answer without it.
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "socket_connect_timeout": CACHE_SOCKET_TIMEOUT_SECONDS,
            "socket_timeout": CACHE_SOCKET_TIMEOUT_SECONDS,
        },
    }
