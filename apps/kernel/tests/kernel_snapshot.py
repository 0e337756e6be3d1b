"""The whole kernel knowledge in the database, by natural keys (never primary keys), so two
databases loaded from the same files compare equal."""

from apps.kernel.models import (
    Backport,
    DatedView,
    DatedViewEdge,
    EnumValue,
    FieldUsage,
    Identification,
    MemdescNumber,
    MemdescTable,
    MemoryType,
    Release,
    Source,
    Transition,
    TypeRelation,
)
from apps.kernel.tests.layout_snapshot import layout_snapshot

TYPE_COLUMNS = ("slug", "name", "summary", "description", "status", "area", "descriptor", "alloc_api", "free_api",
                "on_lru", "user_mappable")  # fmt: skip
SOURCE_COLUMNS = ("key", "kind", "title", "url", "path", "release", "commit", "repository", "message_id", "note")


def kernel_snapshot():
    """Sources, types with their scalars and sorted source keys, relations, identifications,
    releases, layouts, fields, usages, memdesc tables, dated views and transitions (15 queries)."""
    types = [
        (*(getattr(t, c) for c in TYPE_COLUMNS), tuple(sorted(s.key for s in t.sources.all())))
        for t in MemoryType.objects.prefetch_related("sources").order_by("slug")
    ]
    return {
        "sources": sorted(Source.objects.values_list(*SOURCE_COLUMNS)),
        "types": types,
        "relations": sorted(TypeRelation.objects.values_list("parent__slug", "child__slug", "note", "source__key")),
        "identifications": sorted(
            Identification.objects.values_list("memory_type__slug", "since", "test", "source__key")
        ),
        "layouts": layout_snapshot(),
        "enums": sorted(EnumValue.objects.values_list("build__release__name", "build__arch", "enum", "name", "value")),
        "backports": sorted(
            Backport.objects.values_list("release__name", "commit", "upstream", "subject", "note", "source__key")
        ),
        "memdesc_tables": sorted(MemdescTable.objects.values_list("slug", "name", "position", "source__key", "note")),
        "memdesc_numbers": sorted(
            MemdescNumber.objects.values_list("table__slug", "memory_type__slug", "number", "subtype", "meaning"),
            key=str,
        ),
        "views": sorted(DatedView.objects.values_list("slug", "name", "date", "source__key", "note")),
        "view_edges": sorted(DatedViewEdge.objects.values_list("view__slug", "parent__slug", "child__slug", "note")),
        "usages": sorted(
            FieldUsage.objects.values_list(
                "memory_type__slug",
                "field__layout__build__release__name",
                "field__layout__struct",
                "field__path",
                "field__name",
                "keeps",
                "source__key",
                "carried",
            )
        ),
        "transitions": sorted(
            Transition.objects.values_list(
                "from_type__slug",
                "to_type__slug",
                "event",
                "function",
                "since",
                "until",
                "source__key",
                "basis",
                "note",
            )
        ),
    }


def flush_kernel_tables():
    """Delete every kernel row, dependants first (sources are protected while cited)."""
    FieldUsage.objects.all().delete()
    MemdescTable.objects.all().delete()
    DatedView.objects.all().delete()
    Identification.objects.all().delete()
    TypeRelation.objects.all().delete()
    MemoryType.objects.all().delete()
    Release.objects.all().delete()
    Source.objects.all().delete()
