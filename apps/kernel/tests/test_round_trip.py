"""export_kernel_data writes back what load_kernel_data read: load, export, flush, load the
export, and the database holds the same knowledge."""

import io
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.kernel import data
from apps.kernel.models import MemoryType
from apps.kernel.tests.kernel_snapshot import flush_kernel_tables, kernel_snapshot
from apps.kernel.tests.tiny_data import write_tiny_data

pytestmark = pytest.mark.django_db


def export_to(data_dir):
    out = io.StringIO()
    call_command("export_kernel_data", data_dir=str(data_dir), stdout=out)
    return out.getvalue()


def load_from(data_dir):
    out = io.StringIO()
    call_command("load_kernel_data", data_dir=str(data_dir), stdout=out)
    return out.getvalue()


def test_the_tiny_data_survives_export_and_load(tmp_path):
    original = write_tiny_data(tmp_path / "original")
    load_from(original)
    before = kernel_snapshot()
    exported = tmp_path / "exported"
    shutil.copytree(original / "layouts", exported / "layouts")
    export_to(exported)
    flush_kernel_tables()
    load_from(exported)
    assert kernel_snapshot() == before


def test_exporting_into_the_data_folder_it_was_loaded_from_changes_no_file(tmp_path):
    data_dir = write_tiny_data(tmp_path)
    load_from(data_dir)
    export_to(data_dir)
    first = {p.relative_to(data_dir): p.read_text() for p in sorted(data_dir.rglob("*.yaml"))}
    flush_kernel_tables()
    load_from(data_dir)
    export_to(data_dir)
    assert {p.relative_to(data_dir): p.read_text() for p in sorted(data_dir.rglob("*.yaml"))} == first


def test_the_real_data_survives_export_and_load(tmp_path, kernel_data):
    before = kernel_snapshot()
    assert before["types"] and before["layouts"][2]
    shutil.copytree(settings.KERNEL_DATA_DIR / "layouts", tmp_path / "layouts")
    export_to(tmp_path)
    flush_kernel_tables()
    data.load(data.read(tmp_path))
    assert kernel_snapshot() == before


MEMDESCS = """\
- slug: table-one
  name: The first table
  position: 1
  source: wilcox-2021-memory-types-tree
  numbers:
    - {type: page, number: 0, subtype: 0, meaning: 'Misc'}
    - {type: anon_mem, number: 3, meaning: 'Anon'}
"""


def test_memdesc_number_zero_and_subtype_zero_survive_export_and_load(tmp_path):
    original = write_tiny_data(tmp_path / "original", **{"memdescs.yaml": MEMDESCS})
    load_from(original)
    before = kernel_snapshot()
    exported = tmp_path / "exported"
    shutil.copytree(original / "layouts", exported / "layouts")
    export_to(exported)
    assert "number: 0\n      subtype: 0\n" in (exported / "memdescs.yaml").read_text()
    flush_kernel_tables()
    load_from(exported)
    assert kernel_snapshot() == before
    assert MemoryType.objects.get(slug="page").memdesc_numbers.get().subtype == 0
