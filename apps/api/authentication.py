"""Token authentication with a limit on guessing: after TOKEN_FAILURE_LIMIT wrong tokens from
one address within TOKEN_FAILURE_WINDOW_SECONDS, every token request from it answers 429 until
the window ends (admin logins are limited by django-axes)."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled

from apps.kernel.safe_cache import safe_cache

TOKEN_FAILURE_LIMIT = 10
TOKEN_FAILURE_WINDOW_SECONDS = 15 * 60


class GuardedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        if not request.META.get("HTTP_AUTHORIZATION"):
            # No credentials, so nothing to refuse or count: an anonymous read skips the cache.
            return None
        key = f"memtypes:token-failures:{request.META.get('REMOTE_ADDR', '')}"
        failures = safe_cache.get(key, 0) or 0
        if failures >= TOKEN_FAILURE_LIMIT and request.META.get("HTTP_AUTHORIZATION", "").startswith(self.keyword):
            raise Throttled(
                wait=TOKEN_FAILURE_WINDOW_SECONDS,
                detail=f"Too many wrong tokens from your address: try again in {TOKEN_FAILURE_WINDOW_SECONDS // 60} "
                "minutes.",
            )
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            safe_cache.set(key, failures + 1, TOKEN_FAILURE_WINDOW_SECONDS)
            raise
