from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API (REST framework) under /api/v1/."""

    name = "apps.api"
    label = "api"
