"""With DJANGO_SECRET_KEY unset, a random key is made once in a file and reused afterwards."""

import stat

from memtypes_site.tests.test_production_settings import REAL_KEY, start_django

PRINT_KEY = "from django.conf import settings\nprint(settings.SECRET_KEY)"


def test_a_fresh_clone_gets_a_random_key_made_once_and_reused(tmp_path):
    key_file = tmp_path / "secret-key"
    first = start_django(PRINT_KEY, DJANGO_SECRET_KEY_FILE=str(key_file))
    second = start_django(PRINT_KEY, DJANGO_SECRET_KEY_FILE=str(key_file))
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert second.stdout.strip() == key
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_two_clones_get_different_keys(tmp_path):
    one = start_django(PRINT_KEY, DJANGO_SECRET_KEY_FILE=str(tmp_path / "one"))
    other = start_django(PRINT_KEY, DJANGO_SECRET_KEY_FILE=str(tmp_path / "other"))
    assert one.stdout.strip() != other.stdout.strip()


def test_the_made_key_is_good_enough_for_production(tmp_path):
    result = start_django(
        PRINT_KEY,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="memtypes.example.org",
        DJANGO_SECRET_KEY_FILE=str(tmp_path / "key"),
    )
    assert result.returncode == 0, result.stderr


def test_a_set_key_wins_and_no_file_is_written(tmp_path):
    key_file = tmp_path / "secret-key"
    result = start_django(PRINT_KEY, DJANGO_SECRET_KEY=REAL_KEY, DJANGO_SECRET_KEY_FILE=str(key_file))
    assert result.stdout.strip() == REAL_KEY
    assert not key_file.exists()


def test_a_key_file_that_cannot_be_written_says_to_set_the_key(tmp_path):
    result = start_django(PRINT_KEY, DJANGO_SECRET_KEY_FILE=str(tmp_path / "missing-folder" / "key"))
    assert result.returncode != 0
    assert "cannot be created" in result.stderr
    assert "set DJANGO_SECRET_KEY." in result.stderr
