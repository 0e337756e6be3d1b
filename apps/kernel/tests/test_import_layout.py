"""The import_layout command: one pahole file becomes a release's layouts, all or nothing, and
importing it again changes nothing."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from apps.kernel import layouts, pahole
from apps.kernel.models import Build, Field, Release, StructLayout
from apps.kernel.tests.factory import make_memtype, make_source, make_usage
from apps.kernel.tests.layout_snapshot import layout_snapshot

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = FIXTURES / "page_excerpt.pahole"
SLAB = FIXTURES / "slab_bitfields.pahole"
PROVENANCE = "pahole 1.24 -C page,folio on a test excerpt"


def import_layout(file, release="v6.12", source=PROVENANCE, **options):
    out = io.StringIO()
    options.setdefault("kernel_version", "6.12.117")
    call_command("import_layout", str(file), release=release, source=source, stdout=out, **options)
    return out.getvalue().strip()


def write(tmp_path, text, name="layout.pahole"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_stores_the_release_its_layouts_and_their_fields():
    output = import_layout(PAGE, kernel_version="6.12.117")
    # 1 release, 1 build, 2 layouts, 11 page fields and 5 folio fields
    assert output == "v6.12: page (64 bytes), folio (128 bytes): 20 created, 0 updated, 0 deleted, 0 unchanged"
    build = Build.objects.get(release__name="v6.12", arch="x86_64")
    assert (build.kernel_version, build.notes) == ("6.12.117", PROVENANCE)
    assert dict(build.layouts.values_list("struct", "size")) == {"page": 64, "folio": 128}
    mapping = Field.objects.get(layout__struct="page", name="mapping")
    assert (mapping.offset, mapping.size, mapping.path) == (24, 8, "union#1@8/struct#1@8")


def test_a_field_on_a_tail_page_gets_the_index_of_that_page():
    import_layout(PAGE)
    page_index = dict(Field.objects.filter(layout__struct="folio").values_list("name", "page_index"))
    assert page_index == {"flags": 0, "mapping": 0, "page": 0, "_flags_1": 1, "_folio_nr_pages": 1}


def test_bitfields_are_stored_with_their_bits(tmp_path):
    import_layout(PAGE)
    import_layout(SLAB)  # struct page of v6.12 is already stored: it gives the page size
    bits = {
        f.name: (f.offset, f.bit_offset, f.bit_size)
        for f in Field.objects.filter(layout__struct="slab", bit_size__isnull=False)
    }
    assert bits == {"inuse": (40, 0, 16), "objects": (40, 16, 15), "frozen": (40, 31, 1)}


def test_a_release_without_struct_page_is_refused():
    with pytest.raises(CommandError, match="struct page is neither in the input nor already stored"):
        import_layout(SLAB, release="v6.13")
    assert not Release.objects.exists()


def test_importing_the_same_file_again_changes_nothing():
    import_layout(PAGE)
    before = layout_snapshot()
    output = import_layout(PAGE)
    assert output.endswith(": 0 created, 0 updated, 0 deleted, 18 unchanged")
    assert layout_snapshot() == before


def test_a_field_that_moved_is_updated_and_a_new_one_created(tmp_path):
    import_layout(PAGE)
    moved = PAGE.read_text().replace(
        "atomic_t                   _refcount;            /*    32     4 */",
        "atomic_t                   _refcount;            /*    52     4 */\n"
        "\tunsigned int               page_type;            /*    48     4 */",
    )
    output = import_layout(write(tmp_path, moved))
    # page_type is new; _refcount moved, and memcg_data is now printed one member later.
    assert ": 1 created, 2 updated, 0 deleted," in output
    assert Field.objects.get(layout__struct="page", name="_refcount").offset == 52
    assert Field.objects.get(layout__struct="page", name="page_type").offset == 48


def test_standard_input_is_read_for_a_dash(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PAGE.read_text()))
    output = import_layout("-")
    assert output.startswith("v6.12: page (64 bytes), folio (128 bytes): 20 created")
    assert Field.objects.filter(layout__build__release__name="v6.12").count() == 16


def test_malformed_input_is_refused_naming_the_file_and_line(tmp_path):
    broken = write(tmp_path, PAGE.read_text().replace("/*    24     8 */", "/* 24 */"))
    with pytest.raises(CommandError) as exc:
        import_layout(broken)
    message = str(exc.value)
    assert message.startswith(f"{broken}: line 12: cannot read")
    assert "\n" not in message
    assert not Release.objects.exists()


def test_standard_input_is_named_in_an_error(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("not pahole\n"))
    with pytest.raises(CommandError, match=r"^<stdin>: line 1: expected 'struct NAME \{'"):
        import_layout("-")


def test_a_failure_in_the_second_struct_stores_nothing_of_the_first(tmp_path):
    text = PAGE.read_text()
    broken = write(tmp_path, text.replace("/* size: 128, cachelines: 2, members: 3 */", "/* 128 */"))
    with pytest.raises(CommandError, match=r"line 47: struct folio has no '/\* size: N"):
        import_layout(broken)
    assert not Release.objects.exists()
    assert not StructLayout.objects.exists()


def test_a_database_failure_midway_rolls_back_every_struct(monkeypatch):
    import_layout(PAGE)
    before = layout_snapshot()
    real = layouts._store_fields
    calls = []

    def fail_on_the_second_struct(layout, *args):
        calls.append(layout.struct)
        if len(calls) == 2:
            raise IntegrityError("simulated failure while writing struct folio")
        return real(layout, *args)

    monkeypatch.setattr(layouts, "_store_fields", fail_on_the_second_struct)
    changed = PAGE.read_text().replace("/*    32     4 */", "/*    36     4 */").replace("72     4 */", "76     4 */")
    with pytest.raises(IntegrityError):
        layouts.store("v6.12", "x86_64", pahole.parse(changed), {"notes": "other build"})
    assert calls == ["page", "folio"]
    assert layout_snapshot() == before


def test_dropping_a_field_that_a_type_uses_is_refused_and_changes_nothing(tmp_path):
    import_layout(PAGE)
    make_usage(make_memtype("anon_mem"), Field.objects.get(layout__struct="folio", name="mapping"))
    before = layout_snapshot()
    dropped = (
        PAGE.read_text()
        .replace("\t\t\tstruct address_space * mapping;  /*     8     8 */\n", "")
        .replace("/*    32     4 */", "/*    36     4 */")
    )
    with pytest.raises(CommandError) as exc:
        import_layout(write(tmp_path, dropped))
    assert str(exc.value).endswith(
        "struct folio.mapping of v6.12 (x86_64) is gone from the input but anon_mem records a usage of it; "
        "remove that usage first"
    )
    assert layout_snapshot() == before


def test_dropping_an_unused_field_is_named_and_refused_without_allow_drop(tmp_path):
    import_layout(PAGE)
    before = layout_snapshot()
    dropped = PAGE.read_text().replace("\t\t\tstruct address_space * mapping;  /*     8     8 */\n", "")
    with pytest.raises(
        CommandError, match=r"1 stored field\(s\) of v6.12 \(x86_64\) are not in the input \(folio.mapping\)"
    ):
        import_layout(write(tmp_path, dropped))
    assert layout_snapshot() == before


def test_reimporting_keeps_the_curated_config_of_a_field(tmp_path):
    import_layout(PAGE)
    source = make_source()
    Field.objects.filter(layout__struct="page", name="mapping").update(config="CONFIG_TEST", config_source=source)
    output = import_layout(PAGE)
    assert ": 0 created, 0 updated, 0 deleted," in output
    assert Field.objects.get(layout__struct="page", name="mapping").config == "CONFIG_TEST"


def test_dropping_an_unused_field_deletes_it_with_allow_drop(tmp_path):
    import_layout(PAGE)
    dropped = PAGE.read_text().replace("\t\t\tstruct address_space * mapping;  /*     8     8 */\n", "")
    output = import_layout(write(tmp_path, dropped), allow_drop=True)
    # The three folio members printed after mapping move up one position.
    assert ": 0 created, 3 updated, 1 deleted," in output
    assert not Field.objects.filter(layout__struct="folio", name="mapping").exists()


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"release": "6.12"}, "--release: '6.12' is not a release name like v6.12"),
        ({"release": "v2148.0"}, "--release: 'v2148.0' is not a release name"),
        ({"source": "   "}, "--source must say where the layout was read from"),
    ],
)
def test_bad_options_are_refused(options, words):
    with pytest.raises(CommandError, match=words):
        import_layout(PAGE, **options)
    assert not Release.objects.exists()


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        import_layout(tmp_path / "missing.pahole")


def test_manage_py_exits_non_zero_with_one_line_on_stderr(tmp_path):
    broken = write(tmp_path, PAGE.read_text().replace("/*    24     8 */", "/* 24 */"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.sqlite3'}", "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_layout",
            str(broken),
            "--release",
            "v6.12",
            "--kernel-version",
            "6.12.117",
            "--source",
            PROVENANCE,
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"CommandError: {broken}: line 12: cannot read '"
                                                   "struct address_space * mapping;  /* 24 */'"]  # fmt: skip
