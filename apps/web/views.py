from django.db import DatabaseError, connection
from django.http import JsonResponse


def healthz(request):
    """{"status": "ok"} after a database round trip; 503 when the database does not answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        return JsonResponse({"status": "error", "reason": f"database unreachable: {reason}"}, status=503)
    return JsonResponse({"status": "ok"})
