"""The secret key when DJANGO_SECRET_KEY is unset: made once at random, kept in a file, reused.

A fresh clone then runs with no configuration, and sessions survive a restart. The file is
git-ignored; a deployment sets DJANGO_SECRET_KEY instead and nothing is written.
"""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key


def read_or_create(path):
    """The key kept in path, created first if the file does not exist yet.

    Several processes starting at once (gunicorn's workers) all end up with the same key: the
    file appears complete in one step (a hard link), and whoever loses the race reads it."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    draft = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(get_random_secret_key() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
        return _read(path)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is unset and the key file {path} cannot be created ({exc.strerror or exc}): "
            "set DJANGO_SECRET_KEY."
        ) from exc


def _read(path):
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"The key file {path} is empty: delete it to have a new key made.")
    return key
