"""The REST API v1: memory types, their hierarchy, releases with their struct layouts, the
field usage matrix, what changed between releases, and search.

Anyone may read. Writing needs an authenticated user with the model's add/change/delete
permission (session with CSRF, or `Authorization: Token ...`). Every write is validated as in
the admin and kept in the admin History. Send `If-Match` with the ETag you read on every PUT,
PATCH and DELETE: a write based on a stale read is refused with 412."""

import contextlib

import reversion
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.api import filters
from apps.api import search as search_api
from apps.api import serializers as api
from apps.api.conditional import ConditionalMixin
from apps.api.renderers import CSVRenderer
from apps.kernel import drift, graph, layouts
from apps.kernel import search as kernel_search
from apps.kernel.models import (
    REFERENCE_ARCH,
    Backport,
    Build,
    BuildNotFound,
    Field,
    FieldUsage,
    MemoryType,
    Release,
    Source,
    StructLayout,
    TypeRelation,
)

READ_ONLY = ["get", "head", "options"]
ARCH_PARAMETER = OpenApiParameter(
    "arch",
    str,
    enum=Build.Arch.values,
    description="The build's architecture, as the kernel names it; x86_64 when absent.",
)
CSV_RENDERERS = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer]


class ApiMixin(ConditionalMixin):
    """What every API view does: conditional requests, and refusing NUL characters in the URL
    before they reach the database (PostgreSQL text cannot hold them)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if any("\x00" in str(value) for value in kwargs.values()):
            raise NotFound("No such resource: the URL contains a NUL character.")
        bad = sorted(name for name, value in request.query_params.items() if "\x00" in name + value)
        if bad:
            raise ValidationError({name: ["NUL characters are not allowed."] for name in bad})


class ApiRoot(ApiMixin, APIView):
    """The memtypes API: the Linux kernel's memory types, their hierarchy, struct page layouts
    per release and which fields each type uses. Lists are paginated (?page=, ?page_size= up
    to 500); the schema is at schema/ and interactive docs at docs/."""

    permission_classes = [AllowAny]
    http_method_names = READ_ONLY

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, format=None):
        names = {
            "types": "api:type-list",
            "hierarchy": "api:hierarchy",
            "views": "api:dated-view-list",
            "relations": "api:relation-list",
            "releases": "api:release-list",
            "usages": "api:usage-list",
            "sources": "api:source-list",
            "diff": "api:diff",
            "search": "api:search",
            "lifecycle": "api:lifecycle",
            "schema": "api:schema",
            "docs": "api:docs",
        }
        return Response({key: reverse(name, request=request) for key, name in names.items()})


class WriteMixin(ApiMixin):
    """Writes as the admin makes them: validated by full_clean() (in the serializer), refused
    with 412 on a stale If-Match, and recorded in the admin History with the user and a
    comment such as "API: created relation page > folio"."""

    noun = "object"

    def describe(self, obj):
        return str(obj)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            raise NotFound(f"No {self.noun} {lookup}.") from None

    def also_record(self, obj):
        """Objects whose History should show this write too (e.g. the child type of a relation,
        as an admin inline edit would)."""
        return []

    def _record(self, verb, obj):
        reversion.set_user(self.request.user)
        reversion.set_comment(f"API: {verb} {self.noun} {self.describe(obj)}")
        for other in self.also_record(obj):
            reversion.add_to_revision(other)

    def perform_create(self, serializer):
        with reversion.create_revision():
            obj = serializer.save()
            self._record("created", obj)

    def perform_update(self, serializer):
        with reversion.create_revision():
            obj = serializer.save()
            self._record("changed", obj)

    def perform_destroy(self, instance):
        # Reversion keeps versions of objects that exist, so the last state is recorded just
        # before the delete (the admin recovers deleted objects from it), and the objects that
        # also show the write (a relation's child type) just after.
        description, others = self.describe(instance), self.also_record(instance)
        comment = f"API: deleted {self.noun} {description}"
        with transaction.atomic():
            with reversion.create_revision():
                reversion.add_to_revision(instance)
                reversion.set_user(self.request.user)
                reversion.set_comment(comment)
            instance.delete()
            if others:
                with reversion.create_revision():
                    for other in others:
                        reversion.add_to_revision(other)
                    reversion.set_user(self.request.user)
                    reversion.set_comment(comment)

    def fresh(self, obj):
        """obj read again through the detail recipe, for the response after a write."""
        return self.get_queryset().get(pk=obj.pk)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        body = self.get_serializer(self.fresh(serializer.instance)).data
        # The url field is a Hyperlink (a str subclass carrying its name); a WSGI header value
        # must be a plain str (runserver's validator refuses anything else with a 500).
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": str(body["url"])})

    def locked_object(self):
        """The object of the URL, read after its row is locked for the rest of the transaction
        (SELECT ... FOR UPDATE; on SQLite every transaction begins IMMEDIATE and so holds the
        write lock): of two writes sent with the same If-Match, the second waits for the first
        and then sees that the representation changed (412)."""
        model = self.get_queryset().model
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        # A value that is not one of the lookup field (e.g. relations/null/): get_object() answers 404.
        with contextlib.suppress(TypeError, ValueError, DjangoValidationError):
            list(model.objects.select_for_update().filter(**{self.lookup_field: value}).values_list("pk", flat=True))
        return self.get_object()

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.locked_object()
            self.check_if_match()
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
        return Response(self.get_serializer(self.fresh(serializer.instance)).data)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.locked_object()
            self.check_if_match()
            self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NodesSerializer(serializers.Serializer):
    type = api.BriefTypeSerializer()
    results = api.GraphTypeSerializer(many=True)


class MemoryTypeViewSet(WriteMixin, viewsets.ModelViewSet):
    """Memory types: the uses of a page of physical memory (folio, anon_mem, slab, pgtable,
    buddy, ...). The detail has the parents and children with the notes on the relations, how
    the kernel identifies the type per release, its sources and its field usage per release.
    Filter with ?status=, ?area=, ?parent=, ?child=, ?descriptor=, ?source=; ?search= looks in
    slug, name, summary, description and descriptor. Parents are written through relations/."""

    lookup_field = "slug"
    noun = "type"
    filterset_class = filters.MemoryTypeFilter
    search_fields = ["slug", "name", "summary", "description", "descriptor"]
    ordering_fields = ["slug", "name", "status", "area"]

    def get_queryset(self):
        if self.action == "list":
            return MemoryType.objects.for_list()
        if self.action in ("ancestors", "descendants"):
            return MemoryType.objects.for_graph()
        return MemoryType.objects.for_detail()

    def get_serializer_class(self):
        return api.MemoryTypeSerializer if self.action == "list" else api.MemoryTypeDetailSerializer

    def _walk(self, walk):
        memory_type = self.get_object()
        found = walk(memory_type)
        context = self.get_serializer_context()
        return Response(
            {
                "type": api.BriefTypeSerializer(memory_type, context=context).data,
                "results": api.GraphTypeSerializer(found, many=True, context=context).data,
            }
        )

    @extend_schema(responses=NodesSerializer, filters=False)
    @action(detail=True, filter_backends=[], pagination_class=None)
    def ancestors(self, request, slug=None):
        """Every type above this one, nearest first."""
        return self._walk(graph.ancestors)

    @extend_schema(responses=NodesSerializer, filters=False)
    @action(detail=True, filter_backends=[], pagination_class=None)
    def descendants(self, request, slug=None):
        """Every type below this one, nearest first."""
        return self._walk(graph.descendants)


class RelationViewSet(WriteMixin, viewsets.ModelViewSet):
    """'child is a kind of parent' in the hierarchy, e.g. {"parent": "folio", "child":
    "anon_mem", "note": "", "source": "<source key>"}. A relation that would make a type its
    own parent or close a cycle is refused with 400 naming the cycle."""

    serializer_class = api.RelationSerializer
    noun = "relation"
    filterset_class = filters.RelationFilter
    search_fields = ["parent__slug", "child__slug", "note"]
    ordering_fields = ["id", "parent__slug", "child__slug"]

    def get_queryset(self):
        return TypeRelation.objects.select_related("parent", "child", "source").order_by("parent__slug", "child__slug")

    def describe(self, relation):
        return f"{relation.parent.slug} > {relation.child.slug}"

    def also_record(self, relation):
        return [relation.child]


class SourceViewSet(WriteMixin, viewsets.ModelViewSet):
    """The citations every fact points to, by key: kernel source files at a release or commit,
    mailing-list posts, web pages and kernel builds. A source still cited cannot be deleted
    (409)."""

    serializer_class = api.SourceSerializer
    queryset = Source.objects.order_by("key")
    lookup_field = "key"
    noun = "source"
    filterset_class = filters.SourceFilter
    search_fields = ["key", "title", "url", "path", "message_id", "note"]
    ordering_fields = ["key", "kind", "release"]

    def describe(self, source):
        return source.key


class ReleaseViewSet(WriteMixin, viewsets.ModelViewSet):
    """Kernel releases, each with the builds its struct layouts were read from (one per
    architecture: x86_64, arm64, arm, i386) and their structs. structs/<struct>/?arch= gives
    one layout with its fields by offset and its words; matrix/?arch= gives struct page's
    fields x the memory types, also as CSV (?format=csv); enums/?arch= gives the page-type and
    page-flag values the build carries, read from it. ?arch= defaults to x86_64."""

    serializer_class = api.ReleaseSerializer
    lookup_field = "name"
    lookup_value_regex = r"[^/]+"
    noun = "release"
    filterset_class = filters.ReleaseFilter
    search_fields = ["name", "notes", "builds__kernel_version"]
    ordering_fields = ["sort_key", "name"]

    def get_queryset(self):
        return (
            Release.objects.prefetch_related(
                Prefetch("builds", queryset=Build.objects.select_related("release").reference_first()),
                Prefetch(
                    "builds__layouts", queryset=StructLayout.objects.select_related("build__release").order_by("struct")
                ),
                Prefetch("backports", queryset=Backport.objects.select_related("source")),
                Prefetch("backports__fields", queryset=Field.objects.select_related("layout")),
            )
            .order_by("sort_key")
            .distinct()
        )

    def build(self, name):
        """The build of release `name` for ?arch= (x86_64 by default); 404 saying what is missing."""
        try:
            return Build.objects.find(name, self.request.query_params.get("arch"))
        except BuildNotFound as exc:
            raise NotFound(str(exc)) from exc

    def describe(self, release):
        return release.name

    @extend_schema(responses=api.EnumValueSerializer(many=True), parameters=[ARCH_PARAMETER], filters=False)
    @action(detail=True, filter_backends=[], pagination_class=None)
    def enums(self, request, name=None):
        """The values of enum pagetype and enum pageflags as the build has them (?arch=): page-type
        numbers and flag bits come from the build's debug information, never typed."""
        build = self.build(name)
        values = build.enum_values.order_by("enum", "value", "name")
        return Response(api.EnumValueSerializer(values, many=True).data)

    @extend_schema(responses=api.StructLayoutSerializer, parameters=[ARCH_PARAMETER], filters=False)
    @action(detail=True, url_path=r"structs/(?P<struct>[^/]+)", filter_backends=[], pagination_class=None)
    def struct(self, request, name=None, struct=None):
        """One struct of the release as one build laid it out (?arch=, x86_64 by default):
        {release, arch, struct, size, build (its provenance), fields by offset, words}."""
        build = self.build(name)
        layout = (
            StructLayout.objects.select_related("build__release")
            .prefetch_related(
                Prefetch("fields", queryset=Field.objects.select_related("backport").order_by("offset", "position"))
            )
            .filter(build=build, struct=struct)
            .first()
        )
        if layout is None:
            raise NotFound(f"Release {name} has no layout of struct {struct} on {build.arch}.")
        return Response(api.StructLayoutSerializer(layout, context=self.get_serializer_context()).data)

    @extend_schema(responses=api.MatrixSerializer, parameters=[ARCH_PARAMETER], filters=False)
    @action(detail=True, renderer_classes=CSV_RENDERERS, filter_backends=[], pagination_class=None)
    def matrix(self, request, name=None):
        """struct page's fields (rows: page_index 0 is the head page, 1.. the tail pages a folio
        field reaches) x the types with a usage in this release (columns); a cell says what the
        type keeps there and on which struct.field the usage was recorded. ?format=csv gives one
        row per field and one column per type."""
        data = layouts.matrix(self.build(name))
        if request.accepted_renderer.format == "csv":
            return Response(self._matrix_rows(data))
        return Response(api.MatrixSerializer(data, context=self.get_serializer_context()).data)

    @staticmethod
    def _matrix_rows(data):
        slugs = [t.slug for t in data.types]
        return [
            {
                "page_index": row.page_index,
                "offset": row.field.offset,
                "size": row.field.size,
                "field": row.field.name,
                "path": row.field.path,
                **{slug: "; ".join(keeps for keeps, _ in row.cells.get(slug, [])) for slug in slugs},
            }
            for row in data.rows
        ]


class UsageViewSet(WriteMixin, viewsets.ModelViewSet):
    """Field usage: what a memory type keeps in a field of a release's struct. Filter with
    ?type=, ?release=, ?struct=, ?field=; ?format=csv gives the whole filtered table as CSV.
    Write with names: {"type": "anon_mem", "release": "v6.12", "struct": "folio", "field":
    "mapping", "keeps": "...", "source": "<key>"}; a field the release's struct does not have
    is refused with 400 on "field"."""

    serializer_class = api.UsageSerializer
    renderer_classes = CSV_RENDERERS
    noun = "usage"
    filterset_class = filters.UsageFilter
    search_fields = ["memory_type__slug", "field__name", "keeps"]
    ordering_fields = [
        "memory_type__slug",
        "field__layout__build__release__sort_key",
        "field__layout__struct",
        "field__offset",
    ]

    def get_queryset(self):
        return FieldUsage.objects.for_list()

    def paginate_queryset(self, queryset):
        # A spreadsheet wants the whole table: CSV is not paginated (still one query).
        if self.request.accepted_renderer.format == "csv":
            return None
        return super().paginate_queryset(queryset)

    def describe(self, usage):
        fld = usage.field
        return f"{usage.memory_type.slug}: {fld.layout.build.release.name} {fld.layout.struct}.{fld.name}"

    def also_record(self, usage):
        return [usage.memory_type]


class DiffQuerySerializer(serializers.Serializer):
    # "from" is a Python keyword: the field is declared under its query name below.
    to = serializers.CharField(help_text="The newer release, e.g. v6.12.")
    arch = serializers.ChoiceField(
        choices=Build.Arch.values, required=False, help_text="The architecture of both builds; x86_64 when absent."
    )

    def validate(self, attrs):
        arch = attrs.get("arch") or REFERENCE_ARCH
        names = [attrs["from"], attrs["to"]]
        found = {
            b.release.name: b
            for b in Build.objects.select_related("release").filter(release__name__in=names, arch=arch)
        }
        known = set(Release.objects.filter(name__in=names).values_list("name", flat=True))
        errors = {
            key: f"No release named {name}." if name not in known else f"Release {name} has no build for {arch}."
            for key, name in zip(("from", "to"), names, strict=True)
            if name not in found
        }
        if errors:
            raise serializers.ValidationError(errors)
        return {"from": found[attrs["from"]], "to": found[attrs["to"]], "arch": arch}


DiffQuerySerializer._declared_fields = {
    "from": serializers.CharField(help_text="The older release, e.g. v6.1."),
    **DiffQuerySerializer._declared_fields,
}


class FieldPairSerializer(serializers.Serializer):
    name = serializers.CharField()
    from_name = serializers.CharField()
    to_name = serializers.CharField()
    from_offset = serializers.IntegerField()
    to_offset = serializers.IntegerField()
    from_size = serializers.IntegerField()
    to_size = serializers.IntegerField()
    from_c_type = serializers.CharField()
    to_c_type = serializers.CharField()


class StructChangeSerializer(serializers.Serializer):
    struct = serializers.CharField()
    from_size = serializers.IntegerField()
    to_size = serializers.IntegerField()
    added = api.LayoutFieldSerializer(many=True)
    removed = api.LayoutFieldSerializer(many=True)
    renamed = FieldPairSerializer(many=True)
    moved = FieldPairSerializer(many=True)
    resized = FieldPairSerializer(many=True)
    retyped = FieldPairSerializer(many=True)


class StructsDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    changed = StructChangeSerializer(many=True)


class UsedFieldSerializer(serializers.Serializer):
    struct = serializers.CharField()
    field = serializers.CharField()
    offset = serializers.IntegerField()
    keeps = serializers.CharField()


class UsageChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    struct = serializers.CharField()
    from_keeps = serializers.CharField()
    to_keeps = serializers.CharField()


class StrandedUsageSerializer(serializers.Serializer):
    """A usage of the older build whose field vanished, moved or was renamed in the newer one."""

    type = serializers.CharField()
    struct = serializers.CharField()
    field = serializers.CharField()
    change = serializers.ChoiceField(choices=["vanished", "moved", "renamed"], help_text="What became of the field.")
    to_field = serializers.CharField(allow_null=True)
    to_offset = serializers.IntegerField(allow_null=True)


class StaleIdentificationSerializer(serializers.Serializer):
    type = serializers.CharField()
    since = serializers.CharField()
    test = serializers.CharField()
    names = serializers.ListField(child=serializers.CharField(), help_text="What it names that the newer build lacks.")


class IdentificationChangeSerializer(serializers.Serializer):
    type = serializers.CharField()
    before = serializers.CharField(allow_null=True, help_text="The test in effect at the older release, if any.")
    after = serializers.CharField(allow_null=True, help_text="The test in effect at the newer release, if any.")
    since = serializers.CharField(allow_null=True, help_text="The release the newer test holds from.")


class TypeUsageDiffSerializer(serializers.Serializer):
    type = serializers.CharField()
    added = UsedFieldSerializer(many=True)
    removed = UsedFieldSerializer(many=True)
    changed = UsageChangeSerializer(many=True)


class DiffSerializer(serializers.Serializer):
    """What changed from one release to another."""

    # "from" again: declared below.
    to = serializers.CharField()
    arch = serializers.CharField()
    from_build = serializers.CharField(help_text="The build the older layouts were read from.")
    to_build = serializers.CharField(help_text="The build the newer layouts were read from.")
    structs = StructsDiffSerializer()
    usages = TypeUsageDiffSerializer(many=True)
    stranded = StrandedUsageSerializer(many=True, help_text="Usages of the older build whose field is gone or moved.")
    identifications = StaleIdentificationSerializer(many=True)
    identification_changes = IdentificationChangeSerializer(
        many=True, help_text="Per type, the identification that differs between the two releases."
    )


DiffSerializer._declared_fields = {"from": serializers.CharField(), **DiffSerializer._declared_fields}


def _pair(old, new):
    return {
        "name": new.name,
        "from_name": old.name,
        "to_name": new.name,
        "from_offset": old.offset,
        "to_offset": new.offset,
        "from_size": old.size,
        "to_size": new.size,
        "from_c_type": old.c_type,
        "to_c_type": new.c_type,
    }


def _used(pair):
    usage, fld = pair
    return {"struct": fld.layout.struct, "field": fld.name, "offset": fld.offset, "keeps": usage.keeps}


class DiffView(ApiMixin, APIView):
    """What changed between two releases, e.g. ?from=v6.1&to=v6.12: structs added and removed;
    per struct the fields added, removed, moved (offset changed), resized, retyped and renamed
    (a field the kernel renamed at the same offset with the same C type and size, e.g. index
    became __folio_index, compound_head became compound_info); per memory type the usages added,
    removed or changed; the usages whose field vanished, moved or was renamed; and the
    identification tests that name a field the newer build lacks; and per type the identification
    that changed (identification_changes). ?arch= compares the builds of one architecture (x86_64
    when absent)."""

    permission_classes = [AllowAny]
    http_method_names = READ_ONLY

    @extend_schema(parameters=[DiffQuerySerializer], responses=DiffSerializer)
    def get(self, request):
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        old, new = query.validated_data["from"], query.validated_data["to"]
        result = drift.drift(old, new)
        fields = api.LayoutFieldSerializer
        return Response(
            {
                "from": old.release.name,
                "to": new.release.name,
                "arch": new.arch,
                "from_build": old.label,
                "to_build": new.label,
                "structs": {
                    "added": result.structs_added,
                    "removed": result.structs_removed,
                    "changed": [
                        {
                            "struct": entry["struct"],
                            "from_size": entry["from_size"],
                            "to_size": entry["to_size"],
                            "added": fields(entry["added"], many=True).data,
                            "removed": fields(entry["removed"], many=True).data,
                            **{
                                kind: [_pair(o, n) for o, n in entry[kind]]
                                for kind in ("renamed", "moved", "resized", "retyped")
                            },
                        }
                        for entry in result.structs_changed
                    ],
                },
                "usages": [
                    {
                        "type": entry["type"],
                        "added": [_used(u) for u in entry["added"]],
                        "removed": [_used(u) for u in entry["removed"]],
                        "changed": [
                            {
                                "struct": n[1].layout.struct,
                                "field": n[1].name,
                                "from_keeps": o[0].keeps,
                                "to_keeps": n[0].keeps,
                            }
                            for o, n in entry["changed"]
                        ],
                    }
                    for entry in result.usages
                ],
                "stranded": [
                    {
                        "type": s["usage"].memory_type.slug,
                        "struct": s["field"].layout.struct,
                        "field": s["field"].name,
                        "change": s["status"],
                        "to_field": s["to"].name if s["to"] else None,
                        "to_offset": s["to"].offset if s["to"] else None,
                    }
                    for s in result.stranded
                ],
                "identifications": [
                    {
                        "type": s["identification"].memory_type.slug,
                        "since": s["identification"].since,
                        "test": s["identification"].test,
                        "names": s["names"],
                    }
                    for s in result.identifications
                ],
                "identification_changes": [
                    {
                        "type": c["type"].slug,
                        "before": c["before"].test if c["before"] else None,
                        "after": c["after"].test if c["after"] else None,
                        "since": c["after"].since if c["after"] else None,
                    }
                    for c in result.identification_changes
                ],
            }
        )


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(min_length=2, max_length=100, help_text="Words to look for (2 characters or more).")


class FoundFieldSerializer(serializers.Serializer):
    release = serializers.CharField(source="layout.build.release.name")
    arch = serializers.CharField(source="layout.build.arch")
    struct = serializers.CharField(source="layout.struct")
    name = serializers.CharField()
    path = serializers.CharField()
    c_type = serializers.CharField()
    offset = serializers.IntegerField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField(help_text="The struct layout holding the field (with ?arch= of its build).")

    def get_url(self, fld) -> str:
        return api.struct_url(self.context.get("request"), fld.layout)


class SearchResultSerializer(serializers.Serializer):
    q = serializers.CharField()
    limit = serializers.IntegerField(help_text="At most this many results of each kind are listed.")
    types = api.GraphTypeSerializer(many=True)
    fields = FoundFieldSerializer(many=True)
    usages = api.UsageSerializer(many=True)
    identifier = search_api.IdentifierResultSerializer(
        help_text="The whole query as one kernel identifier: the types naming it (APIs and identification "
        "included), fields and enum values of that name with the releases they appear in, and sources."
    )


class SearchView(ApiMixin, APIView):
    """Search across memory types (slug, name, summary, description, descriptor), struct fields
    (name, C type) and usages (what a type keeps): ?q=mapping. Every word must match.
    `identifier` takes the whole query as a kernel identifier (?q=compound_info, PGTY_slab,
    folio_test_anon): the types naming it in their text, allocation and free APIs or
    identification tests; struct fields and enum values of that name, each with the releases
    (and builds) it appears in; and the sources naming it."""

    permission_classes = [AllowAny]
    http_method_names = READ_ONLY
    limit = 50

    @extend_schema(parameters=[SearchQuerySerializer], responses=SearchResultSerializer)
    def get(self, request):
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        words = query.validated_data["q"].split()
        types, fields, usages = Q(), Q(), Q()
        for word in words:
            types &= (
                Q(slug__icontains=word)
                | Q(name__icontains=word)
                | Q(summary__icontains=word)
                | Q(description__icontains=word)
                | Q(descriptor__icontains=word)
            )
            fields &= Q(name__icontains=word) | Q(c_type__icontains=word)
            usages &= Q(keeps__icontains=word) | Q(memory_type__slug__icontains=word) | Q(field__name__icontains=word)
        context = {"request": request}
        found_fields = (
            Field.objects.filter(fields)
            .select_related("layout__build__release")
            .order_by(
                "-layout__build__release__sort_key", "layout__build__arch", "layout__struct", "offset", "position"
            )
        )
        return Response(
            {
                "q": query.validated_data["q"],
                "limit": self.limit,
                "types": api.GraphTypeSerializer(
                    MemoryType.objects.for_graph().filter(types)[: self.limit], many=True, context=context
                ).data,
                "fields": FoundFieldSerializer(found_fields[: self.limit], many=True, context=context).data,
                "usages": api.UsageSerializer(
                    FieldUsage.objects.for_list().filter(usages)[: self.limit], many=True, context=context
                ).data,
                "identifier": search_api.IdentifierResultSerializer(
                    kernel_search.search(query.validated_data["q"], self.limit), context=context
                ).data,
            }
        )
