"""Serializers of /api/v1/diff/ (apps.api.diff): the query and what changed between two builds."""

from rest_framework import serializers

from apps.api import serializers as api
from apps.kernel.models import REFERENCE_ARCH, Build, Release


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
