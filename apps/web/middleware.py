"""/healthz answered before the host check and the HTTPS redirect.

A load balancer or an orchestrator probes the container from inside, over plain HTTP and by its
address (127.0.0.1:8000, a pod IP), which is neither HTTPS nor one of DJANGO_ALLOWED_HOSTS: it
must still get the 200 or the 503 of the health view, never a redirect or a 400.
"""

from apps.web import views


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return views.healthz(request)
        return self.get_response(request)
