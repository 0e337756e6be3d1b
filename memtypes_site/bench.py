"""What `make bench` adds to the site it measures, only with MEMTYPES_BENCH=1 (never in production).

- `/bench/baseline`: a bare Django JsonResponse, served by the same gunicorn workers through the
  same middleware as every page: the speed the pages are measured against.
- `QueryCountMiddleware`: each answer carries `X-Bench-Queries`, the number of database queries
  it ran (the whole request, middleware included).
"""

from django.db import connections
from django.http import JsonResponse


def baseline(request):
    return JsonResponse({"ok": True})


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(counting):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(count)
        return response
