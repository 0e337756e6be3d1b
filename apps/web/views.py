"""The HTML pages: the hierarchy, each memory type, each release's struct layouts and the words
of struct page each type uses. Every page runs a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from apps.diagrams import pictures
from apps.kernel import catalogue, drift, graph, layouts, lifecycle, releases
from apps.kernel import search as kernel_search
from apps.kernel.facts import LoadedReleases, identification_release, release_order
from apps.kernel.models import REFERENCE_ARCH, Build, BuildNotFound, DatedView, MemoryType, Release
from memtypes_site import health
from memtypes_site.cache import request_version

# The hierarchy diagram of a type shows this many levels each way unless ?depth= says otherwise.
MAX_DEPTH = 20


def healthz(request):
    """{"status": "ok", "cache": "ok"} after a database round trip (on a connection of its own,
    within 1.5 s); 503 when the database does not answer. A cache that fails is reported as
    "degraded" but keeps the status ok: pages compute their answers without it."""
    error = health.database_error()
    cache = health.cache_status()
    if error is not None:
        return JsonResponse({"status": "error", "reason": f"database unreachable: {error}", "cache": cache}, status=503)
    return JsonResponse({"status": "ok", "cache": cache})


def _by_area(cat):
    """[(area label, area value, [(type, [its parents by slug])])] of every type of the catalogue,
    by slug, in the order of MemoryType.Area, empty areas left out."""
    grouped = defaultdict(list)
    for memory_type in cat.types.values():
        parents = [rel.parent for rel in cat.parents.get(memory_type.id, [])]
        grouped[memory_type.area].append((memory_type, parents))
    return [(label, value, grouped[value]) for value, label in MemoryType.Area.choices if grouped[value]]


def home(request):
    """What memtypes is, the whole hierarchy drawn, and every type by area (2 queries: the data
    version, whose catalogue holds the types and under which the picture is cached, and the
    releases)."""
    cat = catalogue.at(request_version(request))
    return render(
        request,
        "web/home.html",
        {
            "areas": _by_area(cat),
            "picture": pictures.inline(request, pictures.hierarchy()),
            "releases": list(Release.objects.order_by("sort_key")),
        },
    )


def type_list(request):
    """Every memory type, by area, with its parents (1 query: the data version, whose catalogue
    holds them)."""
    cat = catalogue.at(request_version(request))
    return render(request, "web/type_list.html", {"areas": _by_area(cat), "count": len(cat.types)})


class DepthForm(forms.Form):
    depth = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DEPTH,
        error_messages={"invalid": f"depth is a whole number of levels, from 1 to {MAX_DEPTH}."},
    )


class BuildChoiceForm(forms.Form):
    """A form choosing among the loaded builds: `builds` (each with its release) gives the
    releases offered, oldest first, and the architectures. Its fields are `release_fields` (each
    a loaded release, optional) and `arch` (x86_64 when absent)."""

    release_fields = ()

    def __init__(self, data, builds):
        super().__init__(data)
        self.builds = {(b.release.name, b.arch): b for b in builds}
        self.releases = sorted({b.release for b in builds}, key=lambda r: r.sort_key)
        names = [(r.name, r.name) for r in self.releases]
        for name in self.release_fields:
            self.fields[name] = forms.ChoiceField(
                required=False,
                choices=names,
                error_messages={"invalid_choice": "No release named %(value)s is loaded."},
            )
        known = ", ".join(Build.Arch.values)
        self.fields["arch"] = forms.ChoiceField(
            required=False,
            choices=Build.Arch.choices,
            error_messages={"invalid_choice": f"No architecture named %(value)s; memtypes knows {known}."},
        )

    def built_for(self, arch):
        """The names of the releases with a build for arch, oldest first."""
        return [r.name for r in self.releases if (r.name, arch) in self.builds]


class BuildPickerForm(BuildChoiceForm):
    """?release=&arch=: a loaded release and an architecture it was built for; the newest
    release and x86_64 when absent. Valid data gives the build as `build`."""

    release_fields = ("release",)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        release = data["release"] = data.get("release") or (self.releases[-1].name if self.releases else "")
        arch = data["arch"] = data.get("arch") or REFERENCE_ARCH
        data["build"] = self.builds.get((release, arch))
        if data["build"] is None and release:
            self.add_error("arch", f"Release {release} has no build for {arch}.")
        return data


def _identification_labels(identifications, loaded, newest):
    """[(label, identification, basis, tag)] oldest first: "since v6.10" (with the first loaded
    release where the since names one memtypes has no layout for), or for an entry with no
    release "before v6.10" (the first later entry) or "in every release" when it is the only
    one; basis says whether it was read at a tag, in a stable build, or inferred; tag is the
    release its identifiers link to (where it was read, else its since, else `newest`)."""
    ordered = sorted(identifications, key=lambda i: i.sort_key)
    later = [i.since for i in ordered if i.since]
    labelled = []
    for ident in ordered:
        if ident.since:
            label = loaded.since_label(ident.since)
        elif later:
            label = f"Before {later[0]}"
        else:
            label = "In every release"
        read_at = identification_release(ident)
        tag = read_at if release_order(read_at or "") is not None else newest
        labelled.append((label, ident, loaded.basis_label(ident.basis, read_at), tag))
    return labelled


def type_detail(request, slug):
    """One memory type: what it is, where it sits in the hierarchy, how the kernel recognises
    it, how a page becomes it and what it becomes next, and in one build (?release=, the newest
    by default; ?arch=, x86_64 by default) the words of struct page it uses and the fields it
    uses, each fact with its source and basis (12 queries, the same for every release and
    architecture however many are loaded, since the usages of every release are on
    type_releases' page; one of them is the data version the pictures are cached under, and 2
    more run while they are not drawn at that version). An unknown release or architecture: the
    page with the message beside the picker, 400."""
    form = DepthForm(request.GET)
    if not form.is_valid():
        return render(request, "web/bad_request.html", {"errors": form.errors}, status=400)
    cat = catalogue.at(request_version(request))
    memory_type = cat.by_slug.get(slug)
    if memory_type is None:
        raise Http404(f"No memory type named {slug}.")
    depth = form.cleaned_data["depth"]
    life = lifecycle.around(memory_type, cat)
    picker = BuildPickerForm(request.GET, cat.builds)
    picked = picker.is_valid()
    choice = picker.cleaned_data["build"] if picked else None
    build = cat.build(choice) if choice else None
    loaded = LoadedReleases.of_builds(cat.builds)
    newest = picker.releases[-1].name if picker.releases else ""
    identifications = _identification_labels(cat.identifications.get(memory_type.id, []), loaded, newest)
    parents, children = graph.relations_of(memory_type, cat)
    return render(
        request,
        "web/type_detail.html",
        {
            "type": memory_type,
            "parents": parents,
            "children": children,
            "memdesc_numbers": cat.memdesc_numbers.get(memory_type.id, []),
            "sources": cat.sources.get(memory_type.id, []),
            "depth": depth,
            "identifications": identifications,
            "picture": pictures.inline(request, pictures.neighbourhood(slug, depth, memory_type)),
            "picker": picker,
            "picker_releases": picker.releases,
            "arches": Build.Arch.choices,
            "selected": {k: (picker.cleaned_data if picked else request.GET).get(k) or "" for k in ("release", "arch")},
            "build": build,
            "in_build": layouts.type_in_build(memory_type, build, cat, loaded.basis_label) if build else None,
            "api_tag": build.release.tag if build else newest,
            "dated_views": graph.parents_in_views(memory_type, cat),
            "lifecycle": life,
            # A type with no transition gets a sentence, not a picture of itself alone.
            "lifecycle_picture": (
                pictures.inline(request, pictures.type_lifecycle(slug, memory_type, life)) if life.steps else None
            ),
        },
        status=200 if picked else 400,
    )


def type_releases(request, slug):
    """The fields one memory type uses in every release memtypes has a layout for, newest
    first: struct, field, offset, the words of struct page and what it keeps there, each with
    its source and basis (3 queries: the data version, whose catalogue holds the type, the
    builds and the sources; the usages with their fields; the struct page fields of their
    builds)."""
    cat = catalogue.at(request_version(request))
    memory_type = cat.by_slug.get(slug)
    if memory_type is None:
        raise Http404(f"No memory type named {slug}.")
    loaded = LoadedReleases.of_builds(cat.builds)
    return render(
        request,
        "web/type_releases.html",
        {"type": memory_type, "releases": layouts.usage_history(memory_type, cat, loaded.basis_label)},
    )


def dated_view_list(request):
    """The dated drawings of the hierarchy, each with its date, source and size (1 query)."""
    views = DatedView.objects.for_list()
    return render(request, "web/dated_view_list.html", {"views": list(views)})


def dated_view_detail(request, slug):
    """One dated drawing of the hierarchy as its author gave it: the picture and the nested tree
    (2 queries: the view and the data version, whose catalogue holds the edges and under which
    the picture is cached)."""
    view = get_object_or_404(DatedView.objects.select_related("source"), slug=slug)
    dag = graph.dated(view, catalogue.at(request_version(request)))
    return render(
        request,
        "web/dated_view_detail.html",
        {
            "view": view,
            "tree": dag.tree(),
            "type_count": len(dag.types),
            "picture": pictures.inline(request, pictures.dated_view(slug, dag)),
        },
    )


def lifecycle_page(request):
    """Life of a page: the state diagram of every transition between memory types, and a table
    of them with the kernel function of each era and its source (1 query: the data version,
    whose catalogue holds the transitions and under which the picture is cached)."""
    life = lifecycle.whole(catalogue=catalogue.at(request_version(request)))
    return render(
        request,
        "web/lifecycle.html",
        {"lifecycle": life, "picture": pictures.inline(request, pictures.whole_lifecycle(life))},
    )


def release_list(request):
    """Every release whose layouts were read, with its builds and their structs (3 queries)."""
    return render(request, "web/release_list.html", {"releases": list(Release.objects.for_list())})


def release_detail(request, name):
    """One release: the builds it was read from (one per architecture, each with its structs,
    enums and backported fields), its notes, and how many usages were carried forward without
    being re-verified (10 queries, as its test pins)."""
    release = get_object_or_404(Release.objects.for_list(), name=name)
    previous = Release.objects.filter(sort_key__lt=release.sort_key).order_by("-sort_key").first()
    return render(
        request,
        "web/release_detail.html",
        {
            "release": release,
            "previous": previous,
            "carried": releases.usage_counts(release),
            "enums": releases.enum_table(release),
            "backports": list(release.backports.select_related("source").prefetch_related("fields__layout__build")),
        },
    )


@dataclass
class WordRow:
    """One word of a struct: its fields, each with what every type keeps in it."""

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


def _word_rows(layout, fields, matrix, uses):
    """[(page_index, [WordRow])]: the layout's words with the types that use each field. For
    struct page that includes usages recorded on overlaying descriptors, on the head page and on
    every tail page a usage reaches; for another struct, the uses of its own fields (uses:
    {field id: [layouts.Use]})."""
    types = {t.slug: t for t in matrix.types}
    cells = {(row.page_index, row.field.id): row.cells for row in matrix.rows}
    page_indexes = sorted({row.page_index for row in matrix.rows}) if layout.struct == "page" else [0]
    grid = layouts.words(fields, layout.size, layout.build.word_size)
    pages = []
    for page_index in page_indexes:
        rows = []
        for word in grid:
            users = []
            for fld in word.fields:
                if layout.struct == "page":
                    kept = cells.get((page_index, fld.id), {})
                    users.append(
                        (fld, [(types[slug], keeps, on) for slug, entries in kept.items() for keeps, on in entries])
                    )
                else:
                    on = f"{layout.struct}.{fld.name}"
                    users.append((fld, [(use.memory_type, use.keeps, on) for use in uses.get(fld.id, [])]))
            rows.append(WordRow(word=word, fields=users))
        pages.append((page_index, rows))
    return pages


def _build_or_404(request, name):
    """The build of release `name` for ?arch= (x86_64 when absent); 404 naming what is missing."""
    try:
        return Build.objects.find(name, request.GET.get("arch"))
    except BuildNotFound as exc:
        raise Http404(str(exc)) from exc


def _builds_or_404(request, name):
    """(build, builds): the build of release `name` for ?arch= (x86_64 when absent) and the
    release's builds for the architecture picker, the reference architecture's first, each with
    its release (1 query: the data version, whose catalogue holds the builds); 404 naming what
    is missing."""
    arch = request.GET.get("arch") or REFERENCE_ARCH
    cat = catalogue.at(request_version(request))
    builds = sorted(
        (build for (release, _), build in cat.build_of.items() if release == name),
        key=lambda build: (build.arch != REFERENCE_ARCH, build.arch),
    )
    picked = [build for build in builds if build.arch == arch]
    return (picked[0] if picked else _build_or_404(request, name)), builds


def layout_detail(request, name, struct):
    """One struct as one build laid it out (?arch=, x86_64 by default): its fields by offset
    with the unions that hold them, its words, and for struct page which types use each word,
    including the usages recorded on the descriptors that overlay it (4 queries; one more on a
    build other than x86_64, for its fields)."""
    build, builds = _builds_or_404(request, name)
    layout = get_object_or_404(build.layouts, struct=struct)
    fields = list(layout.fields.select_related("backport").order_by("offset", "position"))
    all_uses = layouts.uses_of_build(build)
    uses = defaultdict(list)  # field id -> [Use]
    ids = {fld.id for fld in fields}
    for use in all_uses:
        if use.field.id in ids:
            uses[use.field.id].append(use)
    if layout.struct == "page":
        matrix = layouts.matrix(build, all_uses, page_fields=fields, page_size=layout.size)
    else:
        matrix = layouts.Matrix(build=build, page_size=0, types=[], rows=[])
    return render(
        request,
        "web/layout_detail.html",
        {
            "layout": layout,
            "build": build,
            "release": build.release,
            "builds": builds,
            "fields": [(fld, uses.get(fld.id, [])) for fld in fields],
            "pages": _word_rows(layout, fields, matrix, uses),
        },
    )


def matrix(request, name):
    """struct page fields x memory types of one build (?arch=, x86_64 by default; 3 queries, 4
    on a build other than x86_64)."""
    build, builds = _builds_or_404(request, name)
    return render(
        request,
        "web/matrix.html",
        {"release": build.release, "build": build, "matrix": layouts.matrix(build), "builds": builds},
    )


class DiffForm(BuildChoiceForm):
    """?from=&to=&arch=: two loaded releases, both built for the architecture (x86_64 when
    absent); `to` defaults to the newest release built for it and `from` to the one before
    `to`. Valid data gives the two builds as from_build and to_build."""

    release_fields = ("from", "to")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        arch = data["arch"] = data.get("arch") or REFERENCE_ARCH
        built = self.built_for(arch)
        to = data["to"] = data.get("to") or (built[-1] if built else "")
        if not to:
            self.add_error("arch", f"No release has a build for {arch}.")
            return data
        if to not in built:
            self.add_error("to", f"Release {to} has no build for {arch}.")
            return data
        start = data["from"] = data.get("from") or (built[built.index(to) - 1] if built.index(to) else "")
        if not start:
            self.add_error("from", f"No release before {to} has a build for {arch}: choose one to compare with.")
        elif start not in built:
            self.add_error("from", f"Release {start} has no build for {arch}.")
        else:
            data["from_build"], data["to_build"] = self.builds[(start, arch)], self.builds[(to, arch)]
        return data


def diff(request):
    """What changed between two releases (?from=, ?to=) in one architecture's builds (?arch=):
    per struct the fields added, removed, moved, resized, retyped and renamed; per type the
    usages added, removed or changed and the identification that changed; the usages whose
    field vanished, moved or was renamed, and the identification naming a field that is gone.
    Bad or unknown values: the form with the message, 400. 6 queries (every build with its
    release, then the drift report's 5); 8 on another architecture than x86_64."""
    form = DiffForm(request.GET, Build.objects.select_related("release").order_by("release__sort_key", "arch"))
    valid = form.is_valid()
    data = form.cleaned_data if valid else {k: request.GET.get(k, "") for k in ("from", "to", "arch")}
    context = {
        "form": form,
        "releases": form.releases,
        "arches": Build.Arch.choices,
        "selected": {k: data.get(k) or "" for k in ("from", "to", "arch")},
    }
    if not valid:
        return render(request, "web/diff.html", context, status=400)
    from_build, to_build = data["from_build"], data["to_build"]
    context.update(
        from_build=from_build, to_build=to_build, arch=to_build.arch, report=drift.drift(from_build, to_build)
    )
    return render(request, "web/diff.html", context)


def release_drift(request, name):
    """The former drift page of a release: moved to the diff page (?against= is its from)."""
    query = {"to": name}
    if request.GET.get("against"):
        query["from"] = request.GET["against"]
    if request.GET.get("arch"):
        query["arch"] = request.GET["arch"]
    return redirect(f"{reverse('web:diff')}?{urlencode(query)}", permanent=True)


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        strip=True,
        error_messages={"max_length": "Search for at most %(limit_value)d characters."},
    )


def search(request):
    """A kernel identifier or words: the types that name it (in their text, APIs or
    identification), struct fields and enum values of that name with the releases they appear
    in, and the sources (5 queries; none for an empty query)."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "web/search.html", {"form": form, "query": request.GET.get("q", "")}, status=400)
    query = form.cleaned_data["q"]
    context = {"form": form, "query": query}
    if query:
        context["found"] = kernel_search.search(query)
    return render(request, "web/search.html", context)
