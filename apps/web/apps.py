from django.apps import AppConfig


class WebConfig(AppConfig):
    """The HTML pages people browse, and the health check."""

    name = "apps.web"
    label = "web"
