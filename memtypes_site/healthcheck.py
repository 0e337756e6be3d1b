"""The container's health check: exit status 0 when this container's /healthz answers 200.

The Dockerfile and docker-compose.yml run `python -m memtypes_site.healthcheck`. It asks over
plain HTTP on the loopback, at the port of GUNICORN_BIND, as an orchestrator's probe does.
"""

import os
import sys
import urllib.request


def main():
    port = (os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000").rsplit(":", 1)[1]
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with no_proxy.open(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:  # urllib's HTTPError (the 503) and URLError are OSErrors
        print(f"/healthz: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
