from django.urls import path

from apps.decoder import views

app_name = "decoder"

urlpatterns = [
    path("decode/", views.decode, name="decode"),
]
