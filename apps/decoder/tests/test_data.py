"""data/rules/ in load_kernel_data, export_kernel_data and check_data: rules load idempotently,
bad entries are refused in one line naming file and entry, and check_data finds rules whose field
or enum name a release in their range lacks."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.decoder.models import EnumSpan, Rule
from apps.kernel import checks, data
from apps.kernel.tests.tiny_data import write_tiny_data

pytestmark = pytest.mark.django_db

RULES = """\
- type: anon_mem
  rules:
    - field: mapping
      operation: tagged_pointer
      mask: '0x3'
      value: '0x1'
      priority: 70
      identification: start
      note: Anonymous, not KSM.
      source: mm-types-h-v6-12
"""
SLAB_RULE = """\
    - since: v6.12
      field: flags
      operation: pagetype
      name: PGTY_slab
      priority: 100
      source: mm-types-h-v6-12
"""


def load(data_dir):
    out = io.StringIO()
    call_command("load_kernel_data", data_dir=str(data_dir), stdout=out)
    return out.getvalue().strip()


def test_rules_load_once_and_round_trip(tmp_path):
    data_dir = write_tiny_data(tmp_path / "in", **{"rules/folio.yaml": RULES})
    assert "1 rules" in load(data_dir)
    rule = Rule.objects.select_related("memory_type", "identification").get()
    assert rule.memory_type.slug == "anon_mem" and rule.identification.since == ""
    assert rule.test == "mapping != 0 and mapping & 0x3 == 0x1"
    assert ": 0 created, 0 updated, " in load(data_dir)
    data.export(tmp_path / "out")
    assert "identification: start" in (tmp_path / "out" / "rules" / "folio.yaml").read_text()
    assert ": 0 created, 0 updated, " in load(write_tiny_data(tmp_path / "again", **{"rules/folio.yaml": None}))
    exported = (tmp_path / "out" / "rules" / "folio.yaml").read_text()
    assert ": 0 created, 0 updated, " in load(write_tiny_data(tmp_path / "back", **{"rules/folio.yaml": exported}))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("source: mm-types-h-v6-12", "source: nowhere"),
            "rules/folio.yaml: anon_mem: rule 1: unknown source 'nowhere'",
        ),
        (("field: mapping", "field: mappingz"), "no loaded struct page has a field 'mappingz'"),
        (("identification: start", "identification: v6.1"), "anon_mem has no identification since v6.1"),
        (("operation: tagged_pointer", "operation: pagetype"), "A pagetype rule names an enumerator"),
        (("mask: '0x3'", "mask: '3'"), "mask: A number in lowercase hex"),
        (("priority: 70", "priority: 70\n      since: v6.12\n      until: v6.1"), "until (v6.1) must be a later"),
        (("priority: 70", "priority: 70\n      effect: order"), "An order is read with operation read"),
    ],
)
def test_a_bad_rule_is_refused_naming_file_and_entry(tmp_path, change, message):
    bad = write_tiny_data(tmp_path, **{"rules/folio.yaml": RULES.replace(*change)})
    with pytest.raises(CommandError, match="rules/folio.yaml: anon_mem: rule 1") as excinfo:
        load(bad)
    assert message in str(excinfo.value)
    assert not Rule.objects.exists()


def test_a_rules_file_of_another_area_is_refused(tmp_path):
    bad = write_tiny_data(tmp_path, **{"rules/page.yaml": RULES})
    with pytest.raises(CommandError, match="rules/page.yaml: anon_mem: the type's area is folio"):
        load(bad)


def test_an_enum_span_needs_a_lender_with_that_enum(tmp_path):
    spans = "- {enum: pageflags, arch: x86_64, since: v6.13, until: v6.15, lender: v6.12, source: mm-types-h-v6-12}\n"
    with pytest.raises(CommandError, match="the v6.12 build has no enum pageflags"):
        load(write_tiny_data(tmp_path / "a", **{"rules/enum_spans.yaml": spans}))
    load(write_tiny_data(tmp_path / "b", **{"rules/enum_spans.yaml": spans.replace("pageflags", "pagetype")}))
    assert EnumSpan.objects.get().lender.release.name == "v6.12"


def test_check_data_finds_a_rule_whose_field_or_name_a_release_lacks(tmp_path):
    slab = "- type: slab\n  rules:\n" + SLAB_RULE
    slab_type = """\
- slug: slab
  name: Slab
  summary: Slab pages.
  status: mainline
  sources: [mm-types-h-v6-12]
"""
    load(write_tiny_data(tmp_path, **{"rules/slab.yaml": slab, "types/slab.yaml": slab_type}))
    assert checks.check() == []
    Rule.objects.filter(name="PGTY_slab").update(name="PGTY_slabby")
    Rule.objects.create(
        memory_type=Rule.objects.get().memory_type,
        field="compound_info",
        operation="mask_eq",
        mask="0x1",
        value="0x1",
        effect="tail",
        source=Rule.objects.get().source,
    )
    found = checks.check()
    assert "enum pagetype of v6.12 x86_64 has no PGTY_slabby" in found[0] + found[1]
    assert any("struct page of v6.12 x86_64 has no field compound_info" in line for line in found)


def test_the_real_rules_have_no_finding(kernel_data):
    assert [line for line in checks.check() if line.startswith("rules")] == []
    assert Rule.objects.filter(memory_type__slug="slab").count() == 4
