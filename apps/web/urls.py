from django.urls import path

from apps.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("types/", views.type_list, name="type-list"),
    path("types/<slug:slug>/", views.type_detail, name="type-detail"),
    path("types/<slug:slug>/releases/", views.type_releases, name="type-releases"),
    path("releases/", views.release_list, name="release-list"),
    path("releases/<str:name>/", views.release_detail, name="release-detail"),
    path("releases/<str:name>/matrix/", views.matrix, name="matrix"),
    path("releases/<str:name>/drift/", views.release_drift, name="release-drift"),
    path("releases/<str:name>/structs/<str:struct>/", views.layout_detail, name="layout-detail"),
    path("diff/", views.diff, name="diff"),
    path("views/", views.dated_view_list, name="view-list"),
    path("views/<slug:slug>/", views.dated_view_detail, name="view-detail"),
    path("lifecycle/", views.lifecycle_page, name="lifecycle"),
    path("search/", views.search, name="search"),
    path("healthz", views.healthz, name="healthz"),
]
