"""The data version: every kind of write to the kernel data changes it in its own transaction
(so cached answers keyed by it are never stale), a rolled-back write does not, and two writers
at the same moment both count."""

import io
import threading

import pytest
import reversion
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from rest_framework.test import APIClient
from reversion.models import Version

from apps.kernel import data, version
from apps.kernel.models import DataVersion, MemoryType, Source
from apps.kernel.tests.factory import (
    make_field,
    make_layout,
    make_memtype,
    make_page_build,
    make_relation,
    make_release,
    make_source,
    make_usage,
)
from apps.kernel.tests.test_admin import form_data
from apps.kernel.tests.test_import_layout import PAGE, import_layout

pytestmark = pytest.mark.django_db


def number():
    """The version's counter; 0 where a transactional test before this one emptied the table
    (the next bump creates the row at 1)."""
    return DataVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long test password"))
    return client


def test_saving_deleting_and_a_many_to_many_change_each_count_once():
    source, folio = make_source(), make_memtype("folio")
    before = number()
    folio.summary = "changed"
    folio.save()
    assert number() == before + 1
    folio.sources.add(source)
    assert number() == before + 2
    folio.sources.remove(source)
    assert number() == before + 3
    folio.delete()
    assert number() == before + 4


def test_the_version_string_changes_at_each_write():
    folio = make_memtype("folio")
    seen = {version.current()}
    for n in range(3):
        folio.summary = f"edit {n}"
        folio.save()
        seen.add(version.current())
    assert len(seen) == 4


def test_a_rolled_back_write_leaves_the_version_as_it_was():
    folio = make_memtype("folio")
    before = version.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        folio.summary = "never committed"
        folio.save()
        assert version.current() != before
        raise RuntimeError("the editor's request failed")
    assert version.current() == before
    assert MemoryType.objects.get(slug="folio").summary != "never committed"


def test_an_admin_edit_with_its_inlines_counts(admin_client):
    anon = make_memtype("anon_mem")
    make_relation(make_memtype("folio"), anon)
    change_url = f"/admin/kernel/memorytype/{anon.pk}/change/"
    edit = form_data(admin_client.get(change_url))
    edit["summary"] = "Process memory: heap, stack, private copies."
    before = number()
    assert admin_client.post(change_url, edit).status_code == 302
    assert number() > before


def test_an_admin_delete_counts(admin_client):
    source = make_source(key="unused-source")
    before = number()
    response = admin_client.post(f"/admin/kernel/source/{source.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Source.objects.filter(pk=source.pk).exists()
    assert number() == before + 1


def test_a_revert_from_history_counts():
    with reversion.create_revision():
        folio = make_memtype("folio", summary="first")
    with reversion.create_revision():
        folio.summary = "second"
        folio.save()
    before = number()
    Version.objects.get_for_object(folio).order_by("pk").first().revision.revert()
    assert MemoryType.objects.get(slug="folio").summary == "first"
    assert number() > before


def test_load_kernel_data_counts_once_for_all_its_rows(kernel_bundle):
    before = number()
    counts = data.load(kernel_bundle)
    assert counts.created > 100
    assert number() == before + 1


def test_a_loader_that_fails_leaves_the_version_as_it_was():
    before = version.current()
    with pytest.raises(ValueError), version.one_change():
        make_memtype("folio")
        raise ValueError("a bad file")
    assert version.current() == before
    assert not MemoryType.objects.exists()


def test_import_layout_counts():
    before = number()
    import_layout(PAGE)
    assert number() == before + 1


def test_carry_usages_counts():
    old_build, old_fields = make_page_build(make_release("v6.18"))
    make_page_build(make_release("v7.2"))
    anon = make_memtype("anon_mem")
    make_usage(anon, old_fields["mapping"], keeps="anon_vma")
    before = number()
    call_command("carry_usages", "v6.18", "v7.2", stdout=io.StringIO())
    assert number() == before + 1


def test_delete_relation_counts():
    make_relation(make_memtype("folio"), make_memtype("anon_mem"))
    before = number()
    call_command("delete_relation", "folio", "anon_mem", stdout=io.StringIO())
    assert number() == before + 1


def test_an_api_write_counts():
    make_memtype("folio", summary="old")
    api = APIClient()
    api.force_authenticate(User.objects.create_superuser("api-editor", "e@example.org", "a long test password"))
    before = number()
    assert api.patch("/api/v1/types/folio/", {"summary": "new"}, format="json").status_code == 200
    assert number() == before + 1


def test_a_usage_saved_on_its_own_counts():
    field = make_field(make_layout(make_release("v6.12")), "mapping")
    before = number()
    make_usage(make_memtype("anon_mem"), field)
    assert number() > before


def test_every_model_of_the_project_s_apps_counts():
    """A new app with models (e.g. the decoder's rules) must be in settings.KERNEL_DATA_APPS,
    or its writes would leave stale answers in the cache."""
    covered = set(version.data_models())
    project = [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("apps.")
        for model in config.get_models(include_auto_created=True)
        if model is not DataVersion
    ]
    assert project
    assert [m._meta.label for m in project if m not in covered] == []


def test_the_row_comes_back_when_the_table_was_emptied():
    DataVersion.objects.all().delete()
    assert version.current() == "0"
    make_source()
    assert number() == 1
    assert version.current() != "0"


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_the_same_moment_both_count():
    """On PostgreSQL, where two transactions really run at once (SQLite takes its write lock
    when a transaction begins, so there is nothing to race)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writing transaction at a time")
    types = [make_memtype(f"writer_{n}") for n in range(2)]
    before = number()
    rounds = 20
    barrier = threading.Barrier(2)

    def write(memory_type):
        try:
            for n in range(rounds):
                barrier.wait()
                with transaction.atomic():
                    memory_type.summary = f"round {n}"
                    memory_type.save()
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(t,)) for t in types]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert number() == before + 2 * rounds
