"""The memory types: the list, the detail, their writes and the walks up and down the
hierarchy. Their JSON shapes are in types_serializers.py."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.api import filters
from apps.api import serializers as api
from apps.api.types_serializers import MemoryTypeDetailSerializer, MemoryTypeSerializer, type_detail, type_list
from apps.api.views import WriteMixin
from apps.kernel import catalogue, graph
from apps.kernel.models import LIST_COLUMNS, MemoryType
from memtypes_site.cache import request_version


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
            return MemoryType.objects.list_values()
        if self.action == "retrieve" and not self.browsable():
            return MemoryType.objects.detail_values()
        if self.action in ("ancestors", "descendants"):
            return MemoryType.objects.for_graph()
        return MemoryType.objects.for_detail()

    def get_serializer_class(self):
        return MemoryTypeSerializer if self.action == "list" else MemoryTypeDetailSerializer

    def browsable(self):
        """Whether the answer is the browsable API's page: it fills its edit forms from the
        serializer's object, so there the detail is read as model instances."""
        renderer = getattr(self.request, "accepted_renderer", None)
        return renderer is not None and renderer.format == "api"

    # The list and the detail are read as plain rows rather than as model instances through the
    # serializers (several times the CPU), in the serializers' shapes.

    @extend_schema(responses=MemoryTypeSerializer(many=True))
    def list(self, request, *args, **kwargs):
        # The data version, whose catalogue holds every type with its parents and sources; with a
        # filter, the count and the page of types that pass it (1 query, 3 with a filter).
        cat = catalogue.at(request_version(request))
        if self.unfiltered():
            rows = [{column: getattr(t, column) for column in LIST_COLUMNS} for t in cat.types.values()]
        else:
            rows = self.filter_queryset(self.get_queryset())
        return self.get_paginated_response(type_list(self.paginate_queryset(rows), cat, request))

    @extend_schema(responses=MemoryTypeDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        # The type, then its parents, children, identifications, memdesc numbers, sources and
        # usages (7 queries).
        if self.browsable():
            return super().retrieve(request, *args, **kwargs)
        row = self.get_object()
        return Response(type_detail(row, MemoryType.objects.detail_related(row["id"]), request))

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

    @extend_schema(responses=api.NodesSerializer, filters=False)
    @action(detail=True, filter_backends=[], pagination_class=None)
    def ancestors(self, request, slug=None):
        """Every type above this one, nearest first."""
        return self._walk(graph.ancestors)

    @extend_schema(responses=api.NodesSerializer, filters=False)
    @action(detail=True, filter_backends=[], pagination_class=None)
    def descendants(self, request, slug=None):
        """Every type below this one, nearest first."""
        return self._walk(graph.descendants)
