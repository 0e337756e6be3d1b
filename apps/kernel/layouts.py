"""Struct layouts of a release: storing what pahole printed, and reading struct page's words
and the descriptors that overlay them."""

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Q

from apps.kernel import version
from apps.kernel.models import REFERENCE_ARCH, Build, Field, FieldUsage, Release, StructLayout

FIELD_ATTRS = ("c_type", "offset", "size", "bit_offset", "bit_size", "page_index", "position")


class LayoutError(ValueError):
    """A layout that cannot be stored as it is; nothing was written."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def add(self, other):
        for name in ("created", "updated", "deleted", "unchanged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self):
        return f"{self.created} created, {self.updated} updated, {self.deleted} deleted, {self.unchanged} unchanged"


def _page_size(build, structs):
    for struct in structs:
        if struct.name == "page":
            return struct.size
    if build is not None:
        layout = StructLayout.objects.filter(build=build, struct="page").first()
        if layout:
            return layout.size
    raise LayoutError("struct page is neither in the input nor already stored for this build")


BUILD_ATTRS = (*Build.PROVENANCE_FIELDS, "vendor_build", "notes")


def store(release_name, arch, structs, build_values=None, configs=None, allow_drop=True):
    """Store parsed structs (pahole.StructDef) as the layouts of one build, all or nothing.

    Creates the release and the build when they are new, and updates the build's provenance
    (build_values: {attr: value} of BUILD_ATTRS). Fields are matched by (path, name): changed
    ones are updated, missing ones created, and ones no longer in the input deleted, unless a
    field usage points at them (then nothing is written). Curated data on a kept field (its
    config dependency, its backport) stays as it is unless configs says otherwise. Storing the
    same input again changes nothing.
    configs: {struct: {field: (CONFIG_X, Source)}}: the config option each field depends on;
    None keeps the stored config dependencies. With allow_drop False, fields the input no
    longer has are named in a LayoutError instead of being deleted.
    Returns Counts of the build, its layouts and fields together."""
    build_values = {k: v for k, v in (build_values or {}).items() if k in BUILD_ATTRS}
    release = Release.objects.filter(name=release_name).first()
    build = Build.objects.filter(release=release, arch=arch).first() if release else None
    page_size = _page_size(build, structs)
    counts = Counts()
    layouts = {}
    existing = defaultdict(dict)
    if build is not None:
        layouts = {lay.struct: lay for lay in build.layouts.all()}
        for fld in Field.objects.of_build(build):
            existing[fld.layout.struct][(fld.path, fld.name)] = fld
    # Validate before writing anything: removed fields must not carry usages.
    for struct in structs:
        wanted = {(f.path, f.name) for f in struct.fields}
        gone = [fld for key, fld in existing[struct.name].items() if key not in wanted]
        used = FieldUsage.objects.filter(field__in=gone).select_related("memory_type", "field__layout").first()
        if used:
            raise LayoutError(
                f"struct {struct.name}.{used.field.name} of {release_name} ({arch}) is gone from the input "
                f"but {used.memory_type.slug} records a usage of it; remove that usage first"
            )
        if gone and not allow_drop:
            names = ", ".join(f"{struct.name}.{fld.name}" for fld in gone[:10])
            raise LayoutError(
                f"{len(gone)} stored field(s) of {release_name} ({arch}) are not in the input ({names}); "
                "nothing was written; run again with --allow-drop to delete them"
            )
    with version.one_change():
        if release is None:
            release = Release.objects.create(name=release_name)
            counts.created += 1
        if build is None:
            build = Build.objects.create(release=release, arch=arch, **build_values)
            counts.created += 1
        elif any(getattr(build, k) != v for k, v in build_values.items()):
            for k, v in build_values.items():
                setattr(build, k, v)
            build.save()
            counts.updated += 1
        for struct in structs:
            layout = layouts.get(struct.name)
            if layout is None:
                layout = StructLayout.objects.create(build=build, struct=struct.name, size=struct.size)
                counts.created += 1
            elif layout.size != struct.size:
                layout.size = struct.size
                layout.save(update_fields=["size"])
                counts.updated += 1
            else:
                counts.unchanged += 1
            struct_configs = None if configs is None else configs.get(struct.name, {})
            counts.add(_store_fields(layout, struct, existing[struct.name], page_size, struct_configs))
    return counts


def _store_fields(layout, struct, existing, page_size, configs):
    counts = Counts()
    new, changed = [], []
    wanted = set()
    for f in struct.fields:
        values = {
            "c_type": f.c_type,
            "offset": f.offset,
            "size": f.size,
            "bit_offset": f.bit_offset,
            "bit_size": f.bit_size,
            "page_index": f.offset // page_size,
            "position": f.position,
        }
        fld = existing.get((f.path, f.name))
        if configs is not None:
            values["config"] = configs.get(f.name, ("", None))[0]
            values["config_source_id"] = getattr(configs.get(f.name, ("", None))[1], "pk", None)
        elif fld is None:
            values["config"], values["config_source_id"] = "", None
        wanted.add((f.path, f.name))
        if fld is None:
            new.append(Field(layout=layout, path=f.path, name=f.name, **values))
        elif any(getattr(fld, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(fld, k, v)
            changed.append(fld)
        else:
            counts.unchanged += 1
    gone = [fld.pk for key, fld in existing.items() if key not in wanted]
    Field.objects.bulk_create(new)
    Field.objects.bulk_update(changed, [*FIELD_ATTRS, "config", "config_source"])
    Field.objects.filter(pk__in=gone).delete()
    counts.created, counts.updated, counts.deleted = len(new), len(changed), len(gone)
    return counts


@dataclass
class Word:
    """One word of struct page and every field that shares it."""

    index: int
    offset: int
    size: int
    fields: list

    @property
    def last_byte(self):
        return self.offset + self.size - 1


def words(fields, struct_size, word_size):
    """Group a layout's fields into its words (8 bytes on 64-bit builds, 4 on 32-bit ones), in
    offset order; a field wider than a word (a list_head) is listed in each word it covers."""
    by_word = [
        Word(index=i, offset=i * word_size, size=word_size, fields=[])
        for i in range((struct_size + word_size - 1) // word_size)
    ]
    for fld in sorted(fields, key=lambda f: (f.offset, f.position)):
        first = fld.offset // word_size
        last = (fld.offset + max(fld.size, 1) - 1) // word_size
        for index in range(first, min(last, len(by_word) - 1) + 1):
            by_word[index].fields.append(fld)
    return by_word


def page_fields_under(field, page_fields, page_size):
    """The struct page fields that a descriptor's field lies over, derived from the offsets
    (what the kernel's FOLIO_MATCH / SLAB_MATCH / TABLE_MATCH asserts state). A folio field on
    page[1] is compared with struct page at offset - 1 * sizeof(struct page)."""
    start = field.offset - field.page_index * page_size
    end = start + max(field.size, 1)
    return [pf for pf in page_fields if pf.offset < end and start < pf.offset + max(pf.size, 1)]


def usages_of_build(build):
    """[(usage, field)] of one build: usages are recorded on the fields of the release's
    reference build (x86_64); another architecture's build shows each of them on its own field
    of the same struct, path and name (or the same name where the path differs), and leaves out
    those whose field it does not have (a CONFIG_64BIT field on a 32-bit build). 1 query on the
    reference build, 2 on another."""
    usages = (
        FieldUsage.objects.filter(
            field__layout__build__release_id=build.release_id, field__layout__build__arch=REFERENCE_ARCH
        )
        .select_related("memory_type", "field__layout", "source")
        .order_by("memory_type__slug", "field__layout__struct", "field__offset", "field__position")
    )
    if build.is_reference:
        return [(usage, usage.field) for usage in usages]
    fields = FieldFinder(Field.objects.of_build(build), struct=lambda fld: fld.layout.struct)
    placed = ((usage, fields.find(usage.field.layout.struct, usage.field)) for usage in usages)
    return [(usage, fld) for usage, fld in placed if fld is not None]


class FieldFinder:
    """A build's fields, found by a field of another build of the same struct (a usage is
    recorded on the reference build's field; another architecture or release has its own): the
    field with the same path and name, or else the only one of that name in the struct, since a
    reshaped union changes a path but keeps the name; a name that several fields share finds
    nothing. struct: a field's struct name (FieldFacts has it; a Field has it on its layout)."""

    def __init__(self, fields, struct=lambda fld: fld.struct):
        self.by_path, self.by_name = {}, defaultdict(list)
        for fld in fields:
            self.by_path[(struct(fld), fld.path, fld.name)] = fld
            self.by_name[(struct(fld), fld.name)].append(fld)

    def find(self, struct, field):
        """The field that stands for field (anything with path and name) in struct, or None."""
        found = self.by_path.get((struct, field.path, field.name))
        named = self.by_name.get((struct, field.name), [])
        return found or (named[0] if len(named) == 1 else None)


@dataclass
class TypeWord:
    """One word of struct page and what one memory type keeps in it: [("struct.field", keeps)]."""

    word: Word
    uses: list

    @property
    def used(self):
        return bool(self.uses)


class FieldFacts(NamedTuple):
    """A stored field as the layout pages and the matrix read it: plain values, no model instance."""

    id: int
    struct: str
    path: str
    name: str
    c_type: str
    offset: int
    size: int
    bit_size: int | None
    page_index: int
    position: int
    backport_id: int | None


# The columns of FieldFacts, in its order, for values_list() on Field.
FIELD_FACTS = (
    "id",
    "layout__struct",
    "path",
    "name",
    "c_type",
    "offset",
    "size",
    "bit_size",
    "page_index",
    "position",
    "backport_id",
)


class UsageFacts(NamedTuple):
    """A field usage as a type's pages show it: plain values, no model instance."""

    keeps: str
    basis: str
    carried: bool
    source: object  # the Source, from the catalogue


@dataclass
class UsageRow:
    """A usage (UsageFacts) on one field of a build (FieldFacts): the words of struct page that
    field occupies (on the page of a compound it sits on) and the struct page fields it lies
    over."""

    usage: UsageFacts
    field: object
    first_word: int | None
    last_word: int | None
    page_fields: list
    basis: str = ""

    @property
    def page_index(self):
        return self.field.page_index


def usage_row(usage, fld, page_fields, page_size, word_size, basis=""):
    """The UsageRow of usage on fld, a field of a build whose struct page fields are page_fields
    (offset order; empty when the build has no struct page) and whose struct page is page_size
    bytes: a struct page field lies over itself; a descriptor's field over the struct page
    fields at its offset on its page."""
    if fld.struct == "page":
        start, under = fld.offset, [fld]
    elif page_fields:
        start, under = fld.offset - fld.page_index * page_size, page_fields_under(fld, page_fields, page_size)
    else:
        return UsageRow(usage, fld, None, None, [], basis)
    return UsageRow(usage, fld, start // word_size, (start + max(fld.size, 1) - 1) // word_size, under, basis)


@dataclass
class TypeInBuild:
    """One memory type in one build: `grid`, [(page_index, [TypeWord])] for the head page and each
    tail page it uses ([] when the build has no struct page), and `rows`, a UsageRow for each of
    its usages on the build's own fields, by struct and offset."""

    grid: list
    rows: list


# What a type's pages read of a usage (UsageFacts but the source, and its field's FieldFacts).
_USAGE_COLUMNS = ("keeps", "basis", "carried", "source_id", *(f"field__{name}" for name in FIELD_FACTS))


class Placed(NamedTuple):
    """A usage (UsageFacts) on a field (FieldFacts)."""

    usage: UsageFacts
    field: FieldFacts


def _usage_facts(row, catalogue):
    keeps, basis, carried, source_id, *field = row
    return Placed(UsageFacts(keeps, basis, carried, catalogue.source_by_id[source_id]), FieldFacts(*field))


def type_in_build(memory_type, build, catalogue, basis_label=lambda basis, release: ""):
    """The words of a build's struct page with what memory_type keeps in each, and its usages:
    usages are recorded on the reference build (x86_64) of the release and shown on this build's
    field of the same name (a descriptor's field on the words it lies over, a folio field of
    page[1] on the first tail page). catalogue (apps.kernel.catalogue) gives the reference build
    and the usages' sources; basis_label(basis, release name) labels each row (2 queries, the
    same on every build)."""
    reference = catalogue.reference_build(build)
    recorded_on = reference.id if reference else None
    rows = (
        FieldUsage.objects.filter(memory_type_id=memory_type.id, field__layout__build_id=recorded_on)
        .order_by("field__layout__struct", "field__offset", "field__position")
        .values_list(*_USAGE_COLUMNS)
    )
    usages = [_usage_facts(row, catalogue) for row in rows]
    # struct page, and on another architecture the fields the usages may be shown on.
    wanted = Q(layout__struct="page")
    if not build.is_reference:
        wanted |= Q(name__in={fld.name for _, fld in usages})
    fields = Field.objects.filter(wanted, layout__build=build).order_by("layout__struct", "offset", "position")
    fields = [(size, FieldFacts(*row)) for size, *row in fields.values_list("layout__size", *FIELD_FACTS)]
    page_fields = [fld for _, fld in fields if fld.struct == "page"]
    page_size = next((size for size, fld in fields if fld.struct == "page"), 0)
    on_fields = usages if build.is_reference else _carried(usages, [fld for _, fld in fields])
    word_size, release = build.word_size, build.release.name
    rows = [
        usage_row(usage, fld, page_fields, page_size, word_size, basis_label(usage.basis, release))
        for usage, fld in on_fields
    ]
    if not page_fields:
        return TypeInBuild(grid=[], rows=rows)
    grid = words(page_fields, page_size, word_size)
    uses = defaultdict(list)  # (page_index, word index) -> [("struct.field", keeps)]
    for row in rows:
        for index in range(row.first_word, min(row.last_word, len(grid) - 1) + 1):
            uses[(row.page_index, index)].append((f"{row.field.struct}.{row.field.name}", row.usage.keeps))
    pages = sorted({0} | {page_index for page_index, _ in uses})
    grid = [(p, [TypeWord(word=word, uses=uses.get((p, word.index), [])) for word in grid]) for p in pages]
    return TypeInBuild(grid=grid, rows=rows)


def usage_history(memory_type, catalogue, basis_label=lambda basis, release: ""):
    """[(build, [UsageRow])] of the reference build of every release memory_type has usages in,
    newest release first, each by struct and offset (2 queries: the usages with their fields, the
    struct page fields of their builds; catalogue gives the builds and sources)."""
    rows = (
        FieldUsage.objects.filter(memory_type_id=memory_type.id)
        .order_by(
            "-field__layout__build__release__sort_key", "field__layout__struct", "field__offset", "field__position"
        )
        .values_list("field__layout__build_id", *_USAGE_COLUMNS)
    )
    by_build = {}
    for build_id, *row in rows:
        by_build.setdefault(build_id, []).append(_usage_facts(row, catalogue))
    pages = struct_page_fields(by_build)
    builds = {build.id: build for build in catalogue.build_of.values()}
    history = []
    for build_id, usages in by_build.items():
        build = builds[build_id]
        size, fields = pages.get(build_id, (0, []))
        rows = [
            usage_row(usage, fld, fields, size, build.word_size, basis_label(usage.basis, build.release.name))
            for usage, fld in usages
        ]
        history.append((build, rows))
    return history


class TypeFacts(NamedTuple):
    """A memory type as a column of the matrix or a user of a word: its slug, name and area."""

    slug: str
    name: str
    area: str


class Use(NamedTuple):
    """A field usage as plain values: what a memory type (TypeFacts) keeps in a field of a build
    (FieldFacts)."""

    memory_type: TypeFacts
    keeps: str
    field: FieldFacts


def struct_page_fields(build_ids):
    """{build id: (the size of struct page, FieldFacts of its fields in offset order)} for the
    builds of build_ids that have a struct page (1 query)."""
    found = {}
    rows = (
        Field.objects.filter(layout__struct="page", layout__build_id__in=build_ids)
        .order_by("offset", "position")
        .values_list("layout__build_id", "layout__size", *FIELD_FACTS)
    )
    for build_id, size, *field in rows:
        found.setdefault(build_id, (size, []))[1].append(FieldFacts(*field))
    return found


def field_facts_of_build(build):
    """FieldFacts of every struct of a build, ordered by struct then offset (1 query)."""
    fields = Field.objects.filter(layout__build=build).order_by("layout__struct", "offset", "position")
    return [FieldFacts(*row) for row in fields.values_list(*FIELD_FACTS)]


def uses_of_build(build):
    """usages_of_build(build) as plain values: [Use] ordered by type slug, struct, offset and
    position, each on the build's own field (carried to another architecture's fields as
    usages_of_build carries them). 1 query on the reference build; 2 on another (its fields)."""
    rows = (
        FieldUsage.objects.filter(
            field__layout__build__release_id=build.release_id, field__layout__build__arch=REFERENCE_ARCH
        )
        .order_by("memory_type__slug", "field__layout__struct", "field__offset", "field__position")
        .values_list(
            "memory_type__slug",
            "memory_type__name",
            "memory_type__area",
            "keeps",
            *(f"field__{name}" for name in FIELD_FACTS),
        )
    )
    types = {}
    uses = []
    for slug, name, area, keeps, *field in rows:
        memory_type = types.get(slug) or types.setdefault(slug, TypeFacts(slug, name, area))
        uses.append(Use(memory_type, keeps, FieldFacts(*field)))
    if build.is_reference:
        return uses
    return _carried(uses, field_facts_of_build(build))


def _carried(uses, build_fields):
    """uses (Use or Placed) on build_fields (FieldFacts): each use (on a reference build's field)
    moved to the field FieldFinder finds for it; uses whose field is not there are left out."""
    fields = FieldFinder(build_fields)
    placed = ((use, fields.find(use.field.struct, use.field)) for use in uses)
    return [use._replace(field=fld) for use, fld in placed if fld is not None]


@dataclass
class MatrixRow:
    """One struct page field (FieldFacts, or the Field the caller gave) on one page of a
    compound (page_index 0: the head page), with what each type keeps there: {type slug:
    [(keeps, "struct.field" it was recorded on)]}."""

    page_index: int
    field: object
    cells: dict


@dataclass
class Matrix:
    """struct page fields (rows) x memory types (columns, TypeFacts) of one build."""

    build: object
    page_size: int
    types: list
    rows: list

    @property
    def release(self):
        return self.build.release


def matrix(build, uses=None, page_fields=None, page_size=0):
    """What each type keeps in each field of the build's struct page (2 queries; 3 for a build
    other than the reference architecture's).

    A usage recorded on a descriptor's field (folio, slab, ptdesc, ...) is shown on every struct
    page field it overlays; one on a tail page (folio fields on page[1..3]) goes to the rows of
    that page. Rows come for the head page and every tail page a usage reaches, each page's
    fields in offset order; columns are the types with a usage in the release, by slug.
    uses: uses_of_build(build) when the caller has them already; page_fields (the build's struct
    page fields in offset order, anything with id, offset and size) with page_size (the size of
    struct page) likewise. No query when the caller gives all three."""
    if page_fields is None:
        page_size, page_fields = struct_page_fields([build.id]).get(build.id, (0, []))
    cells = defaultdict(lambda: defaultdict(list))  # (page_index, field id) -> slug -> entries
    types = {}
    overlaid = {}  # descriptor field id -> the struct page fields under it (many types use one field)
    for use in uses_of_build(build) if uses is None else uses:
        fld = use.field
        types[use.memory_type.slug] = use.memory_type
        if fld.struct == "page":
            under = [fld]
        elif page_size:
            if fld.id not in overlaid:
                overlaid[fld.id] = page_fields_under(fld, page_fields, page_size)
            under = overlaid[fld.id]
        else:
            under = []
        for page_field in under:
            cells[(fld.page_index, page_field.id)][use.memory_type.slug].append((use.keeps, f"{fld.struct}.{fld.name}"))
    page_indexes = sorted({0} | {index for index, _ in cells}) if page_fields else []
    rows = [
        MatrixRow(page_index=index, field=pf, cells=dict(cells.get((index, pf.id), {})))
        for index in page_indexes
        for pf in page_fields
    ]
    return Matrix(build=build, page_size=page_size, types=[types[s] for s in sorted(types)], rows=rows)
