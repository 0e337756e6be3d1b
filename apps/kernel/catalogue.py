"""The part of the kernel data that every page draws from and that stays small whatever the size
of the layouts: the memory types with their identifications, memdesc numbers and sources, their
relations, the life of a page (transitions), the dated views' edges and the builds. A process
loads it once per data version and its requests share it.

The hierarchy functions (apps.kernel.graph, apps.kernel.lifecycle) and the pages walk it in
memory instead of compiling the same handful of queries on every request. It is never stale: it
is keyed by the data version (apps.kernel.version), which every write to the kernel data changes
in its own transaction, and `current()` reads the version (one plain statement) before handing
it out. A version read while a writer commits can only label newer rows with an older version,
which the next request replaces.

Its objects are shared by the requests of a process: read them, never change them.
"""

import threading
from collections import defaultdict
from dataclasses import dataclass

from apps.kernel import version
from apps.kernel.models import (
    REFERENCE_ARCH,
    Build,
    BuildChoice,
    DatedViewEdge,
    Identification,
    MemdescNumber,
    MemoryType,
    ReleaseChoice,
    Source,
    Transition,
    TypeRelation,
)

_lock = threading.Lock()
_loaded = None
# The queries of a load, as pinned query counts add them to a page's own.
LOAD_QUERIES = 9


@dataclass(frozen=True)
class Catalogue:
    version: str
    types: dict  # {id: MemoryType}, every column
    by_slug: dict  # {slug: MemoryType}
    relations: list  # TypeRelation with parent, child and source, by pk
    parents: dict  # {type id: [its TypeRelations to its parents, by parent slug]}
    children: dict  # {type id: [its TypeRelations to its children, by child slug]}
    transitions: list  # Transition with both types, source and dated_by, as Transition.objects.for_list() orders them
    view_edges: list  # DatedViewEdge with its view (and the view's source), parent and child
    identifications: dict  # {type id: [Identification with its source]}
    memdesc_numbers: dict  # {type id: [MemdescNumber with its table and the table's source]}, by table
    sources: dict  # {type id: [Source]}, by key
    source_by_id: dict  # {id: Source} of every source
    builds: list  # BuildChoice of every build, oldest release first
    build_of: dict  # {(release name, arch): Build with its release}

    def build(self, choice):
        """The Build (with its release) of a BuildChoice."""
        return self.build_of[(choice.release.name, choice.arch)]

    def reference_build(self, build):
        """The build of build's release for the reference architecture (where usages are
        recorded), or None."""
        return self.build_of.get((build.release.name, REFERENCE_ARCH))


def current():
    """The catalogue of the current data version: the one this process holds, or loaded now
    (1 query when held, 1 + LOAD_QUERIES when loaded)."""
    return at(version.current())


def at(data_version):
    """The catalogue of data_version, read by the caller from apps.kernel.version (a request
    reads it once, memtypes_site.cache.request_version): the one this process holds, or loaded
    now (no query when held, LOAD_QUERIES when loaded)."""
    global _loaded
    held = _loaded
    if held is not None and held.version == data_version:
        return held
    with _lock:
        if _loaded is not None and _loaded.version == data_version:
            return _loaded
        loaded = _load(data_version)
        # An empty version table (a database just flushed) names no state: nothing is kept.
        if data_version != "0":
            _loaded = loaded
        return loaded


def forget():
    """Drop the catalogue this process holds (tests start each from the database)."""
    global _loaded
    _loaded = None


def _load(data_version):
    # Every source once: the facts below take theirs from it instead of each joining it.
    sources = {source.id: source for source in Source.objects.all()}
    types = {t.id: t for t in MemoryType.objects.order_by("slug")}
    relations = list(TypeRelation.objects.order_by("pk"))
    for rel in relations:
        rel.parent, rel.child, rel.source = types[rel.parent_id], types[rel.child_id], sources[rel.source_id]
    # In for_list()'s order, without its joins: the types and sources are filled in below.
    transitions = list(Transition.objects.for_list().select_related(None))
    for step in transitions:
        step.from_type, step.to_type = types[step.from_type_id], types[step.to_type_id]
        step.source, step.dated_by = sources[step.source_id], sources.get(step.dated_by_id)
    edges = list(DatedViewEdge.objects.select_related("view").order_by("view__date", "view__slug", "pk"))
    for edge in edges:
        edge.parent, edge.child = types[edge.parent_id], types[edge.child_id]
        edge.view.source = sources[edge.view.source_id]
    identifications = list(Identification.objects.all())
    for ident in identifications:
        ident.source = sources[ident.source_id]
    numbers = list(MemdescNumber.objects.select_related("table"))
    for number in numbers:
        number.table.source = sources[number.table.source_id]
    builds = list(Build.objects.select_related("release").order_by("release__sort_key", "arch"))
    releases = {}
    return Catalogue(
        version=data_version,
        types=types,
        by_slug={t.slug: t for t in types.values()},
        relations=relations,
        parents=_by_type(sorted(relations, key=lambda r: r.parent.slug), lambda rel: rel.child_id),
        children=_by_type(sorted(relations, key=lambda r: r.child.slug), lambda rel: rel.parent_id),
        transitions=transitions,
        view_edges=edges,
        identifications=_by_type(identifications),
        memdesc_numbers=_by_type(numbers),
        sources=_by_type(
            MemoryType.sources.through.objects.order_by("source__key"),
            lambda row: row.memorytype_id,
            lambda row: sources[row.source_id],
        ),
        source_by_id=sources,
        builds=[
            BuildChoice(
                releases.setdefault(b.release.name, ReleaseChoice(b.release.name, b.release.sort_key)),
                b.arch,
                b.kernel_version,
            )
            for b in builds
        ],
        build_of={(b.release.name, b.arch): b for b in builds},
    )


def _by_type(rows, type_id=lambda row: row.memory_type_id, value=lambda row: row):
    grouped = defaultdict(list)
    for row in rows:
        grouped[type_id(row)].append(value(row))
    return dict(grouped)
