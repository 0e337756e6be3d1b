"""data/lifecycle.yaml: loaded, exported back unchanged, refused when wrong (nothing written), and
checked by check_data; the Transition model's own rules."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from apps.kernel import checks
from apps.kernel.models import MemoryType, Transition
from apps.kernel.tests.factory import make_memtype, make_source, make_transition
from apps.kernel.tests.tiny_data import write_tiny_data

pytestmark = pytest.mark.django_db

LIFECYCLE = """\
# Life of a page: transitions between types and the function of each era.
- from: folio
  to: anon_mem
  event: page fault on anonymous memory
  functions:
    - function: do_anonymous_page()
      source: mm-types-h-v6-12
- from: anon_mem
  to: folio
  event: freed when the last reference is dropped
  functions:
    - function: __put_page()
      until: v6.0
      source: mm-types-h-v6-12
      basis: inferred
      note: The page form.
    - function: __folio_put()
      since: v6.0
      source: mm-types-h-v6-12
      dated_by: wilcox-2021-memory-types-tree
      basis: inferred
"""


def load(data_dir):
    out = io.StringIO()
    call_command("load_kernel_data", data_dir=str(data_dir), stdout=out)
    return out.getvalue().strip()


def with_lifecycle(tmp_path, text=LIFECYCLE):
    return write_tiny_data(tmp_path, **{"lifecycle.yaml": text})


def test_it_loads_one_row_per_era(tmp_path):
    assert "2 usages, 0 rules, 3 transitions, 2 sources" in load(with_lifecycle(tmp_path))
    eras = Transition.objects.for_list().filter(event="freed when the last reference is dropped")
    assert [(t.function, t.since, t.until, t.basis, t.dated_by and t.dated_by.key) for t in eras] == [
        ("__put_page()", "", "v6.0", "inferred", None),
        ("__folio_put()", "v6.0", "", "inferred", "wilcox-2021-memory-types-tree"),
    ]
    assert Transition.objects.get(function="do_anonymous_page()").era == "every release"


def test_a_second_load_changes_nothing(tmp_path):
    data_dir = with_lifecycle(tmp_path)
    load(data_dir)
    assert load(data_dir).endswith(": 0 created, 0 updated, 34 unchanged.")


def test_an_edited_function_is_one_update(tmp_path):
    load(with_lifecycle(tmp_path / "a"))
    changed = LIFECYCLE.replace("function: do_anonymous_page()", "function: do_fault()")
    assert ": 0 created, 1 updated, " in load(with_lifecycle(tmp_path / "b", changed))
    assert Transition.objects.get(event="page fault on anonymous memory").function == "do_fault()"


def test_export_writes_the_file_it_loaded(tmp_path):
    data_dir = with_lifecycle(tmp_path)
    load(data_dir)
    call_command("export_kernel_data", data_dir=str(data_dir), stdout=io.StringIO())
    exported = (data_dir / "lifecycle.yaml").read_text()
    assert "- function: __folio_put()\n      since: v6.0\n" in exported
    Transition.objects.all().delete()
    load(data_dir)
    assert Transition.objects.count() == 3


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("to: anon_mem", "to: anon_memory", "lifecycle.yaml: folio -> anon_memory: page fault on anonymous memory: "
         "unknown type 'anon_memory'"),
        ("function: do_anonymous_page()\n      source: mm-types-h-v6-12",
         "function: do_anonymous_page()\n      source: nowhere", "unknown source 'nowhere'"),
        ("function: do_anonymous_page()", "function: do_anonymous_page", "e.g. alloc_slab_page()"),
        ("until: v6.0", "until: v6.0.x", "is not a release name"),
        ("since: v6.0", "since: v5.15", "the eras of __put_page() and __folio_put() overlap"),
        ("since: v6.0", "since: v6.0\n      until: v5.10", "until (v5.10) must come after since (v6.0)"),
        ("      note: The page form.", "      colour: blue", "unknown key 'colour'"),
        ("dated_by: wilcox-2021-memory-types-tree", "dated_by: nowhere", "dated_by: unknown source 'nowhere'"),
    ],
)  # fmt: skip
def test_a_wrong_entry_is_refused_and_nothing_is_written(tmp_path, old, new, message):
    assert old in LIFECYCLE
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(with_lifecycle(tmp_path, LIFECYCLE.replace(old, new)))
    assert not MemoryType.objects.exists()
    assert not Transition.objects.exists()


def test_a_transition_listed_twice_is_refused(tmp_path):
    twice = LIFECYCLE + LIFECYCLE.split("\n", 1)[1].split("- from: anon_mem")[0]
    with pytest.raises(CommandError, match="listed twice"):
        load(with_lifecycle(tmp_path, twice))


def test_the_database_refuses_an_era_that_ends_before_it_starts():
    anon, buddy = make_memtype("anon_mem"), make_memtype("buddy")
    era = Transition(from_type=anon, to_type=buddy, event="freed", function="__folio_put()", since="v6.1",
                     until="v6.0", source=make_source())  # fmt: skip
    with pytest.raises(ValidationError, match="must come after"):
        era.full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        era.save()


def test_one_transition_has_one_era_per_since():
    anon, buddy = make_memtype("anon_mem"), make_memtype("buddy")
    make_transition(anon, buddy, event="freed", since="v6.0")
    with transaction.atomic(), pytest.raises(IntegrityError):
        make_transition(anon, buddy, event="freed", since="v6.0", function="__put_page()")


def test_a_release_selects_the_era_that_holds_at_it():
    anon, buddy = make_memtype("anon_mem"), make_memtype("buddy")
    make_transition(anon, buddy, event="freed", function="__put_page()", until="v6.0")
    make_transition(anon, buddy, event="freed", function="__folio_put()", since="v6.0")
    at = {name: list(Transition.objects.at_release(name).values_list("function", flat=True)) for name in
          ("v5.10", "v6.0-rc1", "v6.0", "v6.12")}  # fmt: skip
    assert at == {
        "v5.10": ["__put_page()"],
        "v6.0-rc1": ["__put_page()"],
        "v6.0": ["__folio_put()"],
        "v6.12": ["__folio_put()"],
    }


def test_check_data_finds_overlapping_eras_and_a_source_read_outside_its_era():
    anon, buddy = make_memtype("anon_mem"), make_memtype("buddy")
    old_file = make_source(key="swap-c-v5-10", path="mm/swap.c", release="v5.10")
    make_transition(anon, buddy, event="freed", function="__put_page()", until="v6.1", source=old_file)
    make_transition(anon, buddy, event="freed", function="__folio_put()", since="v6.0", source=old_file)
    assert checks.check_transitions() == [
        "lifecycle: anon_mem -> buddy: freed: __folio_put() (since v6.0): overlaps the era of __put_page() "
        "(until v6.1)",
        "lifecycle: anon_mem -> buddy: freed: __folio_put() (since v6.0): cites swap-c-v5-10, read at v5.10, "
        "outside its era",
        "lifecycle: anon_mem -> buddy: freed: __folio_put() (since v6.0): say what dates its since (dated_by: a "
        "pull request or list post)",
    ]
