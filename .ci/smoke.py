"""CI's smoke test of the production stack, without a container engine.

Runs what docker-compose.yml runs, on this machine's PostgreSQL and Redis with DEBUG off: the
migrate service's command, then the web service's command (gunicorn) with that service's
environment (its addresses replaced by this machine's), and its health check. It then checks over
HTTP what a visitor and a proxy see, and stops gunicorn. A test (memtypes_site/tests/
test_compose.py) keeps COMMANDS and ENVIRONMENT equal to docker-compose.yml's.

    .venv/bin/python .ci/smoke.py postgres://postgres@127.0.0.1:5432/DB redis://127.0.0.1:6379/0
"""

import gzip
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent

# docker-compose.yml's commands, run here from the project folder with .venv/bin first on PATH.
MIGRATE_COMMAND = ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_kernel_data"]
WEB_COMMAND = ["gunicorn", "memtypes_site.wsgi"]
WEB_HEALTHCHECK = ["CMD", "python", "-m", "memtypes_site.healthcheck"]
# The Dockerfile's build step for the static files.
COLLECTSTATIC = "python manage.py collectstatic --noinput -v0"
# Variables whose value in docker-compose.yml names a container; here they name this machine's.
LOCAL_ADDRESSES = {"DATABASE_URL", "REDIS_URL", "GUNICORN_BIND"}
# Secrets: the compose file requires them from .env; here they are made up.
SECRETS = {"DJANGO_SECRET_KEY"}


def environment(database_url, redis_url, port):
    """The web service's environment with the defaults docker-compose.yml gives when .env leaves
    a variable unset, the secret made up and the addresses of this machine."""
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "1",
        "DJANGO_HSTS_SECONDS": "31536000",
        "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1",
        "DJANGO_HSTS_PRELOAD": "1",
        "DJANGO_ADMIN_PATH": "admin/",
        "DJANGO_LOG_LEVEL": "WARNING",
        "MEMTYPES_SOURCE_BROWSER": "https://elixir.bootlin.com/linux",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MEMTYPES_CACHE": "1",
        "GUNICORN_WORKERS": "",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }


def free_port():
    for port in range(8600, 8700):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("smoke: no free port in 8600-8699")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)


def fetch(base, path, https=True, **headers):
    """(status, headers, body) of GET path; https=True sends the header the proxy sets for HTTPS."""
    if https:
        headers["X-Forwarded-Proto"] = "https"
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"  ok  {what}")


def wait_until_serving(base, server):
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit(f"smoke: gunicorn exited with status {server.returncode}")
        try:
            fetch(base, "/healthz", https=False)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("smoke: gunicorn did not answer within 60 seconds")


def check_site(base, env):
    # Pictures are named by their content: drop any drawn before, to see this server store them.
    diagrams = redis.Redis.from_url(env["REDIS_URL"])
    for key in diagrams.scan_iter("*memtypes:diagram:*"):
        diagrams.delete(key)

    status, headers, body = fetch(base, "/healthz", https=False)
    check(
        status == 200 and json.loads(body) == {"status": "ok", "cache": "ok"},
        "/healthz answers 200 over plain HTTP, with the database and Redis reached",
    )
    status, headers, _ = fetch(base, "/types/", https=False)
    check(status == 301 and headers["Location"].startswith("https://"), "other pages redirect plain HTTP to HTTPS")

    status, headers, body = fetch(base, "/")
    html = body.decode()
    check(status == 200 and "memtypes" in html and "<svg" in html, "the home page with its diagram")
    check(headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", "HSTS")
    check(headers["X-Content-Type-Options"] == "nosniff", "nosniff")
    check(headers["Referrer-Policy"] == "same-origin", "Referrer-Policy")
    check(headers["X-Frame-Options"] == "DENY", "X-Frame-Options")
    check("script-src 'self'" in headers.get("Content-Security-Policy", ""), "an enforced Content-Security-Policy")

    status, headers, body = fetch(base, "/types/slab/")
    check(status == 200 and "slab_cache" in body.decode(), "a type page")
    stored = list(diagrams.scan_iter("*memtypes:answer:*"))
    check(stored, "the answer is stored in Redis, under the data version")
    again = fetch(base, "/types/slab/", **{"If-None-Match": headers["ETag"]})
    check(again[0] == 304 and again[1]["ETag"] == headers["ETag"], "a reader who has the page gets 304")
    status, headers, body = fetch(base, "/api/v1/types/slab/")
    check(status == 200 and json.loads(body)["slug"] == "slab", "the API")
    status, headers, body = fetch(base, "/api/v1/docs/")
    check(status == 200 and "swagger-ui" in body.decode(), "the API docs")
    status, _, _ = fetch(base, "/admin/login/")
    check(status == 200, "the admin's login page")

    status, headers, body = fetch(base, "/diagram.svg")
    check(status == 200 and headers["Content-Type"] == "image/svg+xml" and b"<svg" in body, "a diagram")
    check(any(diagrams.scan_iter("*memtypes:diagram:svg:*")), "the rendered diagram is kept in Redis")

    stylesheet = re.search(r'href="(/static/css/memtypes\.[0-9a-f]{12}\.css)"', html)
    check(stylesheet is not None, "the page links the stylesheet by its hashed name")
    status, headers, body = fetch(base, stylesheet.group(1), **{"Accept-Encoding": "gzip"})
    check(status == 200 and headers["Content-Encoding"] == "gzip", "the stylesheet is served compressed")
    check(b"{" in gzip.decompress(body), "the stylesheet is CSS")
    check(headers["Cache-Control"] == "max-age=315360000, public, immutable", "with long cache headers")


def main(database_url, redis_url):
    port = free_port()
    env = {**os.environ, **environment(database_url, redis_url, port)}
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    base = f"http://127.0.0.1:{port}"

    print("== migrate service:", " ".join(MIGRATE_COMMAND))
    subprocess.run(MIGRATE_COMMAND, cwd=ROOT, env=env, check=True)
    print("== the image's", COLLECTSTATIC)
    subprocess.run(COLLECTSTATIC.split(), cwd=ROOT, env=env, check=True)

    print(f"== web service: {' '.join(WEB_COMMAND)} on {base}")
    log_path = ROOT / "build" / "smoke-gunicorn.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("w") as log:
        server = subprocess.Popen(WEB_COMMAND, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(base, server)
        healthcheck = subprocess.run(WEB_HEALTHCHECK[1:], cwd=ROOT, env=env)
        check(healthcheck.returncode == 0, "the web service's health check passes")
        check_site(base, env)
    finally:
        server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop: the workers exit with it
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()  # the workers notice their master is gone and exit
            server.wait()
    log = log_path.read_text()
    check(re.search(r"^GET /types/slab/ 200 \d+ms$", log, re.MULTILINE) is not None, "one log line per request")
    check(env["DJANGO_SECRET_KEY"] not in log, "no secret in the log")
    print("smoke test passed")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
