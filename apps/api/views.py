"""The REST API v1's root and its resources: relations, sources, releases with their struct
layouts and field usage matrix, and usages. The memory types and the other answers have a
module each (types, hierarchy, diff, search, rules, lifecycle, decode), with their response
serializers beside them in *_serializers.py.

Anyone may read. Writing needs an authenticated user with the model's add/change/delete
permission (session with CSRF, or `Authorization: Token ...`). Every write is validated as in
the admin and kept in the admin History. Send `If-Match` with the ETag you read on every PUT,
PATCH and DELETE: a write based on a stale read is refused with 412."""

import contextlib

import reversion
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.api import filters
from apps.api import serializers as api
from apps.api.conditional import ConditionalMixin
from apps.api.pagination import Pagination
from apps.api.renderers import CSVRenderer
from apps.kernel import layouts
from apps.kernel.models import (
    Backport,
    Build,
    BuildNotFound,
    Field,
    FieldUsage,
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
# The query parameters no filter backend reads.
NOT_FILTERS = {Pagination.page_query_param, Pagination.page_size_query_param, api_settings.URL_FORMAT_OVERRIDE}


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

    def unfiltered(self):
        """Whether the request names no filter and the view has no default ordering: the filter
        backends would return the queryset as it is."""
        return self.request.query_params.keys() <= NOT_FILTERS and getattr(self, "ordering", None) is None

    def filter_queryset(self, queryset):
        """For the generic views: the filter backends' work, skipped when unfiltered(), where
        they would return the queryset as it is after building a filter form (most of a
        millisecond of CPU on every list and detail)."""
        if self.unfiltered():
            return queryset
        return super().filter_queryset(queryset)


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
