# memtypes' image: gunicorn serving the site, static files collected at build time, run as a
# user that owns nothing in it. docker-compose.yml runs it; configuration comes only from the
# environment (see .env.example).
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GUNICORN_BIND=0.0.0.0:8000

# Graphviz's dot program draws the diagrams.
RUN apt-get update \
 && apt-get install -y --no-install-recommends graphviz \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The dependencies in their own layer: rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Hashed, compressed static files for WhiteNoise. The settings need a key and hosts to load; these
# exist for this step only (the container gets its own from the environment).
RUN DJANGO_DEBUG=0 \
    DJANGO_SECRET_KEY=collectstatic-at-build-time-only-this-key-signs-nothing-ever \
    DJANGO_ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput -v0

RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin memtypes
USER memtypes

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "memtypes_site.healthcheck"]
CMD ["gunicorn", "memtypes_site.wsgi"]
