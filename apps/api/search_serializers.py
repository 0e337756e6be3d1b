"""Serializers of /api/v1/search/ (apps.api.search): the query, the types, fields and usages
matching its words, and the search by kernel identifier (apps.kernel.search): the types that
name it, struct fields and enum values of that name with the releases they appear in, and
sources."""

from rest_framework import serializers

from apps.api import serializers as api
from apps.kernel import sources
from apps.kernel.models import REFERENCE_ARCH


class MatchSerializer(serializers.Serializer):
    what = serializers.CharField(help_text="Where the type names it, e.g. identification since v6.10.")
    text = serializers.CharField(help_text="The text that names it (empty for a summary or description).")


class FoundTypeSerializer(serializers.Serializer):
    type = api.GraphTypeSerializer(source="memory_type")
    matched = serializers.SerializerMethodField()

    def get_matched(self, hit) -> MatchSerializer(many=True):
        return [{"what": what, "text": text} for what, text in hit.matched]


class FieldReleaseSerializer(serializers.Serializer):
    release = serializers.CharField(source="name")
    arches = serializers.ListField(child=serializers.CharField(), help_text="The builds that have it.")
    url = serializers.SerializerMethodField(help_text="The struct layout of the release (x86_64's where it has it).")

    def get_url(self, where) -> str:
        url = api.absolute(
            self.context.get("request"), "release-struct", name=where.name, struct=self.context["struct"]
        )
        return url if where.arch == REFERENCE_ARCH else f"{url}?arch={where.arch}"


class FoundFieldNameSerializer(serializers.Serializer):
    struct = serializers.CharField(source="container")
    name = serializers.CharField()
    releases = serializers.SerializerMethodField()
    source_url = serializers.SerializerMethodField(help_text="The struct's definition at the newest of those releases.")

    def get_releases(self, hit) -> FieldReleaseSerializer(many=True):
        return FieldReleaseSerializer(hit.releases, many=True, context={**self.context, "struct": hit.container}).data

    def get_source_url(self, hit) -> str:
        return sources.struct_url(hit.container, hit.releases[-1].name)


class EnumReleaseSerializer(serializers.Serializer):
    release = serializers.CharField(source="name")
    values = serializers.DictField(
        child=serializers.IntegerField(), help_text="The value in each build: {arch: value}."
    )


class FoundEnumSerializer(serializers.Serializer):
    enum = serializers.CharField(source="container")
    name = serializers.CharField()
    releases = EnumReleaseSerializer(many=True)
    source_url = serializers.SerializerMethodField(help_text="Where the newest of those releases defines it.")

    def get_source_url(self, hit) -> str:
        return sources.ident_url(hit.name, hit.releases[-1].name)


class FoundSourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    citation = serializers.CharField()
    release = serializers.CharField()


class IdentifierResultSerializer(serializers.Serializer):
    """What names the whole query taken as one kernel identifier."""

    types = FoundTypeSerializer(many=True)
    fields = FoundFieldNameSerializer(many=True)
    enums = FoundEnumSerializer(many=True)
    sources = FoundSourceSerializer(many=True)
    more = serializers.SerializerMethodField(help_text="The kinds that had more results than the limit.")

    def get_more(self, found) -> list[str]:
        return sorted(found.more)


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
    identifier = IdentifierResultSerializer(
        help_text="The whole query as one kernel identifier: the types naming it (APIs and identification "
        "included), fields and enum values of that name with the releases they appear in, and sources."
    )
