"""Query parameters of the API lists. An unknown slug or release name, or an ordering on a
column that does not exist, is a 400 naming the parameter, not an empty list."""

import django_filters
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from apps.kernel.models import Build, FieldUsage, MemoryType, Release, Source, TypeRelation

UNKNOWN_TYPE = {"invalid_choice": "No memory type with that slug."}
UNKNOWN_SOURCE = {"invalid_choice": "No source with that key."}


class StrictOrderingFilter(OrderingFilter):
    """?ordering=a,-b over the view's ordering_fields; anything else is refused."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            allowed = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
            wanted = [term.strip() for term in params.split(",") if term.strip()]
            unknown = [term for term in wanted if term.lstrip("-") not in allowed]
            if unknown:
                raise ValidationError(
                    {self.ordering_param: f"Cannot order by {', '.join(unknown)}; use {', '.join(sorted(allowed))}."}
                )
        return super().get_ordering(request, queryset, view)


class MemoryTypeFilter(django_filters.FilterSet):
    parent = django_filters.ModelChoiceFilter(
        field_name="parents",
        to_field_name="slug",
        queryset=MemoryType.objects.all(),
        error_messages=UNKNOWN_TYPE,
        help_text="Slug of a parent.",
    )
    child = django_filters.ModelChoiceFilter(
        field_name="children",
        to_field_name="slug",
        queryset=MemoryType.objects.all(),
        error_messages=UNKNOWN_TYPE,
        help_text="Slug of a child.",
    )
    source = django_filters.ModelChoiceFilter(
        field_name="sources",
        to_field_name="key",
        queryset=Source.objects.all(),
        error_messages=UNKNOWN_SOURCE,
        help_text="Key of a cited source.",
    )

    class Meta:
        model = MemoryType
        fields = ["status", "area", "descriptor", "on_lru", "user_mappable"]


class RelationFilter(django_filters.FilterSet):
    parent = django_filters.ModelChoiceFilter(
        to_field_name="slug", queryset=MemoryType.objects.all(), error_messages=UNKNOWN_TYPE
    )
    child = django_filters.ModelChoiceFilter(
        to_field_name="slug", queryset=MemoryType.objects.all(), error_messages=UNKNOWN_TYPE
    )
    source = django_filters.ModelChoiceFilter(
        to_field_name="key", queryset=Source.objects.all(), error_messages=UNKNOWN_SOURCE
    )

    class Meta:
        model = TypeRelation
        fields = ["parent", "child", "source"]


class ReleaseFilter(django_filters.FilterSet):
    arch = django_filters.ChoiceFilter(
        field_name="builds__arch",
        choices=Build.Arch.choices,
        distinct=True,
        help_text="Only releases with a build for this architecture.",
    )
    vendor_build = django_filters.BooleanFilter(
        field_name="builds__vendor_build", distinct=True, help_text="Only releases with (or without) a vendor build."
    )

    class Meta:
        model = Release
        fields = ["arch", "vendor_build"]


class SourceFilter(django_filters.FilterSet):
    class Meta:
        model = Source
        fields = ["kind", "release", "repository"]


class UsageFilter(django_filters.FilterSet):
    type = django_filters.ModelChoiceFilter(
        field_name="memory_type",
        to_field_name="slug",
        queryset=MemoryType.objects.all(),
        error_messages=UNKNOWN_TYPE,
        help_text="Slug of a type.",
    )
    release = django_filters.ModelChoiceFilter(
        field_name="field__layout__build__release",
        to_field_name="name",
        queryset=Release.objects.all(),
        error_messages={"invalid_choice": "No release of that name."},
        help_text="Name of a release, e.g. v6.12.",
    )
    struct = django_filters.CharFilter(field_name="field__layout__struct", help_text="e.g. page, folio, slab.")
    field = django_filters.CharFilter(field_name="field__name", help_text="Name of a field, e.g. mapping.")
    source = django_filters.ModelChoiceFilter(
        to_field_name="key", queryset=Source.objects.all(), error_messages=UNKNOWN_SOURCE
    )

    class Meta:
        model = FieldUsage
        fields = ["type", "release", "struct", "field", "source"]
