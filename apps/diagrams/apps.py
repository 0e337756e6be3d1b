from django.apps import AppConfig


class DiagramsConfig(AppConfig):
    """The hierarchy drawn with Graphviz: DOT text, rendering, caching, image URLs."""

    name = "apps.diagrams"
    label = "diagrams"
