from django.urls import path

from . import views

app_name = "requests_portal"
urlpatterns = [
    path("", views.portal_index, name="index"),
    path("bevestigen/<str:token>/", views.verify, name="verify"),
    path("status/<str:token>/", views.status, name="status"),
    path("status/<str:token>/antwoord/<str:fmt>/", views.answer_download, name="answer"),
    path("<slug:slug>/", views.request_form, name="form"),
    path("<slug:slug>/ontvangen/", views.request_submitted, name="submitted"),
]
