"""The settings helpers read the environment and fail loudly on a value they would have to guess."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from memtypes_site.env import cache_from_url, database_from_url, env_bool, env_int, env_list

BASE = Path("/srv/memtypes")


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("TRUE", True), (" on ", True), ("0", False),
                                            ("false", False), ("Off", False)])  # fmt: skip
def test_env_bool_reads_the_words_it_knows(monkeypatch, raw, value):
    monkeypatch.setenv("DJANGO_DEBUG", raw)
    assert env_bool("DJANGO_DEBUG", not value) is value


@pytest.mark.parametrize("raw", ["yes", "no", "y", "2", "enabled"])
def test_env_bool_refuses_other_words(monkeypatch, raw):
    monkeypatch.setenv("DJANGO_DEBUG", raw)
    with pytest.raises(ImproperlyConfigured, match=f"DJANGO_DEBUG='{raw}' is not a boolean: use 1/0"):
        env_bool("DJANGO_DEBUG", True)


@pytest.mark.parametrize("raw", [None, ""])
def test_env_bool_falls_back_to_the_default_when_unset_or_empty(monkeypatch, raw):
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    if raw is not None:
        monkeypatch.setenv("DJANGO_DEBUG", raw)
    assert env_bool("DJANGO_DEBUG", True) is True
    assert env_bool("DJANGO_DEBUG", False) is False


def test_env_list_splits_on_commas_and_trims(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "memtypes.example.org, www.memtypes.example.org")
    assert env_list("DJANGO_ALLOWED_HOSTS") == ["memtypes.example.org", "www.memtypes.example.org"]


@pytest.mark.parametrize("raw", ["a,,b", "a,", ",a", "a, ,b"])
def test_env_list_refuses_an_empty_item(monkeypatch, raw):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", raw)
    with pytest.raises(ImproperlyConfigured, match="has an empty item"):
        env_list("DJANGO_ALLOWED_HOSTS")


def test_env_list_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOWED_HOSTS", raising=False)
    assert env_list("DJANGO_ALLOWED_HOSTS", ["localhost"]) == ["localhost"]


def test_no_database_url_means_the_sqlite_file_of_the_project():
    config = database_from_url("", BASE)
    assert (config["ENGINE"], config["NAME"]) == ("django.db.backends.sqlite3", BASE / "db.sqlite3")


def test_sqlite_transactions_take_the_write_lock_at_once_and_tests_use_a_file():
    config = database_from_url("", BASE)
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL;" in config["OPTIONS"]["init_command"]
    assert config["TEST"] == {"NAME": f"{BASE / 'db.sqlite3'}.test"}


def test_a_sqlite_url_names_the_file():
    config = database_from_url("sqlite:////var/lib/memtypes/db.sqlite3", BASE)
    assert (config["ENGINE"], config["NAME"]) == ("django.db.backends.sqlite3", "/var/lib/memtypes/db.sqlite3")


def test_a_sqlite_url_without_a_path_is_refused():
    with pytest.raises(ImproperlyConfigured, match="sqlite:///PATH needs a path"):
        database_from_url("sqlite://", BASE)


def test_a_postgres_url_gives_every_connection_setting():
    settings = database_from_url("postgres://memtypes:s%40cret@db.example.org:6432/memtypes", BASE)
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert (settings["NAME"], settings["USER"], settings["PASSWORD"]) == ("memtypes", "memtypes", "s@cret")
    assert (settings["HOST"], settings["PORT"]) == ("db.example.org", "6432")


def test_a_postgres_url_without_a_port_leaves_the_default_port():
    assert database_from_url("postgresql://postgres@127.0.0.1/memtypes", BASE)["PORT"] == ""


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://root@localhost/memtypes", "the scheme must be postgres://"),
        ("postgres://postgres@localhost:notaport/memtypes", "DATABASE_URL='postgres://postgres@localhost:notaport"),
        ("postgres://postgres@localhost:99999/memtypes", "out of range"),
        ("postgres://postgres@localhost/", "name exactly one database"),
        ("postgres://postgres@localhost/a/b", "name exactly one database"),
    ],
)
def test_a_bad_database_url_is_refused(url, words):
    with pytest.raises(ImproperlyConfigured, match=words.replace("?", r"\?")):
        database_from_url(url, BASE)


def test_no_redis_url_means_the_local_memory_cache():
    assert cache_from_url("") == {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


@pytest.mark.parametrize("url", ["redis://cache:6379/1", "rediss://cache:6380/0", "unix:///run/redis.sock"])
def test_a_redis_url_selects_the_redis_cache(url):
    config = cache_from_url(url)
    assert (config["BACKEND"], config["LOCATION"]) == ("django.core.cache.backends.redis.RedisCache", url)
    # Redis down or hung costs at most half a second per operation.
    assert config["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def test_postgresql_gives_up_connecting_after_2_s_and_stops_statements_after_15_s():
    options = database_from_url("postgres://postgres@127.0.0.1/memtypes", BASE)["OPTIONS"]
    assert options == {"connect_timeout": 2, "options": "-c statement_timeout=15000"}


def test_another_cache_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="the scheme must be redis://"):
        cache_from_url("memcached://cache:11211")


def test_env_int_reads_a_whole_number(monkeypatch):
    monkeypatch.setenv("X_SECONDS", " 3600 ")
    assert env_int("X_SECONDS", 7) == 3600


@pytest.mark.parametrize("raw", ["", "  "])
def test_env_int_falls_back_to_the_default_when_unset_or_empty(monkeypatch, raw):
    monkeypatch.setenv("X_SECONDS", raw)
    assert env_int("X_SECONDS", 7) == 7


@pytest.mark.parametrize("raw", ["-1", "1.5", "a year"])
def test_env_int_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("X_SECONDS", raw)
    with pytest.raises(ImproperlyConfigured, match=r"X_SECONDS=.* is not a whole number"):
        env_int("X_SECONDS", 7)
