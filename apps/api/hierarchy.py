"""The hierarchy in the API: the current one (/api/v1/hierarchy/) and the dated drawings of it
(/api/v1/views/), each as nodes, edges, roots and a nested tree in which a type with several
parents appears under each of them."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api import serializers as api
from apps.api.views import READ_ONLY, ApiMixin
from apps.diagrams.links import diagram_urls
from apps.kernel import catalogue, graph
from apps.kernel.models import DatedView
from memtypes_site.cache import request_version


def dag_data(dag, request, diagrams):
    """The answer's nodes, edges, roots, tree and picture links for a Dag (no query)."""
    nodes = api.GraphTypeSerializer(dag.types, many=True, context={"request": request}).data
    urls = {node["slug"]: node["url"] for node in nodes}

    def branch(item):
        node = item["type"]
        return {
            "slug": node.slug,
            "name": node.name,
            "url": urls[node.slug],
            "children": [branch(kid) for kid in item["children"]],
        }

    return {
        "nodes": nodes,
        "edges": [
            {"parent": dag.by_id[rel.parent_id].slug, "child": dag.by_id[rel.child_id].slug, "note": rel.note}
            for rel in dag.relations
        ],
        "roots": [t.slug for t in dag.roots()],
        "tree": [branch(item) for item in dag.tree()],
        "diagrams": diagrams,
    }


class HierarchyView(ApiMixin, APIView):
    """The current memory-type hierarchy (a DAG): nodes and edges (parent > child with the note),
    the roots, and a nested tree from the roots (2 queries)."""

    permission_classes = [AllowAny]
    http_method_names = READ_ONLY

    @extend_schema(responses=api.HierarchySerializer)
    def get(self, request):
        cat = catalogue.at(request_version(request))
        return Response(dag_data(graph.whole(cat), request, diagram_urls(request=request)))


def _dated_views():
    return DatedView.objects.for_list()


class DatedViewList(ApiMixin, APIView):
    """The dated drawings of the hierarchy, oldest first: each kept whole, as its author gave it
    on that date, beside the current hierarchy (1 query)."""

    permission_classes = [AllowAny]
    http_method_names = READ_ONLY

    @extend_schema(responses=api.DatedViewSerializer(many=True))
    def get(self, request):
        views = api.DatedViewSerializer(_dated_views(), many=True, context={"request": request})
        return Response(views.data)


class DatedViewDetail(ApiMixin, APIView):
    """One dated drawing of the hierarchy: its date and source, and its types and edges as nodes,
    edges, roots and a nested tree (2 queries)."""

    permission_classes = [AllowAny]
    http_method_names = READ_ONLY

    @extend_schema(responses=api.DatedViewDetailSerializer)
    def get(self, request, slug):
        view = get_object_or_404(_dated_views(), slug=slug)
        cat = catalogue.at(request_version(request))
        data = dag_data(graph.dated(view, cat), request, diagram_urls(request=request, view=view))
        data["view"] = api.DatedViewSerializer(view, context={"request": request}).data
        return Response(data)
