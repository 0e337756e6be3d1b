import json
import sys

from django.core.management.base import BaseCommand, CommandError

from apps.api.decode_serializers import DecodingSerializer
from apps.decoder.decode import MAX_INPUT_BYTES, DecodeError, decode_text
from apps.kernel.models import Build


class Command(BaseCommand):
    help = (
        "Decode a dump_page() output: the memory type, tail and head, order, the release used, each raw "
        "word with the fields the type keeps there, flags, the rules that decided and the warnings."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="a file holding the dump; - or nothing: stdin")
        parser.add_argument("--release", help="the kernel release, e.g. v6.12 (default: what the dump says)")
        parser.add_argument("--arch", choices=Build.Arch.values, help="the architecture (default: from the words)")
        parser.add_argument("--json", action="store_true", help="print the answer of POST /api/v1/decode/")

    def handle(self, *args, file, release, arch, **options):
        text = self._read(file)
        try:
            decoding = decode_text(text, release, arch)
        except DecodeError as exc:
            raise CommandError(f"{exc.field}: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(DecodingSerializer(decoding).data, indent=2))
            return
        self._print(decoding)

    def _read(self, file):
        """At most MAX_INPUT_BYTES + 1 bytes of the input: anything longer is refused unread."""
        try:
            if file == "-":
                data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
            else:
                with open(file, "rb") as stream:
                    data = stream.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        if len(data) > MAX_INPUT_BYTES:
            raise CommandError(f"text: the input is longer than {MAX_INPUT_BYTES // 1024} KiB; give the dump alone")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CommandError(f"text: the input is not UTF-8 text (byte {exc.start})") from exc

    def _print(self, d):
        out = self.stdout.write
        tail = f"tail page of a {d.head_type.slug if d.head_type else 'compound'} head" if d.tail else "not a tail page"
        order = f"order {d.order}" if d.order is not None else "order not known"
        out(f"type:     {d.type.slug} ({d.type.name})")
        out(f"tail:     {tail}")
        if d.compound:
            out(f"compound: yes, {order}")
        else:
            out("compound: no" + (f" ({order} of a free block)" if d.order else ""))
        out(f"release:  rules at {d.release_name}, layout of {d.release.name} on {d.arch} ({d.build.kernel_version})")
        names = ", ".join(d.flags["names"]) or "none"
        where = "".join(f" {key}={d.flags[key]}" for key in ("node", "zone") if d.flags[key] is not None)
        out(f"flags:    {d.flags_hex or '-'} {names}{where}")
        if d.words:
            out("words:")
            for w in d.words:
                row = "raw " if w.row == "raw" else f"head[{w.page}]"
                fields = ",".join(w.fields) or "-"
                mark = "*" if w.used else " "
                out(f" {mark}{row:8} {w.index:2} @{w.offset:<3} {w.hex}  {fields}")
                for _, on, keeps in w.used:
                    out(f"{'':20}{on}: {keeps}")
        out("rules that matched:")
        for r in d.matched:
            out(f"  {r.rule.memory_type.slug}: {r.rule.test}: {r.detail} ({r.rule.source.citation})")
        if not d.matched:
            out("  none")
        ruled_out = sorted({r.rule.memory_type.slug for r in d.excluded})
        if ruled_out:
            out(f"ruled out by {len(d.excluded)} rules: {', '.join(ruled_out)} (--json lists them)")
        for memory_type, why in d.candidates:
            out(f"also possible: {memory_type.slug}: {why}")
        for warning in d.warnings:
            out(f"warning: {warning}")
