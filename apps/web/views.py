"""The HTML pages: the hierarchy, each memory type, each release's struct layouts and the words
of struct page each type uses. Every page runs a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from apps.diagrams.render import inline_svg
from apps.kernel import graph, layouts
from apps.kernel.models import WORD_SIZE, Field, FieldUsage, MemoryType, Release, StructLayout
from memtypes_site import health

# The hierarchy diagram of a type shows this many levels each way unless ?depth= says otherwise.
MAX_DEPTH = 20
# A search for a common word ("lru", "int") matches fields in every release; the page lists
# this many and says how many more there are.
SEARCH_FIELD_LIMIT = 200


def healthz(request):
    """{"status": "ok", "cache": "ok"} after a database round trip (on a connection of its own,
    within 1.5 s); 503 when the database does not answer. A cache that fails is reported as
    "degraded" but keeps the status ok: pages compute their answers without it."""
    error = health.database_error()
    cache = health.cache_status()
    if error is not None:
        return JsonResponse({"status": "error", "reason": f"database unreachable: {error}", "cache": cache}, status=503)
    return JsonResponse({"status": "ok", "cache": cache})


def _by_area(types):
    """[(area label, area value, [types])] in the order of MemoryType.Area, empty areas left out."""
    grouped = defaultdict(list)
    for memory_type in types:
        grouped[memory_type.area].append(memory_type)
    return [(label, value, grouped[value]) for value, label in MemoryType.Area.choices if grouped[value]]


def home(request):
    """What memtypes is, the whole hierarchy drawn, and every type by area (6 queries)."""
    types = list(MemoryType.objects.for_list())
    return render(
        request,
        "web/home.html",
        {
            "areas": _by_area(types),
            "picture": inline_svg(graph.whole()),
            "releases": list(Release.objects.order_by("sort_key")),
        },
    )


def type_list(request):
    """Every memory type, by area, with its parents (3 queries)."""
    types = list(MemoryType.objects.for_list())
    return render(request, "web/type_list.html", {"areas": _by_area(types), "count": len(types)})


class DepthForm(forms.Form):
    depth = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DEPTH,
        error_messages={"invalid": f"depth is a whole number of levels, from 1 to {MAX_DEPTH}."},
    )


@dataclass
class UsageRow:
    """A field usage with the words of struct page its field occupies and the struct page
    fields it lies over (for a field of struct page itself: that field)."""

    usage: object
    page_index: int
    first_word: int | None
    last_word: int | None
    page_fields: list


def _usage_rows(memory_type):
    """[(release, [UsageRow])] newest release first, from the usages for_detail() loaded
    (1 query: the struct page fields of the releases those usages belong to)."""
    page_fields = defaultdict(list)
    page_fields_of_releases = (
        Field.objects.filter(
            layout__struct="page",
            layout__release__in=Release.objects.filter(layouts__fields__usages__memory_type=memory_type),
        )
        .select_related("layout")
        .order_by("offset", "position")
    )
    for fld in page_fields_of_releases:
        page_fields[fld.layout.release_id].append(fld)
    by_release = {}
    for usage in memory_type.usages.all():
        fld = usage.field
        release = fld.layout.release
        on_page = page_fields[release.id]
        page_size = on_page[0].layout.size if on_page else None
        if fld.layout.struct == "page":
            start, under = fld.offset, [fld]
        elif page_size:
            start, under = fld.offset - fld.page_index * page_size, layouts.page_fields_under(fld, on_page, page_size)
        else:
            start, under = None, []
        row = UsageRow(
            usage=usage,
            page_index=fld.page_index,
            first_word=None if start is None else start // WORD_SIZE,
            last_word=None if start is None else (start + max(fld.size, 1) - 1) // WORD_SIZE,
            page_fields=under,
        )
        by_release.setdefault(release.id, (release, []))[1].append(row)
    return list(by_release.values())


def _identification_labels(identifications):
    """[(label, identification)] oldest first: "since v6.10", or for an entry with no release
    "before v6.10" (the first later entry) or "in every release" when it is the only one."""
    ordered = sorted(identifications, key=lambda i: i.sort_key)
    later = [i.since for i in ordered if i.since]
    labelled = []
    for ident in ordered:
        if ident.since:
            label = f"Since {ident.since}"
        elif later:
            label = f"Before {later[0]}"
        else:
            label = "In every release"
        labelled.append((label, ident))
    return labelled


def type_detail(request, slug):
    """One memory type: what it is, where it sits in the hierarchy, how the kernel recognises
    it, and which fields it uses in each release, each fact with its source (9 queries)."""
    form = DepthForm(request.GET)
    if not form.is_valid():
        return render(request, "web/bad_request.html", {"errors": form.errors}, status=400)
    memory_type = get_object_or_404(MemoryType.objects.for_detail(), slug=slug)
    depth = form.cleaned_data["depth"]
    identifications = _identification_labels(memory_type.identifications.all())
    return render(
        request,
        "web/type_detail.html",
        {
            "type": memory_type,
            "depth": depth,
            "identifications": identifications,
            "releases": _usage_rows(memory_type),
            "picture": inline_svg(graph.neighbourhood(memory_type, depth)),
        },
    )


def release_list(request):
    """Every release whose layouts were read, with its structs (2 queries)."""
    return render(request, "web/release_list.html", {"releases": list(Release.objects.for_list())})


def release_detail(request, name):
    """One release: the build it was read from, its notes and its structs (2 queries)."""
    release = get_object_or_404(Release.objects.for_list(), name=name)
    return render(request, "web/release_detail.html", {"release": release})


@dataclass
class WordRow:
    """One 8-byte word of a struct: its fields, each with what every type keeps in it."""

    word: object
    fields: list  # [(field, [(memory type, keeps, "struct.field" recorded on)])]

    @property
    def users(self):
        """[(memory type, keeps, "struct.field" recorded on)] of the word, each once, by type: a
        descriptor field lies over every member of a struct page union, and is listed once."""
        seen = {}
        for _, users in self.fields:
            for memory_type, keeps, on in users:
                seen.setdefault((memory_type.slug, on, keeps), (memory_type, keeps, on))
        return [seen[key] for key in sorted(seen)]


def _word_rows(layout, fields, matrix, usages):
    """[(page_index, [WordRow])]: the layout's words with the types that use each field. For
    struct page that includes usages recorded on overlaying descriptors, on the head page and on
    every tail page a usage reaches; for another struct, the usages recorded on its fields."""
    types = {t.slug: t for t in matrix.types}
    cells = {(row.page_index, row.field.id): row.cells for row in matrix.rows}
    page_indexes = sorted({row.page_index for row in matrix.rows}) if layout.struct == "page" else [0]
    pages = []
    for page_index in page_indexes:
        rows = []
        for word in layouts.words(fields, layout.size):
            users = []
            for fld in word.fields:
                if layout.struct == "page":
                    kept = cells.get((page_index, fld.id), {})
                    users.append(
                        (fld, [(types[slug], keeps, on) for slug, entries in kept.items() for keeps, on in entries])
                    )
                else:
                    on = f"{layout.struct}.{fld.name}"
                    users.append((fld, [(u.memory_type, u.keeps, on) for u in usages.get(fld.id, [])]))
            rows.append(WordRow(word=word, fields=users))
        pages.append((page_index, rows))
    return pages


def _direct_usages(fields):
    """{field id: [usage]} of usages recorded on these fields (1 query)."""
    found = defaultdict(list)
    usages = (
        FieldUsage.objects.filter(field__in=fields)
        .select_related("memory_type", "source")
        .order_by("memory_type__slug")
    )
    for usage in usages:
        found[usage.field_id].append(usage)
    return found


def layout_detail(request, name, struct):
    """One struct as one release's build laid it out: its fields by offset with the unions that
    hold them, its 8-byte words, and for struct page which types use each word, including the
    usages recorded on the descriptors that overlay it (5 queries for struct page, 3 for others)."""
    layout = get_object_or_404(StructLayout.objects.select_related("release"), release__name=name, struct=struct)
    fields = list(layout.fields.order_by("offset", "position"))
    usages = _direct_usages(fields)
    if layout.struct == "page":
        matrix = layouts.matrix(layout.release)
    else:
        matrix = layouts.Matrix(release=layout.release, page_size=0, types=[], rows=[])
    return render(
        request,
        "web/layout_detail.html",
        {
            "layout": layout,
            "release": layout.release,
            "fields": [(fld, usages.get(fld.id, [])) for fld in fields],
            "pages": _word_rows(layout, fields, matrix, usages),
        },
    )


def matrix(request, name):
    """struct page fields x memory types of one release (3 queries)."""
    release = get_object_or_404(Release, name=name)
    table = layouts.matrix(release)
    rows = [(row.page_index, row.field, [(t, row.cells.get(t.slug, [])) for t in table.types]) for row in table.rows]
    return render(request, "web/matrix.html", {"release": release, "matrix": table, "rows": rows})


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        strip=True,
        error_messages={"max_length": "Search for at most %(limit_value)d characters."},
    )


def search(request):
    """Types whose slug, name, summary or description and fields whose name or C type contain
    the query (2 queries; none for an empty query)."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "web/search.html", {"form": form, "query": request.GET.get("q", "")}, status=400)
    query = form.cleaned_data["q"]
    context = {"form": form, "query": query}
    if query:
        context["types"] = list(
            MemoryType.objects.filter(
                Q(slug__icontains=query)
                | Q(name__icontains=query)
                | Q(summary__icontains=query)
                | Q(description__icontains=query)
            )
            .only("slug", "name", "summary", "status", "area")
            .order_by("slug")
        )
        fields = list(
            Field.objects.filter(Q(name__icontains=query) | Q(c_type__icontains=query))
            .select_related("layout__release")
            .order_by("-layout__release__sort_key", "layout__struct", "offset", "position")[: SEARCH_FIELD_LIMIT + 1]
        )
        context["fields"] = fields[:SEARCH_FIELD_LIMIT]
        context["more_fields"] = len(fields) > SEARCH_FIELD_LIMIT
    return render(request, "web/search.html", context)
