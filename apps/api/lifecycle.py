"""The life of a page in the API: /api/v1/lifecycle/, every transition between memory types
with the kernel function of each era, filtered by type and release."""

import django_filters
from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics
from rest_framework.permissions import AllowAny

from apps.api.filters import UNKNOWN_TYPE
from apps.api.lifecycle_serializers import TransitionSerializer
from apps.api.views import READ_ONLY, ApiMixin
from apps.kernel.models import RELEASE_NAME_HELP, MemoryType, Transition, release_sort_key


def validate_release(name):
    """A release name (v6.12, v6.15, v7.3-rc7), loaded or not: a transition's era can be asked
    about at any release."""
    try:
        release_sort_key(name)
    except ValueError as exc:
        raise ValidationError(RELEASE_NAME_HELP) from exc


@extend_schema_field(OpenApiTypes.STR)
class TypeSlugFilter(django_filters.ModelChoiceFilter):
    """A memory type named by its slug (a string in the schema)."""


class TransitionFilter(django_filters.FilterSet):
    type = TypeSlugFilter(
        to_field_name="slug",
        queryset=MemoryType.objects.all(),
        method="touching",
        error_messages=UNKNOWN_TYPE,
        help_text="Slug of a type: the transitions into or out of it.",
    )
    release = django_filters.CharFilter(
        method="at_release",
        validators=[validate_release],
        help_text="A release, e.g. v6.12: only the era (the function) that holds at it.",
    )

    class Meta:
        model = Transition
        fields = ["type", "release"]

    def touching(self, queryset, name, value):
        return queryset.touching(value)

    def at_release(self, queryset, name, value):
        return queryset.at_release(value)


class LifecycleView(ApiMixin, generics.ListAPIView):
    """Life of a page: how a page of one memory type becomes another (buddy -> slab "allocated
    by the slab allocator", file_mem -> file_mem "written back", ...), one item per era of the
    kernel function that does it, with its source. ?type=slab gives the transitions into and out
    of a type, ?release=v6.12 only the function of that release:
    /api/v1/lifecycle/?type=slab&release=v6.12 names alloc_slab_page()."""

    serializer_class = TransitionSerializer
    permission_classes = [AllowAny]
    http_method_names = READ_ONLY
    filter_backends = [DjangoFilterBackend]
    filterset_class = TransitionFilter

    def get_queryset(self):
        return Transition.objects.for_list()
