"""Load script (not a test): mixed anonymous reads and authenticated writes at concurrency 32
against a real threaded HTTP server, then a check that every acknowledged write is stored.

Run with `.venv/bin/python bench/load.py [--requests N] [--concurrency C]` (a fresh SQLite file
in a temporary folder, or DATABASE_URL). Writes: new sources (POST) and summary changes of a
few types (PATCH with the If-Match just read; 412 is the expected answer when another write
won). Reports the requests, errors (connection failures, 5xx, any unexpected status) and lost
writes (an acknowledged source missing afterwards, or a type whose version did not advance once
per acknowledged change, or an acknowledged summary missing from its history). Exits non-zero
when there is an error or a lost write.
"""

import argparse
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

READS = [
    "/",
    "/types/",
    "/types/slab/",
    "/types/anon_mem/",
    "/releases/v6.12/structs/page/",
    "/diagram.svg",
    "/api/v1/types/",
    "/api/v1/types/folio/",
    "/api/v1/hierarchy/",
    "/api/v1/usages/?release=v6.12",
    "/api/v1/search/?q=slab",
    "/healthz",
]
WRITE_SHARE = 0.3
BENCH_TYPES = [f"bench_{n}" for n in range(4)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/load.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "memtypes_site.settings")
    import django

    django.setup()
    import reversion
    from django.contrib.auth.models import Permission, User
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from rest_framework.authtoken.models import Token
    from reversion.models import Version

    from apps.kernel.models import MemoryType, Source
    from memtypes_site.wsgi import application

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_kernel_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    user, _ = User.objects.get_or_create(username="bench-editor")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="kernel"))
    token = Token.objects.get_or_create(user=user)[0].key
    source = Source.objects.order_by("key").first()
    with reversion.create_revision():
        for slug in BENCH_TYPES:
            MemoryType.objects.get_or_create(slug=slug, defaults={"name": slug, "summary": "start"})[0].sources.set(
                [source]
            )
    start_versions = dict(MemoryType.objects.filter(slug__in=BENCH_TYPES).values_list("slug", "version"))

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(application)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    lock = threading.Lock()
    statuses, errors = Counter(), []
    acked_sources, acked_summaries = [], {slug: [] for slug in BENCH_TYPES}
    auth = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def call(method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def one(n):
        rng = random.Random(n)
        try:
            if rng.random() >= WRITE_SHARE:
                status, _, _ = call("GET", rng.choice(READS))
                expected = {200}
            elif rng.random() < 0.5:
                key = f"bench-source-{n}"
                body = {"key": key, "kind": "url", "title": f"Bench {n}", "web_url": f"https://example.org/{n}"}
                status, headers, _ = call("POST", "/api/v1/sources/", body, auth)
                expected = {201}
                if status == 201:
                    with lock:
                        acked_sources.append(key)
            else:
                slug = rng.choice(BENCH_TYPES)
                status, headers, _ = call("GET", f"/api/v1/types/{slug}/")
                if status == 200:
                    summary = f"summary {n}"
                    status, _, _ = call(
                        "PATCH", f"/api/v1/types/{slug}/", {"summary": summary}, {**auth, "If-Match": headers["ETag"]}
                    )
                    if status == 200:
                        with lock:
                            acked_summaries[slug].append(summary)
                expected = {200, 412}
            with lock:
                statuses[status] += 1
                if status not in expected:
                    errors.append(f"request {n}: status {status}")
        except Exception as exc:  # a connection failure is an error of the run
            with lock:
                errors.append(f"request {n}: {exc.__class__.__name__}: {exc}")

    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(one, range(args.requests)))
    elapsed = time.perf_counter() - started
    server.shutdown()

    lost = [f"source {key}" for key in sorted(set(acked_sources) - set(Source.objects.values_list("key", flat=True)))]
    for slug, summaries in acked_summaries.items():
        memory_type = MemoryType.objects.get(slug=slug)
        if memory_type.version - start_versions[slug] != len(summaries):
            lost.append(
                f"{slug}: {len(summaries)} changes acknowledged, version advanced by "
                f"{memory_type.version - start_versions[slug]}"
            )
        history = {v.field_dict["summary"] for v in Version.objects.get_for_object(memory_type)}
        lost += [f"{slug}: {s!r} not in its history" for s in summaries if s not in history]

    writes = len(acked_sources) + sum(len(s) for s in acked_summaries.values())
    print(f"database: {django.db.connection.vendor}; concurrency {args.concurrency}")
    print(
        f"requests: {args.requests} in {elapsed:.1f} s ({args.requests / elapsed:.0f}/s); statuses: "
        + ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items()))
    )
    print(f"acknowledged writes: {writes} ({len(acked_sources)} creates, {writes - len(acked_sources)} changes)")
    print(f"errors: {len(errors)}")
    for line in errors[:10]:
        print(f"  {line}")
    print(f"lost writes: {len(lost)}")
    for line in lost[:10]:
        print(f"  {line}")
    return 1 if errors or lost else 0


if __name__ == "__main__":
    sys.exit(main())
