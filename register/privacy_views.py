from django.http import Http404


def privacy_statement(request, slug):
    raise Http404
