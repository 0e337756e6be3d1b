"""Benchmarks of memtypes: loading the kernel data, and serving each page and endpoint.

Run with `make bench` (or `.venv/bin/python bench/run.py [--repeat N]`). It works on a fresh
SQLite database in a temporary folder (or on DATABASE_URL when that is set), prints one table,
and exits non-zero when a page fails or a target is missed. Targets:
- load_kernel_data on an empty database: under 60 s; a second run: under 15 s, changing nothing;
- every page and endpoint: median under 500 ms on the real data, and the same query count on
  every repetition (the counts themselves are pinned in the test suite).
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOAD_TARGET_S = 60.0
RELOAD_TARGET_S = 15.0
PAGE_TARGET_MS = 500.0

URLS = [
    "/",
    "/types/",
    "/types/slab/",
    "/types/anon_mem/",
    "/releases/",
    "/releases/v6.12/",
    "/releases/v6.12/structs/page/",
    "/releases/v6.12/structs/folio/",
    "/releases/v6.12/matrix/",
    "/search/?q=mapping",
    "/diagram.svg",
    "/types/folio/diagram.svg",
    "/api/v1/types/",
    "/api/v1/types/slab/",
    "/api/v1/hierarchy/",
    "/api/v1/releases/v6.12/structs/page/",
    "/api/v1/releases/v6.12/matrix/",
    "/api/v1/releases/v6.12/matrix/?format=csv",
    "/api/v1/usages/?release=v6.12",
    "/api/v1/diff/?from=v6.1&to=v6.12",
    "/api/v1/search/?q=slab",
    "/healthz",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per URL (default 20)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "memtypes_site.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    failures = []
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    call_command("load_kernel_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    call_command("load_kernel_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    reload_s = time.perf_counter() - started
    print(f"load_kernel_data, empty database: {load_s:6.2f} s (target < {LOAD_TARGET_S:.0f} s)")
    print(f"load_kernel_data, second run:     {reload_s:6.2f} s (target < {RELOAD_TARGET_S:.0f} s)")
    if load_s > LOAD_TARGET_S:
        failures.append("first load too slow")
    if reload_s > RELOAD_TARGET_S:
        failures.append("second load too slow")

    client = Client()
    print(f"\n{'URL':48} {'status':>6} {'queries':>7} {'median ms':>9} {'p90 ms':>7} {'bytes':>8}")
    for url in URLS:
        times, queries = [], set()
        status = size = 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            queries.add(len(ctx.captured_queries))
            status, size = response.status_code, len(response.content)
        median = statistics.median(times)
        p90 = sorted(times)[int(len(times) * 0.9) - 1]
        shown = "/".join(str(q) for q in sorted(queries))
        print(f"{url:48} {status:>6} {shown:>7} {median:>9.1f} {p90:>7.1f} {size:>8}")
        if status != 200:
            failures.append(f"{url} answered {status}")
        if median > PAGE_TARGET_MS:
            failures.append(f"{url} median {median:.0f} ms")
        if len(queries) > 1:
            failures.append(f"{url} ran a varying number of queries {sorted(queries)}")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of the benchmark process: {peak_mib:.0f} MiB")
    if failures:
        print("MISSED: " + "; ".join(failures))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
