"""/api/v1/search/: memory types, struct fields and usages matching the words of ?q=, and ?q= as
one kernel identifier."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api import serializers as api
from apps.api.search_serializers import (
    FoundFieldSerializer,
    IdentifierResultSerializer,
    SearchQuerySerializer,
    SearchResultSerializer,
)
from apps.api.views import READ_ONLY, ApiMixin
from apps.kernel import search as kernel_search
from apps.kernel.models import Field, FieldUsage, MemoryType


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
                "identifier": IdentifierResultSerializer(
                    kernel_search.search(query.validated_data["q"], self.limit), context=context
                ).data,
            }
        )
