"""Charts as inline SVG, drawn with matplotlib's object API (no pyplot, no global backend): the PDF embeds the
markup itself, so WeasyPrint fetches nothing. Every chart is shown beside a table of its figures."""

import hashlib
import io
import re
from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

COLOURS = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#6b7280"]
STYLE = {
    "svg.fonttype": "path",  # labels drawn as shapes: the figures are read from the table beside the chart
    "svg.hashsalt": "annual-report",  # stable ids: the same figures draw the same chart
    "font.family": ["DejaVu Sans"],
    "font.size": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def stacked_bars_svg(*, labels: list[str], series: list[tuple[str, list[int]]]) -> SafeString:
    """A column per label (e.g. month), stacked by series (e.g. kind of request), with the legend beside it."""

    def draw(axes):
        # At positions, with the labels as ticks: matplotlib would read 'May' or '2025' as a date or a number.
        positions = list(range(len(labels)))
        bottom = [0] * len(labels)
        for index, (name, values) in enumerate(series):
            colour = COLOURS[index % len(COLOURS)]
            axes.bar(positions, values, bottom=bottom, label=name, color=colour, width=0.7, linewidth=0)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.set_xticks(positions, labels)
        axes.yaxis.get_major_locator().set_params(integer=True)
        if series:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)

    return _svg(6.8, 2.6, draw)


def horizontal_bars_svg(*, labels: list[str], values: list[int]) -> SafeString:
    """A bar per label, in the order given."""

    def draw(axes):
        positions = list(range(len(labels)))
        axes.barh(positions, values, color=COLOURS[0], height=0.6)
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        axes.xaxis.get_major_locator().set_params(integer=True)

    return _svg(6.8, 0.3 * max(len(labels), 2) + 0.5, draw)


def _svg(width: float, height: float, draw: Callable) -> SafeString:
    from matplotlib import rc_context
    from matplotlib.figure import Figure  # loaded when a chart is drawn, not with the app

    buffer = io.StringIO()
    with rc_context(STYLE):
        figure = Figure(figsize=(width, height), layout="constrained")
        draw(figure.add_subplot())
        figure.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
    return mark_safe(inline(buffer.getvalue()))  # noqa: S308 - matplotlib escapes the labels


def inline(markup: str) -> str:
    """matplotlib's SVG document made fit to sit in HTML beside other charts:

    1. the XML declaration, doctype, metadata and style sheet go (a style sheet would apply to the whole page);
    2. ids nothing refers to go (WeasyPrint would make each a PDF anchor), and the others, with the references
       to them, get a prefix made from the chart itself, so two charts' glyphs and clip paths cannot clash
       and the same figures still give the same markup;
    3. style attributes become presentation attributes (fill="none"), which WeasyPrint's SVG renderer reads
       without its HTML style parser warning about properties HTML does not know.
    """
    markup = re.sub(r"<metadata>.*?</metadata>|<style.*?</style>", "", markup[markup.index("<svg") :], flags=re.S)
    prefix = "chart-" + hashlib.sha256(markup.encode()).hexdigest()[:10] + "-"
    referenced = set(re.findall(r'(?:href="#|url\(#)([^")]+)', markup))
    markup = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m[1]}"' if m[1] in referenced else "", markup)
    markup = re.sub(r'(href="#|url\(#)([^")]+)', rf"\1{prefix}\2", markup)
    return re.sub(r' style="([^"]*)"', _presentation_attributes, markup)


def _presentation_attributes(match: re.Match) -> str:
    pairs = (item.split(":", 1) for item in match.group(1).split(";") if ":" in item)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)
