"""The generated drgn helper, imported and run without a kernel on stand-in objects that have
drgn's attribute names and .value_(); every number comes from the build's enums or the rules."""

import importlib.util
import sys

import pytest

from apps.decoder.rules import RuleSet
from apps.kernel.models import EnumValue


@pytest.fixture
def kernel_data(kernel_data_once):
    return kernel_data_once


class Value:
    """A drgn Object stand-in: .value_() gives the number."""

    def __init__(self, value):
        self.value = value

    def value_(self):
        return self.value


class Page:
    """A struct page stand-in with the given members (numbers wrapped like drgn Objects)."""

    def __init__(self, **members):
        for name, value in members.items():
            setattr(self, name, value if not isinstance(value, int) else Value(value))


def load_helper(client, tmp_path, release, arch="x86_64"):
    response = client.get(f"/api/v1/releases/{release}/tools/drgn.py", {"arch": arch})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/x-python")
    name = f"memtypes_{release}_{arch}".replace(".", "_").replace("-", "_")
    assert response["Content-Disposition"] == f'attachment; filename="{name}.py"'
    path = tmp_path / f"{name}.py"
    path.write_bytes(response.content)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.pop(name, None)
    spec.loader.exec_module(module)
    return module


def enum(release, name, arch="x86_64"):
    return EnumValue.objects.get(build__release__name=release, build__arch=arch, name=name).value


UNTYPED = 0xFFFFFFFF


def test_v6_12_helper_classifies_slab_anon_file_buddy_and_tail(client, kernel_data, tmp_path):
    m = load_helper(client, tmp_path, "v6.12")
    lru = 1 << enum("v6.12", "PG_lru")
    slab = Page(flags=0, page_type=enum("v6.12", "PGTY_slab") << 24, mapping=0, compound_head=0)
    anon = Page(flags=lru, page_type=UNTYPED, mapping=0xFFFF888003A1B2C1, compound_head=0xFFFFEA0000C0FFE0)
    file = Page(flags=lru, page_type=UNTYPED, mapping=0xFFFF888004C0FFE8, compound_head=0xFFFFEA0000C0FFE0)
    buddy = Page(flags=0, page_type=enum("v6.12", "PGTY_buddy") << 24, mapping=0, compound_head=0, private=3)
    tail = Page(flags=0, page_type=UNTYPED, mapping=0xDEAD000000000400, compound_head=0xFFFFEA0000123401)
    assert m.memtype(slab) == "slab"
    assert m.memtype(anon) == "anon_mem"
    assert m.memtype(file) == "file_mem"
    assert m.memtype(buddy) == "buddy"
    assert m.is_tail(tail) is True and m.is_tail(slab) is False
    assert m.memtype(tail) == "page"
    assert m.memtype(tail, head=slab) == "slab"
    assert m.memtype(Page()) == "page"


def test_describe_labels_the_words(client, kernel_data, tmp_path, capsys):
    m = load_helper(client, tmp_path, "v6.12")
    slab = Page(flags=0, page_type=enum("v6.12", "PGTY_slab") << 24, mapping=0, compound_head=0)
    words = m.describe(slab)
    assert [offset for offset, *_ in words] == list(range(0, 64, 8))
    offset, value, names, used = words[6]
    assert offset == 48 and value == enum("v6.12", "PGTY_slab") << 24
    assert "page_type" in names and "slab.__page_type" in used
    m.print_description(slab)
    out = capsys.readouterr().out
    assert out.startswith("slab (v6.12 x86_64)")
    assert "page_type" in out


def test_v5_10_helper_uses_the_flag_and_the_inverted_type_bits(client, kernel_data, tmp_path):
    m = load_helper(client, tmp_path, "v5.10")
    rs = RuleSet.at("v5.10", "x86_64")
    (buddy,) = [r for r in rs.rules if r.memory_type.slug == "buddy" and r.effect == "identifies"]
    assert m.memtype(Page(flags=1 << enum("v5.10", "PG_slab"), page_type=UNTYPED, mapping=0)) == "slab"
    assert m.memtype(Page(flags=0, page_type=UNTYPED & ~int(buddy.mask, 16), mapping=0)) == "buddy"


def test_v7_2_helper_reads_memdesc_flags_and_compound_info(client, kernel_data, tmp_path):
    m = load_helper(client, tmp_path, "v7.2")
    flags = Page(f=1 << enum("v7.2", "PG_reserved"))  # memdesc_flags_t { unsigned long f; }
    assert m.memtype(Page(flags=flags, page_type=UNTYPED, mapping=0)) == "reserved"
    assert m.is_tail(Page(flags=Page(f=0), compound_info=0xFFFFEA0000123401)) is True


def test_arm_helper_has_4_byte_words(client, kernel_data, tmp_path):
    m = load_helper(client, tmp_path, "v7.2", arch="arm")
    assert m.WORD_SIZE == 4
    assert m.memtype(Page(flags=Page(f=0), pp_magic=0x40 | (7 << 7), page_type=UNTYPED)) == "netpool"
