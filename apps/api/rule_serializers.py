"""Response serializers of the rules API (apps/api/rules.py)."""

from rest_framework import serializers

from apps.decoder.models import Rule


class RuleSourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    citation = serializers.CharField()
    link = serializers.CharField()


class RuleSerializer(serializers.ModelSerializer):
    """One identification rule as it holds at the release: `number` is the enum value its name
    has in the build (null when no build gives it: the rule cannot be evaluated on raw words)."""

    type = serializers.SlugRelatedField(source="memory_type", slug_field="slug", read_only=True)
    test = serializers.CharField(read_only=True)
    reads = serializers.CharField(read_only=True)
    enum = serializers.CharField(read_only=True)
    number = serializers.SerializerMethodField()
    identification = serializers.SerializerMethodField()
    source = RuleSourceSerializer(read_only=True)

    class Meta:
        model = Rule
        fields = ["type", "effect", "priority", "since", "until", "arch", "page", "field", "word", "reads",
                  "operation", "enum", "name", "number", "mask", "value", "shift", "test", "config", "note",
                  "identification", "source", "basis"]  # fmt: skip

    def get_number(self, rule) -> int | None:
        return self.context["rule_set"].number(rule) if rule.enum else None

    def get_identification(self, rule) -> str | None:
        """The prose identification the rule formalises (its test)."""
        return rule.identification.test if rule.identification else None


class RuleSetSerializer(serializers.Serializer):
    """The rules that hold at a release on an architecture, most specific first."""

    release = serializers.CharField(source="release.name")
    arch = serializers.CharField()
    build = serializers.CharField(source="build.label")
    notes = serializers.ListField(child=serializers.CharField())
    drgn_url = serializers.CharField()
    rules = serializers.SerializerMethodField()

    def get_rules(self, rule_set) -> RuleSerializer(many=True):
        return RuleSerializer(rule_set.rules, many=True, context={**self.context, "rule_set": rule_set}).data
