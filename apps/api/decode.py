"""POST /api/v1/decode/: what a struct page is, from a dump_page() or its raw words."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.decode_serializers import DecodeRequestSerializer, DecodingSerializer
from apps.api.views import ApiMixin
from apps.decoder.decode import MAX_INPUT_BYTES, DecodeError, decode_text, decode_words

# A JSON body carries the text with its escapes ("\n", "\u00e9"): room for them, and refused
# before it is parsed when it could not hold a text within the cap.
MAX_BODY_BYTES = 2 * MAX_INPUT_BYTES + 4096


class DecodeView(ApiMixin, APIView):
    """Decode a struct page. Send the text of a dump_page() as the kernel printed it
    (`{"text": "..."}`, timestamps and log prefixes are fine), or its raw words with the release
    and architecture (`{"words": ["0x..", ...], "head_words": [...], "release": "v6.12",
    "arch": "x86_64"}`). The answer names the memory type (the most specific one the words
    support; `page` when nothing more can be said), whether it is a tail page and the head's
    type, the compound order, the release and build used, the rules that matched and those that
    ruled other types out (with their sources), each raw word with the fields that type keeps
    there at that release, the flags by name, the warnings (release not loaded exactly, words
    that contradict each other) and the other types still possible. Anyone may call it: it
    writes nothing. Input is capped at 64 KiB."""

    permission_classes = [AllowAny]
    # It writes nothing, so it needs no session (and no CSRF token) and no credentials.
    authentication_classes = []
    http_method_names = ["post", "options"]

    @extend_schema(
        request=DecodeRequestSerializer,
        responses=DecodingSerializer,
        examples=[
            OpenApiExample(
                # The raw: rows of a slab page in a syzbot report on 6.15.0-rc5 (Message-ID
                # 68241bb2.a70a0220.3e9d8.0005.GAE@google.com), decoded at v6.12.
                "A slab page",
                request_only=True,
                value={
                    "words": [
                        "04fff00000000000",
                        "ffff88801a041280",
                        "ffffea0000d6e3c0",
                        "dead000000000008",
                        "0000000000000000",
                        "0000000080200020",
                        "00000000f5000000",
                        "0000000000000000",
                    ],
                    "release": "v6.12",
                    "arch": "x86_64",
                },
            )
        ],
    )
    def post(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            raise ValidationError({"text": [f"The input is longer than {MAX_INPUT_BYTES // 1024} KiB."]})
        query = DecodeRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        try:
            if "text" in values:
                decoding = decode_text(values["text"], values.get("release"), values.get("arch"))
            else:
                decoding = decode_words(
                    values["words"], values["release"], values["arch"], values.get("head_words", ())
                )
        except DecodeError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        return Response(DecodingSerializer(decoding, context={"request": request}).data)
