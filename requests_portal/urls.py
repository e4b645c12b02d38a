from django.urls import path

from . import views

app_name = "requests_portal"
urlpatterns = [
    path("", views.portal_index, name="index"),
]
