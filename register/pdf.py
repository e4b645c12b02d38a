"""PDFs from templates (WeasyPrint), with the page frame every document of the app shares: a running title
and subtitle in the header and 'page X of Y' in the footer."""

import re

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext


def pdf_render(*, template: str, context: dict, running_title: str, running_subtitle: str) -> bytes:
    from weasyprint import HTML, URLFetcher  # loads pango; only when a PDF is asked for

    frame = {
        "page_counter": page_counter_css(gettext("Page %(page)s of %(pages)s")),
        "running_title": css_string(running_title),
        "running_subtitle": css_string(running_subtitle),
    }
    html = render_to_string(template, {**context, **frame})
    # No protocol allowed: the templates embed all they need, and text from the data cannot make them fetch.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def page_counter_css(template: str) -> SafeString:
    """'Page %(page)s of %(pages)s' as a CSS content value with counters, in the translator's word order."""
    parts = []
    for piece in re.split(r"(%\(pages?\)s)", template):
        if piece == "%(page)s":
            parts.append("counter(page)")
        elif piece == "%(pages)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return mark_safe(" ".join(parts))  # noqa: S308 - every text piece is escaped by css_string


def css_string(text: str) -> SafeString:
    """A quoted CSS string; escapes quotes, backslashes, line breaks and '<' so it cannot leave <style>."""
    escaped = "".join(f"\\{ord(char):x} " if char in '"\\<>\n\r' else char for char in text)
    return mark_safe(f'"{escaped}"')  # noqa: S308 - escaped above
