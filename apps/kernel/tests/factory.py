"""Tiny builders for test data: each fills in defaults, keyword arguments override them."""

import datetime
from itertools import count

from apps.kernel.models import (
    Build,
    DatedView,
    DatedViewEdge,
    Field,
    FieldUsage,
    Identification,
    MemoryType,
    Release,
    Source,
    StructLayout,
    Transition,
    TypeRelation,
)

_n = count(1)


def make_source(**kw):
    n = next(_n)
    values = {
        "key": f"source-{n}",
        "kind": Source.Kind.FILE,
        "title": f"include/linux/mm_types.h ({n})",
        "path": "include/linux/mm_types.h",
        "release": "v6.12",
    }
    values.update(kw)
    return Source.objects.create(**values)


def make_memtype(slug=None, **kw):
    n = next(_n)
    sources = kw.pop("sources", None)
    values = {"slug": slug or f"type_{n}", "name": f"Type {n}", "summary": f"Summary of type {n}."}
    values.update(kw)
    memtype = MemoryType.objects.create(**values)
    memtype.sources.set(sources if sources is not None else [make_source()])
    return memtype


def make_relation(parent, child, **kw):
    kw.setdefault("source", kw.get("source") or make_source())
    return TypeRelation.objects.create(parent=parent, child=child, **kw)


def make_dated_view(slug, edges, **kw):
    """A dated view drawing the (parent, child) MemoryType pairs in edges."""
    values = {"name": slug.replace("-", " "), "date": datetime.date(2021, 10, 23)}
    values.update(kw)
    values.setdefault("source", make_source(kind=Source.Kind.MAIL, path="", release="", message_id=f"{slug}@example"))
    view = DatedView.objects.create(slug=slug, **values)
    for parent, child in edges:
        DatedViewEdge.objects.create(view=view, parent=parent, child=child)
    return view


def make_identification(memory_type, **kw):
    values = {"since": "", "test": "PageSlab()", "source": kw.get("source") or make_source()}
    values.update(kw)
    return Identification.objects.create(memory_type=memory_type, **values)


def make_release(name=None, **kw):
    """A release; unnamed ones get distinct names within the release-name ranges."""
    if name is None:
        n = next(_n)
        name = f"v{1 + n // 100_000 % 99}.{n // 1000 % 100}.{n % 1000}"
    return Release.objects.create(name=name, **kw)


def make_build(release=None, arch="x86_64", **kw):
    values = {
        "kernel_version": "6.12.117",
        "debuginfo": "btf",
        "tool": "pahole 1.30",
        "layout_file": "layouts/test.pahole",
    }
    values.update(kw)
    return Build.objects.create(release=release or make_release(), arch=arch, **values)


def make_layout(release=None, struct="page", build=None, arch="x86_64", **kw):
    """A layout of the release's build for arch (created when the release has none)."""
    values = {"size": 64}
    values.update(kw)
    if build is None:
        release = release or make_release()
        build = Build.objects.filter(release=release, arch=arch).first() or make_build(release, arch=arch)
    return StructLayout.objects.create(build=build, struct=struct, **values)


def make_field(layout=None, name=None, **kw):
    n = next(_n)
    values = {"c_type": "long unsigned int", "offset": 0, "size": 8, "position": n, "path": ""}
    values.update(kw)
    return Field.objects.create(layout=layout or make_layout(), name=name or f"field_{n}", **values)


def make_usage(memory_type=None, field=None, **kw):
    values = {"keeps": "something", "source": kw.get("source") or make_source()}
    values.update(kw)
    return FieldUsage.objects.create(memory_type=memory_type or make_memtype(), field=field or make_field(), **values)


def make_transition(from_type, to_type, **kw):
    """One era of a transition, from_type -> to_type, with a function and a source."""
    values = {"event": "allocated", "function": "alloc_pages()", "source": kw.get("source") or make_source()}
    values.update(kw)
    return Transition.objects.create(from_type=from_type, to_type=to_type, **values)


def make_page_build(release, arch="x86_64", head="compound_head", mapcount=True, **kw):
    """A build of `release` for `arch` whose struct page has flags, a head word (compound_head,
    or compound_info as the kernel renamed it), mapping, _mapcount (unless mapcount is False)
    and _refcount, at offsets of the arch's word size (64 bytes on 64-bit builds, 36 on 32-bit
    ones). Returns (build, {name: field})."""
    kw.setdefault("kernel_version", release.name.lstrip("v"))
    build = make_build(release, arch=arch, **kw)
    word = build.word_size
    page = make_layout(build=build, struct="page", size=64 if word == 8 else 36)
    fields = {
        "flags": make_field(page, "flags", offset=0, size=word, position=1),
        head: make_field(page, head, offset=word, size=word, position=2, path=f"union#1@{word}/struct#1@{word}"),
        "mapping": make_field(page, "mapping", offset=3 * word, size=word, position=3, c_type="struct address_space *"),
        "_refcount": make_field(page, "_refcount", offset=12 * 4 + 4 if word == 8 else 28, size=4, position=5,
                                c_type="atomic_t"),
    }  # fmt: skip
    if mapcount:
        fields["_mapcount"] = make_field(
            page, "_mapcount", offset=12 * 4 if word == 8 else 24, size=4, position=4, c_type="atomic_t"
        )
    return build, fields


def make_renamed_releases(old="v6.18", new="v7.0"):
    """Two releases, each built for x86_64 and arm. On arm, the newer one renamed struct page's
    compound_head to compound_info (same offset, C type and size) and dropped _mapcount; the
    x86_64 builds keep both. Usages are recorded on the x86_64 fields: tail_page keeps the head
    pointer in compound_head, folio keeps -1 in _mapcount; tail_page is identified by
    compound_head from the older release on, folio by _mapcount from the start.
    Returns {(release name, arch): (build, {name: field})}."""
    folio, tail = make_memtype("folio"), make_memtype("tail_page")
    builds = {}
    for name in (old, new):
        release = make_release(name)
        for arch in ("x86_64", "arm"):
            renamed = (name, arch) == (new, "arm")
            build, fields = make_page_build(
                release, arch, head="compound_info" if renamed else "compound_head", mapcount=not renamed
            )
            builds[(name, arch)] = (build, fields)
            if arch == "x86_64":
                make_usage(tail, fields["compound_head"], keeps=f"head page | 1 ({name})")
                make_usage(folio, fields["_mapcount"], keeps="-1 unless mapped")
    make_identification(tail, since=old, test="PageTail(): page->compound_head & 1")
    make_identification(folio, since="", test="folio_mapped(): folio->_mapcount")
    return builds
