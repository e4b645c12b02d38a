from django.urls import path

from . import board_views

app_name = "board"
urlpatterns = [
    path("", board_views.board_index, name="index"),
    path("controleren/", board_views.board_verify, name="verify"),
    path("archief/<int:pk>/", board_views.board_download, name="download"),
    path("<slug:slug>/<int:year>/", board_views.board_generate, name="generate"),
]
