"""/api/v1/diff/: what changed between the builds of two releases (apps.kernel.drift)."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api import serializers as api
from apps.api.diff_serializers import DiffQuerySerializer, DiffSerializer
from apps.api.views import READ_ONLY, ApiMixin
from apps.kernel import drift


def _pair(old, new):
    return {
        "name": new.name,
        "from_name": old.name,
        "to_name": new.name,
        "from_offset": old.offset,
        "to_offset": new.offset,
        "from_size": old.size,
        "to_size": new.size,
        "from_c_type": old.c_type,
        "to_c_type": new.c_type,
    }


def _used(pair):
    usage, fld = pair
    return {"struct": fld.layout.struct, "field": fld.name, "offset": fld.offset, "keeps": usage.keeps}


class DiffView(ApiMixin, APIView):
    """What changed between two releases, e.g. ?from=v6.1&to=v6.12: structs added and removed;
    per struct the fields added, removed, moved (offset changed), resized, retyped and renamed
    (a field the kernel renamed at the same offset with the same C type and size, e.g. index
    became __folio_index, compound_head became compound_info); per memory type the usages added,
    removed or changed; the usages whose field vanished, moved or was renamed; and the
    identification tests that name a field the newer build lacks; and per type the identification
    that changed (identification_changes). ?arch= compares the builds of one architecture (x86_64
    when absent)."""

    permission_classes = [AllowAny]
    http_method_names = READ_ONLY

    @extend_schema(parameters=[DiffQuerySerializer], responses=DiffSerializer)
    def get(self, request):
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        old, new = query.validated_data["from"], query.validated_data["to"]
        result = drift.drift(old, new)
        fields = api.LayoutFieldSerializer
        return Response(
            {
                "from": old.release.name,
                "to": new.release.name,
                "arch": new.arch,
                "from_build": old.label,
                "to_build": new.label,
                "structs": {
                    "added": result.structs_added,
                    "removed": result.structs_removed,
                    "changed": [
                        {
                            "struct": entry["struct"],
                            "from_size": entry["from_size"],
                            "to_size": entry["to_size"],
                            "added": fields(entry["added"], many=True).data,
                            "removed": fields(entry["removed"], many=True).data,
                            **{
                                kind: [_pair(o, n) for o, n in entry[kind]]
                                for kind in ("renamed", "moved", "resized", "retyped")
                            },
                        }
                        for entry in result.structs_changed
                    ],
                },
                "usages": [
                    {
                        "type": entry["type"],
                        "added": [_used(u) for u in entry["added"]],
                        "removed": [_used(u) for u in entry["removed"]],
                        "changed": [
                            {
                                "struct": n[1].layout.struct,
                                "field": n[1].name,
                                "from_keeps": o[0].keeps,
                                "to_keeps": n[0].keeps,
                            }
                            for o, n in entry["changed"]
                        ],
                    }
                    for entry in result.usages
                ],
                "stranded": [
                    {
                        "type": s["usage"].memory_type.slug,
                        "struct": s["field"].layout.struct,
                        "field": s["field"].name,
                        "change": s["status"],
                        "to_field": s["to"].name if s["to"] else None,
                        "to_offset": s["to"].offset if s["to"] else None,
                    }
                    for s in result.stranded
                ],
                "identifications": [
                    {
                        "type": s["identification"].memory_type.slug,
                        "since": s["identification"].since,
                        "test": s["identification"].test,
                        "names": s["names"],
                    }
                    for s in result.identifications
                ],
                "identification_changes": [
                    {
                        "type": c["type"].slug,
                        "before": c["before"].test if c["before"] else None,
                        "after": c["after"].test if c["after"] else None,
                        "since": c["after"].since if c["after"] else None,
                    }
                    for c in result.identification_changes
                ],
            }
        )
