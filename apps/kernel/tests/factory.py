"""Tiny builders for test data: each fills in defaults, keyword arguments override them."""

from itertools import count

from apps.kernel.models import (
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


def make_identification(memory_type, **kw):
    values = {"since": "", "test": "PageSlab()", "source": kw.get("source") or make_source()}
    values.update(kw)
    return Identification.objects.create(memory_type=memory_type, **values)


def make_release(name=None, **kw):
    return Release.objects.create(name=name or f"v6.{next(_n)}", **kw)


def make_layout(release=None, struct="page", **kw):
    values = {"size": 64, "provenance": "test layout"}
    values.update(kw)
    return StructLayout.objects.create(release=release or make_release(), struct=struct, **values)


def make_field(layout=None, name=None, **kw):
    n = next(_n)
    values = {"c_type": "long unsigned int", "offset": 0, "size": 8, "position": n, "path": ""}
    values.update(kw)
    return Field.objects.create(layout=layout or make_layout(), name=name or f"field_{n}", **values)


def make_usage(memory_type=None, field=None, **kw):
    values = {"keeps": "something", "source": kw.get("source") or make_source()}
    values.update(kw)
    return FieldUsage.objects.create(memory_type=memory_type or make_memtype(), field=field or make_field(), **values)
