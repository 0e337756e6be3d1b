"""The data version: one number that changes in the same transaction as any write to the kernel
data, so that an answer cached under it can never be served after the data it shows changed.

Every model of the apps named in settings.KERNEL_DATA_APPS bumps it when a row is saved or
deleted or a many-to-many set changes (the admin and its inlines, the API, a revert or recovery
from History, management commands). A loader that writes many rows wraps them in `one_change()`:
one transaction, one bump, none per row; a loader that writes with bulk_create/bulk_update or
QuerySet.update (which send no signals) must run inside it.

The bump is one `UPDATE ... SET number = number + 1`: it locks the row until the transaction
ends, so two writers that commit at the same moment both count, and a rolled-back write leaves
the number as it was."""

import contextlib
import secrets
import threading

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

from apps.kernel.models import DataVersion

_quiet = threading.local()
_CURRENT = f"SELECT number, stamp FROM {DataVersion._meta.db_table} WHERE id = 1"  # noqa: S608 (no input)


def current():
    """The version as a short string, e.g. "42-9f86d081884c7d65" (one query). Every cached
    answer reads it, so it is one plain statement rather than a QuerySet compiled each time."""
    with connection.cursor() as cursor:
        cursor.execute(_CURRENT)
        row = cursor.fetchone()
    return "0" if row is None else f"{row[0]}-{row[1]}"


def bump():
    """Add one to the version inside the caller's transaction (one UPDATE; the row is created
    when a test or `flush` emptied the table)."""
    stamp = secrets.token_hex(8)
    if DataVersion.objects.filter(pk=1).update(number=F("number") + 1, stamp=stamp):
        return
    _, created = DataVersion.objects.get_or_create(pk=1, defaults={"number": 1, "stamp": stamp})
    if not created:  # another writer created it meanwhile
        DataVersion.objects.filter(pk=1).update(number=F("number") + 1, stamp=stamp)


@contextlib.contextmanager
def one_change():
    """One transaction with one bump at its start for a loader that writes many rows: the rows'
    own signals (nor a one_change() inside it) do not bump again. The bump is rolled back with
    the rest on an error."""
    with transaction.atomic():
        if not getattr(_quiet, "depth", 0):
            bump()
        _quiet.depth = getattr(_quiet, "depth", 0) + 1
        try:
            yield
        finally:
            _quiet.depth -= 1


def _changed(sender, **kwargs):
    # m2m_changed is sent before and after the change: the "post_" one counts, as for a row.
    if not getattr(_quiet, "depth", 0) and kwargs.get("action", "post_").startswith("post_"):
        bump()


def data_models():
    """The models whose rows are kernel data (with the tables of their many-to-many fields)."""
    found = []
    for label in settings.KERNEL_DATA_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:  # an app named before it is installed
            continue
        found += [m for m in config.get_models(include_auto_created=True) if m is not DataVersion]
    return found


def connect():
    """Make every write to a data model bump the version (called once, from KernelConfig.ready)."""
    for model in data_models():
        uid = f"data-version-{model._meta.label}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(_changed, sender=model, dispatch_uid=uid, weak=False)
        m2m_changed.connect(_changed, sender=model, dispatch_uid=uid, weak=False)
