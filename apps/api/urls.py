from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from apps.api import decode, diff, hierarchy, lifecycle, rules, search, types, views
from apps.api.errors import NotFoundView

app_name = "api"

router = SimpleRouter()
router.register("types", types.MemoryTypeViewSet, basename="type")
router.register("relations", views.RelationViewSet, basename="relation")
router.register("releases", views.ReleaseViewSet, basename="release")
router.register("usages", views.UsageViewSet, basename="usage")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="root"),
    path("hierarchy/", hierarchy.HierarchyView.as_view(), name="hierarchy"),
    path("views/", hierarchy.DatedViewList.as_view(), name="dated-view-list"),
    path("views/<slug:slug>/", hierarchy.DatedViewDetail.as_view(), name="dated-view-detail"),
    path("diff/", diff.DiffView.as_view(), name="diff"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("lifecycle/", lifecycle.LifecycleView.as_view(), name="lifecycle"),
    path("decode/", decode.DecodeView.as_view(), name="decode"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("releases/<str:name>/rules/", rules.ReleaseRulesView.as_view(), name="release-rules"),
    path("releases/<str:name>/tools/drgn.py", rules.DrgnHelperView.as_view(), name="release-drgn"),
    *router.urls,
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^.*$", NotFoundView.as_view()),
]
