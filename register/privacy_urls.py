from django.urls import path

from . import privacy_views

app_name = "privacy"
urlpatterns = [
    path("<slug:slug>/", privacy_views.privacy_statement, name="statement"),
    path("<slug:slug>/pdf/", privacy_views.privacy_statement_pdf, name="pdf"),
]
