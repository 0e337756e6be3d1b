"""Search by kernel identifier (slab_cache, PGTY_slab, folio_test_anon, compound_info): the memory
types that name it (slug, name, summary, description, descriptor, allocation and free APIs,
identification tests), the struct fields of that name per struct, the enum values of the builds
and the sources, each result with the releases it appears in ("compound_info: struct page,
v7.2, v7.3-rc7"). A name that matches exactly comes first.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from apps.kernel.models import REFERENCE_ARCH, EnumValue, Field, Identification, MemoryType, Source

# Each kind of result lists at most this many entries and says when there are more.
LIMIT = 50
# Fields and enum values are read as (struct, name, release, arch) rows, grouped by name: at most
# this many rows are read, which bounds the work for a query that matches nearly everything.
ROW_LIMIT = 5000


@dataclass
class InRelease:
    """Where a struct field or enum value appears: one release, the architectures of its builds
    that have it, and (for an enum value) the value in each."""

    name: str
    sort_key: int
    arches: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # arch -> value

    @property
    def arch(self):
        """The architecture to link to: x86_64 when it has it, else the first."""
        return REFERENCE_ARCH if REFERENCE_ARCH in self.arches else self.arches[0]

    @property
    def value(self):
        return self.values.get(self.arch)


@dataclass
class FoundType:
    """A memory type, with what matched: [(what, text)], e.g. ("identification since v6.10",
    "PageSlab(): page_type PGTY_slab")."""

    memory_type: object
    matched: list = field(default_factory=list)


@dataclass
class FoundName:
    """A struct field or an enum value by name, e.g. struct page's compound_info, with the
    releases it appears in, oldest first."""

    container: str  # the struct (page) or the enum (pagetype)
    name: str
    releases: list = field(default_factory=list)  # [InRelease]


@dataclass
class Found:
    query: str
    types: list = field(default_factory=list)
    fields: list = field(default_factory=list)
    enums: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    more: set = field(default_factory=set)  # the kinds that had more than LIMIT results

    @property
    def empty(self):
        return not (self.types or self.fields or self.enums or self.sources)


TYPE_TEXTS = (
    ("slug", "slug"),
    ("name", "name"),
    ("descriptor", "descriptor"),
    ("alloc_api", "allocated with"),
    ("free_api", "freed with"),
    ("summary", "summary"),
    ("description", "description"),
)


def search(query, limit=None):
    """Everything that names `query` (case-insensitive), see the module docstring; at most
    `limit` (LIMIT by default) results of each kind (5 queries)."""
    limit = LIMIT if limit is None else limit
    found = Found(query=query)
    found.types = _types(query, found)
    found.fields = _names(
        Field.objects.filter(name__icontains=query), "layout__struct", "layout__build", query, found, "fields"
    )
    found.enums = _names(EnumValue.objects.filter(name__icontains=query), "enum", "build", query, found, "enums")
    sources = list(
        Source.objects.filter(
            Q(key__icontains=query) | Q(title__icontains=query) | Q(path__icontains=query) | Q(note__icontains=query)
        ).order_by("path", "release", "key")[: limit + 1]
    )
    if len(sources) > limit:
        found.more.add("sources")
    found.sources = sources[:limit]
    for kind in ("types", "fields", "enums"):
        if len(getattr(found, kind)) > limit:
            found.more.add(kind)
            setattr(found, kind, getattr(found, kind)[:limit])
    return found


def _types(query, found):
    """Types naming the query in their own text or in an identification test (2 queries)."""
    text = Q()
    for attr, _ in TYPE_TEXTS:
        text |= Q(**{f"{attr}__icontains": query})
    by_slug = {}
    for memory_type in MemoryType.objects.filter(text).order_by("slug"):
        lowered = query.lower()
        matched = [(what, getattr(memory_type, attr)) for attr, what in TYPE_TEXTS
                   if lowered in getattr(memory_type, attr).lower()]  # fmt: skip
        # A long description is named, not quoted.
        matched = [(what, "" if what in ("description", "summary") else value) for what, value in matched]
        by_slug[memory_type.slug] = FoundType(memory_type=memory_type, matched=matched)
    identifications = Identification.objects.filter(test__icontains=query).select_related("memory_type")
    for ident in sorted(identifications, key=lambda i: (i.memory_type.slug, i.sort_key)):
        hit = by_slug.setdefault(ident.memory_type.slug, FoundType(memory_type=ident.memory_type))
        hit.matched.append((f"identification since {ident.since}" if ident.since else "identification", ident.test))
    exact = query.lower()
    return sorted(by_slug.values(), key=lambda t: (t.memory_type.slug.lower() != exact, t.memory_type.slug))


def _names(queryset, container, build, query, found, kind):
    """Rows of `queryset` grouped by (container, name), each with the releases and arches it is
    in: [FoundName], exact names first (1 query)."""
    rows = queryset.values_list(
        container, "name", f"{build}__release__name", f"{build}__release__sort_key", f"{build}__arch",
        *(["value"] if kind == "enums" else []),
    ).order_by(f"{build}__release__sort_key", f"{build}__arch")[:ROW_LIMIT]  # fmt: skip
    groups = defaultdict(dict)  # (container, name) -> {release name: InRelease}
    count = 0
    for row in rows:
        count += 1
        where, name, release, sort_key, arch = row[:5]
        entry = groups[(where, name)].setdefault(release, InRelease(name=release, sort_key=sort_key))
        if arch not in entry.arches:
            entry.arches.append(arch)
            entry.arches.sort(key=lambda a: (a != REFERENCE_ARCH, a))
        if kind == "enums":
            entry.values[arch] = row[5]
    if count == ROW_LIMIT:
        found.more.add(kind)
    exact = query.lower()
    return [
        FoundName(container=where, name=name, releases=sorted(releases.values(), key=lambda r: r.sort_key))
        for (where, name), releases in sorted(groups.items(), key=lambda kv: (kv[0][1].lower() != exact, kv[0]))
    ]
