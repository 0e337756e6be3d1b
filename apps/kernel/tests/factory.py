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
