from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("api/v1/", include("apps.api.urls")),
    path("", include("apps.diagrams.urls")),
    path("", include("apps.decoder.urls")),
    path("", include("apps.web.urls")),
]

if settings.BENCH:
    from memtypes_site import bench

    urlpatterns.insert(0, path("bench/baseline", bench.baseline))
