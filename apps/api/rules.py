"""The identification rules of a release (`GET /api/v1/releases/{name}/rules/?arch=`) and the drgn
helper generated from them (`GET /api/v1/releases/{name}/tools/drgn.py?arch=`)."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.rule_serializers import RuleSetSerializer
from apps.api.serializers import absolute
from apps.api.views import READ_ONLY, ApiMixin
from apps.decoder import drgn
from apps.decoder.rules import RuleSet, RuleSetError
from apps.kernel.models import REFERENCE_ARCH, Build, Release

ARCH = OpenApiParameter(
    "arch", str, enum=Build.Arch.values, description="The build's architecture; x86_64 when absent."
)


def rule_set(request, name):
    """The RuleSet of release `name` for ?arch=; 400 for an unknown arch, 404 for an unknown
    release or one without a build for that arch."""
    if "\x00" in name:
        raise NotFound("No such resource: the URL contains a NUL character.")
    arch = request.query_params.get("arch") or REFERENCE_ARCH
    if arch not in Build.Arch.values:
        known = ", ".join(Build.Arch.values)
        raise ValidationError({"arch": [f"{arch!r} is not an architecture; memtypes knows {known}."]})
    try:
        return RuleSet.at(name, arch)
    except RuleSetError:
        if not Release.objects.filter(name=name).exists():
            raise NotFound(f"No release named {name}.") from None
        raise NotFound(f"Release {name} has no build for {arch}.") from None


class ReleaseRulesView(ApiMixin, APIView):
    """The identification rules that hold at a release on an architecture, most specific first,
    each with the enum number its PG_/PGTY_ name has in the build (6 queries)."""

    permission_classes = [AllowAny]
    http_method_names = READ_ONLY

    @extend_schema(responses=RuleSetSerializer, parameters=[ARCH])
    def get(self, request, name):
        rules = rule_set(request, name)
        drgn_url = absolute(request, "release-drgn", name=name)
        rules.drgn_url = drgn_url if rules.arch == REFERENCE_ARCH else f"{drgn_url}?arch={rules.arch}"
        return Response(RuleSetSerializer(rules, context={"request": request}).data)


class DrgnHelperView(APIView):
    """A self-contained drgn module generated from the release's rules and struct page layout:
    memtype(page) returns the type slug, describe(page) the labelled words."""

    permission_classes = [AllowAny]
    http_method_names = READ_ONLY

    @extend_schema(responses={(200, "text/x-python"): OpenApiTypes.STR}, parameters=[ARCH], operation_id="release_drgn")
    def get(self, request, name):
        rules = rule_set(request, name)
        response = HttpResponse(drgn.generate(rules), content_type="text/x-python; charset=utf-8")
        filename = drgn.filename(rules)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
