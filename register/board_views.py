from django.http import Http404


def board_index(request):
    raise Http404
