"""The decoder's request and answer in JSON: what POST /api/v1/decode/ takes and returns, and
what `manage.py decode --json` prints."""

from rest_framework import serializers
from rest_framework.reverse import reverse

from apps.api.rule_serializers import RuleSourceSerializer
from apps.decoder.decode import MAX_INPUT_BYTES, MAX_WORDS
from apps.kernel.models import Build


class DecodeRequestSerializer(serializers.Serializer):
    """Either the text of a dump_page(), or raw words with their release and architecture."""

    text = serializers.CharField(
        required=False,
        trim_whitespace=False,
        max_length=MAX_INPUT_BYTES,
        help_text="The text of a dump_page() as the kernel printed it (timestamps and log prefixes are fine).",
    )
    words = serializers.ListField(
        child=serializers.CharField(max_length=18),
        required=False,
        max_length=MAX_WORDS,
        help_text='struct page\'s raw words in hex, first word first, e.g. ["0x00fff00000000840", ...].',
    )
    head_words = serializers.ListField(
        child=serializers.CharField(max_length=18),
        required=False,
        max_length=MAX_WORDS,
        help_text="The head page's words and page[1]'s, for a tail page or a large folio.",
    )
    release = serializers.CharField(
        required=False, max_length=20, help_text="The kernel release, e.g. v6.12; with text: overrides the dump's."
    )
    arch = serializers.ChoiceField(
        required=False, choices=Build.Arch.choices, help_text="The architecture; with text: overrides the word width."
    )

    def validate(self, attrs):
        if "text" in attrs and ("words" in attrs or "head_words" in attrs):
            raise serializers.ValidationError({"text": ["Send either text or words, not both."]})
        if "text" not in attrs and "words" not in attrs:
            raise serializers.ValidationError({"text": ["Send the text of a dump_page(), or words."]})
        if "words" in attrs:
            for key in ("release", "arch"):
                if not attrs.get(key):
                    raise serializers.ValidationError({key: ["Raw words need their release and architecture."]})
        return attrs


class DecodedTypeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, memory_type) -> str:
        return _url(self.context, "api:type-detail", slug=memory_type.slug)


class DecodedReleaseSerializer(serializers.Serializer):
    """The build whose layout and enums were used, and the release the rules were taken at."""

    name = serializers.CharField(source="build.release.name", help_text="The loaded release used, e.g. v6.12.")
    kernel_version = serializers.CharField(source="build.kernel_version")
    arch = serializers.CharField(source="build.arch")
    build = serializers.CharField(source="build.label")
    rules_at = serializers.CharField(source="release_name", help_text="The release the rules were taken at.")
    exact = serializers.BooleanField(help_text="The dump's release is loaded: no nearer layout was needed.")
    names_only = serializers.BooleanField(
        help_text="Older than the oldest layout: decided from the printed names only, words not labelled."
    )
    url = serializers.SerializerMethodField()

    def get_url(self, decoding) -> str:
        return _url(self.context, "api:release-detail", name=decoding.build.release.name)


class RuleResultSerializer(serializers.Serializer):
    type = serializers.CharField(source="rule.memory_type.slug")
    outcome = serializers.CharField(help_text="match, or excludes: it ruled the type out.")
    rule = serializers.CharField(source="rule.__str__")
    detail = serializers.CharField(help_text="What the words gave, e.g. page_type >> 24 = 0xf5 = PGTY_slab.")
    source = RuleSourceSerializer(source="rule.source")


class UsedSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="struct.field the usage is recorded on, e.g. slab.slab_cache")
    keeps = serializers.CharField()


class DecodedWordSerializer(serializers.Serializer):
    row = serializers.CharField(help_text="raw: this page's words; head: the head page's and page[1]'s.")
    page = serializers.IntegerField(help_text="0: this page or the head page; 1: page[1] in the head rows.")
    index = serializers.IntegerField()
    offset = serializers.IntegerField()
    value = serializers.CharField(source="hex")
    used = serializers.SerializerMethodField()
    fields = serializers.ListField(child=serializers.CharField(), help_text="Every struct page field at this word.")

    def get_used(self, word) -> UsedSerializer(many=True):
        return [{"field": on, "keeps": keeps} for _, on, keeps in word.used]


class FlagsSerializer(serializers.Serializer):
    value = serializers.SerializerMethodField()
    names = serializers.ListField(child=serializers.CharField())
    node = serializers.IntegerField(allow_null=True)
    zone = serializers.IntegerField(allow_null=True)

    def get_value(self, flags) -> str | None:
        return None if flags["value"] is None else f"0x{flags['value']:x}"


class CandidateSerializer(serializers.Serializer):
    """A type the evidence does not rule out, with why."""

    type = DecodedTypeSerializer()
    why = serializers.CharField()

    def to_representation(self, candidate):
        memory_type, why = candidate
        return {"type": DecodedTypeSerializer(memory_type, context=self.context).data, "why": why}


class DecodingSerializer(serializers.Serializer):
    """The answer: exactly these keys."""

    type = DecodedTypeSerializer()
    tail = serializers.BooleanField()
    head_type = DecodedTypeSerializer(allow_null=True)
    compound = serializers.BooleanField(help_text="Part of a compound page (a head or tail page).")
    order = serializers.IntegerField(
        allow_null=True,
        help_text="The compound page's order; for a free buddy block (not compound) the block's order; "
        "0 for a single page; null when the words do not say.",
    )
    release = DecodedReleaseSerializer(source="*")
    arch = serializers.CharField()
    rules = RuleResultSerializer(many=True)
    words = DecodedWordSerializer(many=True)
    flags = FlagsSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
    candidates = CandidateSerializer(many=True)


def _url(context, view_name, **kwargs):
    return reverse(view_name, kwargs=kwargs, request=context.get("request"))
