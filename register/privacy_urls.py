from django.urls import path

from . import privacy_views

app_name = "privacy"
urlpatterns = [path("<slug:slug>/", privacy_views.privacy_statement, name="statement")]
