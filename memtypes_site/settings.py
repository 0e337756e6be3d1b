"""Settings of memtypes: one module, driven by environment variables.

A fresh clone runs with no configuration on the embedded SQLite file, with a secret key made
once in a git-ignored file. With DJANGO_DEBUG=0 the site refuses to start without allowed hosts
and sends the security headers production needs.
"""

from pathlib import Path

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from memtypes_site import secret_key
from memtypes_site.env import cache_from_url, database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY") or secret_key.read_or_create(
    Path(env_str("DJANGO_SECRET_KEY_FILE") or BASE_DIR / ".secret-key")
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])

if not DEBUG:
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("DJANGO_DEBUG=0 needs DJANGO_SECRET_KEY: 50 or more random characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_DEBUG=0 needs DJANGO_ALLOWED_HOSTS (comma-separated host names).")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "reversion",
    "axes",
    "apps.kernel",
    "apps.api",
    "apps.diagrams",
    "apps.decoder",
    "apps.web",
]

MIDDLEWARE = [
    "apps.web.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Whole answers under the data version (memtypes_site/cache.py): inside the middleware that
    # adds per-request headers, outside the ones that set cookies, so it sees them; it stores
    # the answer as GZipMiddleware compressed it.
    "memtypes_site.cache.AnswerCacheMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: refuses logins from an address locked out after failures.
    "axes.middleware.AxesMiddleware",
]

# Admin logins: django-axes locks an address out for an hour after 5 failed logins.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True

# `make bench` only (memtypes_site/bench.py): a baseline view and a query count on each answer.
BENCH = env_bool("MEMTYPES_BENCH", False)
if BENCH:
    MIDDLEWARE.insert(0, "memtypes_site.bench.QueryCountMiddleware")

ROOT_URLCONF = "memtypes_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "memtypes_site.wsgi.application"

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), BASE_DIR)}
CACHES = {"default": cache_from_url(env_str("REDIS_URL"))}
# Pages, API answers and pictures kept in that cache under the data version, with ETags and 304s
# (memtypes_site/cache.py). MEMTYPES_CACHE=0 renders every request (make bench's cold runs).
MEMTYPES_CACHE = env_bool("MEMTYPES_CACHE", True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves the static files from gunicorn in every mode. Without DEBUG they come from
# `collectstatic` (make run and the image run it): compressed, with hashed names cached for a year.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# With DEBUG (make dev, the tests) WhiteNoise finds each file where it lies, on request; without,
# it indexes the collected files once when a worker starts.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Sessions live in the database, so any web process can serve any request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The curated kernel data (YAML) and the pahole layouts it imports.
KERNEL_DATA_DIR = BASE_DIR / "data"
# The apps whose models hold the kernel data: any write to one of their rows changes the data
# version (apps/kernel/version.py) that cached answers are keyed by. An app not installed is skipped.
KERNEL_DATA_APPS = ["kernel", "decoder"]

# Graphviz: how long one `dot` run may take before the picture is given up.
GRAPHVIZ_TIMEOUT_SECONDS = 10

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "apps.api.authentication.GuardedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.permissions.ReadOrModelPermissions"],
    # Writes are JSON (the browsable API's raw-data form sends JSON too).
    "DEFAULT_PARSER_CLASSES": ["apps.api.parsers.StrictJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "apps.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.Schema",
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "apps.api.errors.handle_exception",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "memtypes API",
    "DESCRIPTION": (
        "The Linux kernel's memory types, their hierarchy, struct page layouts per release and "
        "which words of struct page each type uses. Send If-Match with the ETag you read on "
        "every PUT, PATCH and DELETE: a write based on a stale read is refused with 412."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Tools and notebooks read the API from any origin; writes stay same-origin (CSRF).
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified"]

# Kernel identifiers link to their definition in this source browser, at the release tag
# (https://elixir.bootlin.com/linux/v6.12/source/include/linux/mm_types.h).
MEMTYPES_SOURCE_BROWSER = env_str("MEMTYPES_SOURCE_BROWSER") or "https://elixir.bootlin.com/linux"

# The admin's address: set DJANGO_ADMIN_PATH to move it away from the one every scanner tries.
ADMIN_PATH = env_str("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

# Content-Security-Policy: only this site's own scripts, styles, images and fonts. The inline
# <style> elements (of the API docs and the browsable API) carry the request's nonce; style
# attributes, which REST framework's browsable API uses for layout and which cannot run code,
# are allowed. Enforced with DJANGO_DEBUG=0; with DEBUG it is report-only, so Django's error page
# keeps its inline style and script.
CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF, NONCE],
    "style-src-attr": [UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "object-src": [NONE],
    "base-uri": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
CONTENT_SECURITY_POLICY = None if DEBUG else {"DIRECTIVES": CSP_DIRECTIVES}
CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": CSP_DIRECTIVES} if DEBUG else None

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

if not DEBUG:
    # Behind a proxy that terminates HTTPS: it must set X-Forwarded-Proto (and strip the header
    # from clients), since requests carrying "X-Forwarded-Proto: https" count as HTTPS.
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Warnings and errors (500s with their traceback) on stdout, beside gunicorn's request lines.
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}
