"""The sections of the yearly report. The register holds the list; requests_portal and retention add their own
sections in their AppConfig.ready(), because the register must not import them (DESIGN.md: dependencies point
one way)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from ..models import Organisation

Builder = Callable[[Organisation, int], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """`build(organisation, year)` returns the context of `template`, a part of the report; `order` places it."""

    key: str
    title: Promise
    template: str
    build: Builder
    order: int


REPORT_SECTIONS: dict[str, Section] = {}


def report_section_add(section: Section) -> None:
    """Add a section, or replace the one with its key (ready() may run twice in tests)."""
    REPORT_SECTIONS[section.key] = section


def report_sections() -> list[Section]:
    return sorted(REPORT_SECTIONS.values(), key=lambda section: section.order)
