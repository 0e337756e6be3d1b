"""What a release page tells beyond its layouts: how many of its usages are carried forward
without re-verification, and the enum values its builds carry."""

from collections import defaultdict

from django.db.models import Count, Q

from apps.kernel.models import REFERENCE_ARCH, EnumValue, FieldUsage


def usage_counts(release):
    """{"total": n, "carried": n}: usages recorded in the release, and how many of them were
    carried forward from an earlier release without being re-verified (1 query)."""
    counts = FieldUsage.objects.filter(field__layout__build__release=release).aggregate(
        total=Count("id"), carried=Count("id", filter=Q(carried=True))
    )
    return counts


def enum_table(release):
    """[(enum, [(name, {arch: value})], [arches])]: the enum values the release's builds carry,
    side by side per architecture (1 query)."""
    values = defaultdict(dict)
    arches = []
    for ev in EnumValue.objects.filter(build__release=release).select_related("build").order_by("enum", "value"):
        values[(ev.enum, ev.name)].setdefault("_value", ev.value)
        values[(ev.enum, ev.name)][ev.build.arch] = ev.value
        if ev.build.arch not in arches:
            arches.append(ev.build.arch)
    by_enum = defaultdict(list)
    for (enum, name), per_arch in sorted(values.items(), key=lambda kv: (kv[0][0], kv[1]["_value"], kv[0][1])):
        by_enum[enum].append((name, per_arch))
    arches.sort(key=lambda a: (a != REFERENCE_ARCH, a))
    return [(enum, rows, arches) for enum, rows in by_enum.items()]
