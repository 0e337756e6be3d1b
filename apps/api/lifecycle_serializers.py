"""JSON shape of the life of a page: one transition era per item, its types and source in brief."""

from rest_framework import serializers

from apps.api.serializers import BriefSourceSerializer, BriefTypeSerializer
from apps.kernel.models import Transition


class TransitionSerializer(serializers.ModelSerializer):
    """One era of a transition: the function that turns a page of `from` into `to` on `event`
    from `since` (blank: the oldest release) up to `until` (blank: to this day)."""

    # "from" is a Python keyword: the field is declared under its JSON name below.
    to = BriefTypeSerializer(source="to_type", read_only=True)
    source = BriefSourceSerializer(read_only=True)
    dated_by = BriefSourceSerializer(read_only=True, allow_null=True, help_text="What dates `since`, if it is set.")
    era = serializers.CharField(read_only=True, help_text="The era in words: 'since v5.17', 'until v6.6', ...")

    class Meta:
        model = Transition
        fields = ["from", "to", "event", "function", "since", "until", "era", "basis", "note", "source", "dated_by"]
        read_only_fields = fields


TransitionSerializer._declared_fields = {
    "from": BriefTypeSerializer(source="from_type", read_only=True),
    **TransitionSerializer._declared_fields,
}
