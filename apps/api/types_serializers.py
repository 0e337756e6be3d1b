"""JSON shapes of the memory types: the list's and the detail's. The serializers validate writes,
answer them and document every answer; the reads themselves are built by type_list() and
type_detail() from plain rows, in the same shapes (apps/api/tests/test_type_answers.py holds
them to the same bytes)."""

from collections import defaultdict
from functools import cached_property

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import preserve_builtin_query_params

from apps.api.serializers import (
    BriefSourceSerializer,
    BriefTypeSerializer,
    DiagramLinksSerializer,
    ModelCleanMixin,
    absolute,
)
from apps.diagrams.links import diagram_urls
from apps.kernel.models import MemdescNumber, MemoryType, Source, TypeRelation


class RelationNoteSerializer(serializers.ModelSerializer):
    """A parent or child of a type with the note on why it sits there."""

    type = BriefTypeSerializer(read_only=True)
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = TypeRelation
        fields = ["type", "note", "source"]


class ParentSerializer(RelationNoteSerializer):
    type = BriefTypeSerializer(source="parent", read_only=True)


class ChildSerializer(RelationNoteSerializer):
    type = BriefTypeSerializer(source="child", read_only=True)


class IdentificationSerializer(serializers.Serializer):
    since = serializers.CharField(help_text="First release where the test holds; blank: from the start.")
    test = serializers.CharField()
    source = serializers.CharField(source="source.key")
    basis = serializers.CharField(help_text="tag: read at the release tag; stable: in a stable build; inferred.")


class TypeUsageSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    struct = serializers.CharField(source="field.layout.struct")
    field = serializers.CharField(source="field.name")
    path = serializers.CharField(source="field.path")
    offset = serializers.IntegerField(source="field.offset")
    size = serializers.IntegerField(source="field.size")
    page_index = serializers.IntegerField(source="field.page_index")
    keeps = serializers.CharField()
    source = serializers.CharField(source="source.key")
    basis = serializers.CharField(help_text="tag: read at the release tag; stable: in a stable build; inferred.")

    def get_url(self, usage) -> str:
        return absolute(self.context.get("request"), "usage-detail", pk=usage.pk)


class ReleaseUsagesSerializer(serializers.Serializer):
    release = serializers.CharField()
    usages = TypeUsageSerializer(many=True)


class MemoryTypeSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """A memory type in lists: with its parents and sources."""

    url = serializers.HyperlinkedIdentityField(view_name="api:type-detail", lookup_field="slug")
    parents = BriefTypeSerializer(many=True, read_only=True)
    sources = serializers.SlugRelatedField(
        slug_field="key", many=True, queryset=Source.objects.all(), help_text="Keys of the sources cited."
    )
    many_to_many = ("sources",)

    class Meta:
        model = MemoryType
        fields = [
            "url",
            "slug",
            "name",
            "summary",
            "status",
            "area",
            "descriptor",
            "on_lru",
            "user_mappable",
            "parents",
            "sources",
        ]


class MemdescNumberSerializer(serializers.ModelSerializer):
    """The type's number in one revision of the memdesc plan's table."""

    table = serializers.CharField(source="table.name")
    table_position = serializers.IntegerField(source="table.position", help_text="1 for the earliest revision read.")
    source = BriefSourceSerializer(source="table.source")

    class Meta:
        model = MemdescNumber
        fields = ["table", "table_position", "number", "subtype", "meaning", "source"]


class MemoryTypeDetailSerializer(MemoryTypeSerializer):
    """A memory type with everything its page shows: parents and children with the notes on
    the relations, identification per release, sources, and its field usage per release; with
    links to its web page and to the pictures of its ancestors and descendants."""

    parents = ParentSerializer(source="parent_relations", many=True, read_only=True)
    children = ChildSerializer(source="child_relations", many=True, read_only=True)
    identification = IdentificationSerializer(source="identifications", many=True, read_only=True)
    memdesc = MemdescNumberSerializer(source="memdesc_numbers", many=True, read_only=True)
    usages = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField(help_text="The type's page for people.")
    diagrams = serializers.SerializerMethodField(help_text="The type's hierarchy picture in each format.")

    class Meta(MemoryTypeSerializer.Meta):
        fields = [
            *MemoryTypeSerializer.Meta.fields,
            "description",
            "alloc_api",
            "free_api",
            "children",
            "identification",
            "memdesc",
            "usages",
            "page_url",
            "diagrams",
        ]

    def get_page_url(self, memory_type) -> str:
        request = self.context.get("request")
        url = memory_type.get_absolute_url()
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(DiagramLinksSerializer)
    def get_diagrams(self, memory_type):
        return diagram_urls(memory_type, self.context.get("request"))

    @extend_schema_field(ReleaseUsagesSerializer(many=True))
    def get_usages(self, memory_type):
        """The type's usages grouped by release, newest release first (already prefetched)."""
        by_release = defaultdict(list)
        for usage in memory_type.usages.all():
            by_release[usage.field.layout.build.release.name].append(usage)
        return ReleaseUsagesSerializer(
            [{"release": name, "usages": usages} for name, usages in by_release.items()],
            many=True,
            context=self.context,
        ).data


class Links:
    """The API's URLs of types, sources and usages as the serializers' fields make them, worked
    out once per answer instead of reversed per link: a resource's URL is its list's URL followed
    by its slug, key or id, as the router makes it. DRF's hyperlinks (types, sources) keep the
    request's ?format= (rest_framework.reverse); absolute() (the usages) does not."""

    def __init__(self, request):
        self.request = request
        self.tail = preserve_builtin_query_params("/", request)

    @cached_property
    def types(self):
        return absolute(self.request, "type-list")

    @cached_property
    def sources(self):
        return absolute(self.request, "source-list")

    @cached_property
    def usages(self):
        return absolute(self.request, "usage-list")

    def type(self, slug):
        return f"{self.types}{slug}{self.tail}"

    def source(self, key):
        return f"{self.sources}{key}{self.tail}"

    def usage(self, pk):
        return f"{self.usages}{pk}/"


def _columns(row, links):
    """What the list and the detail show of a type's own columns, in their order."""
    return {
        "url": links.type(row["slug"]),
        "slug": row["slug"],
        "name": row["name"],
        "summary": row["summary"],
        "status": row["status"],
        "area": row["area"],
        "descriptor": row["descriptor"],
        "on_lru": row["on_lru"],
        "user_mappable": row["user_mappable"],
    }


def type_list(rows, catalogue, request):
    """The list's types as MemoryTypeSerializer shows them, from rows of
    MemoryType.objects.list_values() and, for their parents and sources, the data version's
    catalogue (apps.kernel.catalogue)."""
    links = Links(request)
    return [
        {
            **_columns(row, links),
            "parents": [
                {"slug": rel.parent.slug, "name": rel.parent.name, "url": links.type(rel.parent.slug)}
                for rel in catalogue.parents.get(row["id"], ())
            ],
            "sources": [source.key for source in catalogue.sources.get(row["id"], ())],
        }
        for row in rows
    ]


def type_detail(row, related, request):
    """A type as MemoryTypeDetailSerializer shows it, from a row of
    MemoryType.objects.detail_values() and its detail_related()."""
    links = Links(request)
    # Only the slug: what get_absolute_url() and the diagrams' links need.
    memory_type = MemoryType(slug=row["slug"])
    by_release = defaultdict(list)
    for usage in related["usages"]:
        by_release[usage["field__layout__build__release__name"]].append(
            {
                "url": links.usage(usage["id"]),
                "struct": usage["field__layout__struct"],
                "field": usage["field__name"],
                "path": usage["field__path"],
                "offset": usage["field__offset"],
                "size": usage["field__size"],
                "page_index": usage["field__page_index"],
                "keeps": usage["keeps"],
                "source": usage["source__key"],
                "basis": usage["basis"],
            }
        )
    return {
        **_columns(row, links),
        "parents": [
            {
                "type": {"slug": r["parent__slug"], "name": r["parent__name"], "url": links.type(r["parent__slug"])},
                "note": r["note"],
                "source": r["source__key"],
            }
            for r in related["parents"]
        ],
        "sources": related["source_keys"],
        "description": row["description"],
        "alloc_api": row["alloc_api"],
        "free_api": row["free_api"],
        "children": [
            {
                "type": {"slug": r["child__slug"], "name": r["child__name"], "url": links.type(r["child__slug"])},
                "note": r["note"],
                "source": r["source__key"],
            }
            for r in related["children"]
        ],
        "identification": [
            {"since": i["since"], "test": i["test"], "source": i["source__key"], "basis": i["basis"]}
            for i in related["identifications"]
        ],
        "memdesc": [
            {
                "table": m["table__name"],
                "table_position": m["table__position"],
                "number": m["number"],
                "subtype": m["subtype"],
                "meaning": m["meaning"],
                "source": {
                    "key": m["table__source__key"],
                    "title": m["table__source__title"],
                    "url": links.source(m["table__source__key"]),
                },
            }
            for m in related["memdesc_numbers"]
        ],
        "usages": [{"release": name, "usages": usages} for name, usages in by_release.items()],
        "page_url": request.build_absolute_uri(memory_type.get_absolute_url()),
        "diagrams": diagram_urls(memory_type, request),
    }
