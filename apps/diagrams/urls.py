from django.urls import path, register_converter

from apps.diagrams import views
from apps.diagrams.render import FORMATS


class FormatConverter:
    """The picture formats: svg, png, pdf, dot."""

    regex = "|".join(FORMATS)

    def to_python(self, value):
        return value

    def to_url(self, value):
        if value not in FORMATS:
            raise ValueError(value)
        return value


register_converter(FormatConverter, "diagram_format")

app_name = "diagrams"

urlpatterns = [
    path("diagram.<diagram_format:fmt>", views.whole_diagram, name="whole"),
    path("types/<str:slug>/diagram.<diagram_format:fmt>", views.type_diagram, name="type"),
    path("views/<slug:slug>/diagram.<diagram_format:fmt>", views.view_diagram, name="view"),
    path("lifecycle.<diagram_format:fmt>", views.whole_lifecycle, name="lifecycle"),
    path("types/<str:slug>/lifecycle.<diagram_format:fmt>", views.type_lifecycle, name="type-lifecycle"),
]
