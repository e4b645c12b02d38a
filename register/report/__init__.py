"""The yearly evaluation report for the board: `annual_report_pdf`, and the registry other apps add sections to."""

from . import sections  # noqa: F401 - registers the register's own sections
from .document import annual_report_context, annual_report_pdf
from .registry import REPORT_SECTIONS, Section, report_section_add, report_sections

__all__ = [
    "REPORT_SECTIONS",
    "Section",
    "annual_report_context",
    "annual_report_pdf",
    "report_section_add",
    "report_sections",
]
