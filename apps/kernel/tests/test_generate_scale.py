"""manage.py generate_scale: synthetic data for make bench SCALE=N, only on a bench database."""

import pytest
from django.core.management import CommandError, call_command

from apps.kernel import graph
from apps.kernel.models import Build, FieldUsage, MemoryType, Release, StructLayout, TypeRelation


def test_it_refuses_a_database_that_is_not_the_bench_s(db):
    with pytest.raises(CommandError, match="bench/run.py's database"):
        call_command("generate_scale", "--scale", "2")


def test_it_adds_synthetic_releases_types_and_usages_beside_the_real_data(kernel_data):
    real_builds = Build.objects.count()
    real_usages = FieldUsage.objects.count()
    real_types = MemoryType.objects.count()

    call_command("generate_scale", "--scale", "3", "--types", "80", "--yes", stdout=open("/dev/null", "w"))  # noqa: SIM115

    synthetic = Release.objects.filter(name__startswith="v90.")
    assert Build.objects.count() >= 3 * real_builds
    assert set(Build.objects.filter(release__in=synthetic).values_list("arch", flat=True)) == {
        "x86_64", "arm64", "arm", "i386"
    }  # fmt: skip
    assert all(b.kernel_version.startswith("syn-") for b in Build.objects.filter(release__in=synthetic))
    # Each synthetic build has the layouts of the newest real build of its architecture.
    newest = Build.objects.filter(arch="x86_64").exclude(release__in=synthetic).order_by("-release__sort_key")[0]
    copy = Build.objects.filter(arch="x86_64", release__in=synthetic).first()
    assert list(StructLayout.objects.filter(build=copy).values_list("struct", "size")) == list(
        StructLayout.objects.filter(build=newest).values_list("struct", "size")
    )
    new_types = MemoryType.objects.filter(slug__startswith="syn-")
    assert MemoryType.objects.count() == 80 and new_types.count() == 80 - real_types
    # A DAG (no cycle) several levels deep under the real types.
    assert graph.cycle_through(new_types.first().pk, new_types.last().pk) == []
    assert max(len(graph.ancestors(t)) for t in new_types) >= 5
    assert TypeRelation.objects.filter(child__in=new_types).count() > new_types.count()
    assert FieldUsage.objects.filter(memory_type__in=new_types).count() > 0
    assert FieldUsage.objects.filter(field__layout__build=copy, memory_type__slug="slab").exists()
    assert FieldUsage.objects.count() > real_usages

    with pytest.raises(CommandError, match="already has synthetic data"):
        call_command("generate_scale", "--scale", "3", "--yes")
