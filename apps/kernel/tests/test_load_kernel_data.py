"""load_kernel_data: the data files are validated as a whole first; any problem is one line
naming the file and the entry, and nothing is written."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.kernel.models import Build, Field, FieldUsage, Identification, MemoryType, Release, Source, TypeRelation
from apps.kernel.tests.kernel_snapshot import kernel_snapshot
from apps.kernel.tests.tiny_data import FILES, write_tiny_data

pytestmark = pytest.mark.django_db


def load(data_dir):
    out = io.StringIO()
    call_command("load_kernel_data", data_dir=str(data_dir), stdout=out)
    return out.getvalue().strip()


def test_it_loads_the_types_relations_identification_layouts_and_usages(tmp_path):
    output = load(write_tiny_data(tmp_path))
    assert output.startswith(
        "Kernel data: 1 releases, 3 types, 2 relations, 2 usages, 0 rules, 0 transitions, 2 sources: "
    )
    anon = MemoryType.objects.get(slug="anon_mem")
    assert (anon.area, anon.on_lru, anon.user_mappable) == ("folio", True, True)
    assert [p.slug for p in anon.parents.all()] == ["folio"]
    assert TypeRelation.objects.get(child=anon).note == "Via lru_mem in the 2021 tree."
    assert Identification.objects.get(memory_type=anon).test.startswith("folio_test_anon()")
    assert sorted(FieldUsage.objects.values_list("field__layout__struct", "field__name")) == [
        ("folio", "mapping"),
        ("page", "_refcount"),
    ]
    build = Build.objects.get(release__name="v6.12", arch="x86_64")
    assert (build.layout_file, build.kernel_version, build.package_version) == (
        "layouts/v6.12.pahole",
        "6.12.117",
        "6.12.117-1~deb12u1",
    )
    assert dict(build.enum_values.filter(enum="pagetype").values_list("name", "value")) == {
        "PGTY_buddy": 240,
        "PGTY_slab": 245,
    }
    assert Release.objects.get(name="v6.12").notes == "A test excerpt."
    assert Field.objects.get(layout__struct="page", name="memcg_data").config == "CONFIG_MEMCG"


def test_a_second_load_reports_nothing_created_or_updated(tmp_path):
    data_dir = write_tiny_data(tmp_path)
    load(data_dir)
    before = kernel_snapshot()
    # 2 sources, 3 types, 2 relations, 1 identification, 1 release, 1 build, 2 layouts, 16 fields,
    # 2 enum values, 2 usages
    assert load(data_dir).endswith(": 0 created, 0 updated, 31 unchanged.")
    assert kernel_snapshot() == before


def test_a_changed_summary_is_one_update(tmp_path):
    load(write_tiny_data(tmp_path))
    changed = FILES["types/page.yaml"].replace("described by struct page", "described by a struct page")
    assert ": 0 created, 1 updated, " in load(write_tiny_data(tmp_path, **{"types/page.yaml": changed}))
    assert MemoryType.objects.get(slug="page").summary == "A page of physical memory, described by a struct page."


def replace(name, old, new):
    assert old in FILES[name], f"{old!r} is not in {name}"
    return {name: FILES[name].replace(old, new)}


REFUSALS = [
    pytest.param(
        replace("types/folio.yaml", "- parent: page", "- parent: pages"),
        "types/folio.yaml: folio: unknown parent 'pages'",
        id="unknown-parent",
    ),
    pytest.param(
        replace("types/page.yaml", "sources: [wilcox-2021-memory-types-tree]", "sources: [wilcox-2021]"),
        "types/page.yaml: page: sources: unknown source 'wilcox-2021'",
        id="unknown-source-key",
    ),
    pytest.param(
        replace("usages/folio.yaml", "field: mapping", "field: mappings"),
        "usages/folio.yaml: anon_mem: folio.mappings: struct folio of v6.12 has no field 'mappings'",
        id="unknown-field",
    ),
    pytest.param(
        replace("usages/folio.yaml", "releases: [v6.12]", "releases: [v6.13]"),
        "usages/folio.yaml: anon_mem: folio.mapping: unknown release 'v6.13'",
        id="unknown-release",
    ),
    pytest.param(
        replace(
            "types/page.yaml",
            "  sources: [wilcox",
            "  parents:\n    - parent: anon_mem\n      source: wilcox-2021-memory-types-tree\n  sources: [wilcox",
        ),  # fmt: skip
        # Every entry on the cycle declares one of its edges; the message names one and the whole cycle.
        "types/folio.yaml: anon_mem: the parents close a cycle: anon_mem > page > folio > anon_mem",
        id="cycle",
    ),
    pytest.param(
        {"types/other.yaml": FILES["types/page.yaml"].replace("name: Page", "name: Page again")},
        "types/page.yaml: page: type defined twice (also in types/other.yaml)",
        id="type-slug-twice-across-files",
    ),
    pytest.param(
        {"sources/url.yaml": "- key: mm-types-h-v6-12\n  kind: url\n  title: t\n  url: https://example.org/\n"},
        "sources/url.yaml: mm-types-h-v6-12: source key defined twice (also in sources/file.yaml)",
        id="source-key-twice",
    ),
    pytest.param(
        replace("types/folio.yaml", "  on_lru: true", "  on_lur: true"),
        "types/folio.yaml: anon_mem: unknown key 'on_lur' (known: ",
        id="typo-in-a-key",
    ),
    pytest.param(
        replace("types/folio.yaml", "  name: Anonymous memory", "  name: [Anonymous memory"),
        "types/folio.yaml: line ",
        id="bad-yaml",
    ),
    pytest.param(
        replace("sources/mail.yaml", "  message_id: YXK2ICKi6fjNfr4X@casper.infradead.org\n", ""),
        "sources/mail.yaml: wilcox-2021-memory-types-tree: message_id: A list post needs its Message-ID.",
        id="mail-without-message-id",
    ),
    pytest.param(
        replace("releases.yaml", "name: v6.12", "name: linux-6.12"),
        "releases.yaml: linux-6.12: 'linux-6.12' is not a release name like v6.12 or v7.3-rc7",
        id="bad-release-name",
    ),
    pytest.param(
        replace("layouts/v6.12.yaml", "release: v6.12", "release: v2148.0"),
        "layouts/v6.12.yaml: release: 'v2148.0' is not a release name",
        id="release-name-out-of-range",
    ),
    pytest.param(
        replace("layouts/v6.12.yaml", "arch: x86_64", "arch: sparc"),
        "layouts/v6.12.yaml: arch 'sparc' is not one of ",
        id="unknown-arch",
    ),
    pytest.param(
        replace("layouts/v6.12.yaml", "arch: x86_64", "arch: arm"),
        "layouts/v6.12.yaml: the build of v6.12 on arm belongs in layouts/v6.12-arm.yaml",
        id="build-file-misnamed",
    ),
    pytest.param(
        replace("layouts/v6.12.yaml", "PGTY_slab: 245", "PGTY_slab: oops"),
        "layouts/v6.12.yaml: enums: pagetype: expected NAME: integer entries",
        id="enum-not-a-number",
    ),
    pytest.param(
        {"releases.yaml": "- name: v6.13\n"},
        "releases.yaml: v6.13: no build of this release in layouts/",
        id="release-without-build",
    ),
    pytest.param(
        {
            "backports.yaml": "- release: v6.12\n  commit: 4eeec8c89a0c\n  upstream: v6.15\n  subject: s\n"
            "  source: mm-types-h-v6-12\n  fields:\n    - {struct: folio, name: _head_3}\n"
        },
        "backports.yaml: v6.12 4eeec8c89a0c: no build of v6.12 has folio._head_3",
        id="backport-of-a-missing-field",
    ),
]


@pytest.mark.parametrize(("changes", "message"), REFUSALS)
def test_a_problem_is_refused_in_one_line_naming_file_and_entry(tmp_path, changes, message):
    good = write_tiny_data(tmp_path / "good")
    load(good)
    before = kernel_snapshot()
    # A new type as well, so that a load that wrote anything would show.
    extra = FILES["types/page.yaml"].replace("slug: page", "slug: extra").replace("name: Page", "name: Extra")
    bad = write_tiny_data(tmp_path / "bad", **{"types/free.yaml": extra}, **changes)
    with pytest.raises(CommandError) as exc:
        load(bad)
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)
    assert kernel_snapshot() == before


def test_a_cycle_stored_in_the_database_is_named_in_one_line_with_the_command_that_repairs_it(tmp_path):
    data_dir = write_tiny_data(tmp_path)
    load(data_dir)
    # Stored past the checks, as concurrent inserts did before relation writes were serialized.
    TypeRelation.objects.bulk_create(
        [
            TypeRelation(
                parent=MemoryType.objects.get(slug="anon_mem"),
                child=MemoryType.objects.get(slug="page"),
                source=Source.objects.first(),
            )
        ]
    )
    before = kernel_snapshot()
    with pytest.raises(CommandError) as refused:
        load(data_dir)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("The database holds a cycle of relations: anon_mem > page > ")
    assert kernel_snapshot() == before
    command = message.split("e.g. ")[1].split(", then")[0].split()
    assert command[:3] == ["python", "manage.py", "delete_relation"]
    call_command(*command[2:], stdout=io.StringIO())
    load(data_dir)


def test_nothing_is_stored_when_the_first_load_is_refused(tmp_path):
    bad = write_tiny_data(tmp_path, **replace("usages/folio.yaml", "field: mapping", "field: mappings"))
    with pytest.raises(CommandError):
        load(bad)
    assert not Source.objects.exists()
    assert not Release.objects.exists()
    assert not MemoryType.objects.exists()
