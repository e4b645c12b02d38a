from django.urls import path

from . import board_views

app_name = "board"
urlpatterns = [path("", board_views.board_index, name="index")]
