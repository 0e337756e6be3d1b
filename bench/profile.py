"""Where a read spends its time: pyinstrument over repeated requests through Django's test client.

    .venv/bin/python bench/profile.py /types/slab/ [--repeat 50] [--database sqlite:///path]

It profiles the uncached path (MEMTYPES_CACHE=0) on the database of DATABASE_URL (or --database;
default the project's db.sqlite3), with DEBUG off as production runs, and prints the call tree
and the mean time per request.
"""

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database", help="a DATABASE_URL (default: the environment's, or db.sqlite3)")
    args = parser.parse_args()
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    os.environ.update(
        DJANGO_SETTINGS_MODULE="memtypes_site.settings",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        MEMTYPES_CACHE="0",
    )
    import django

    django.setup()
    from django.test import Client
    from pyinstrument import Profiler

    client = Client()
    response = client.get(args.url)
    if response.status_code != 200:
        raise SystemExit(f"{args.url} answered {response.status_code}")
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for _ in range(args.repeat):
            client.get(args.url)
    mean_ms = (time.perf_counter() - started) * 1000 / args.repeat
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"{args.url}: {mean_ms:.2f} ms per request (profiled), {len(response.content)} bytes")


if __name__ == "__main__":
    main()
