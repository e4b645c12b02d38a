"""The yearly evaluation report for the board: the PDF, read back."""

import io

import pytest
from pypdf import PdfReader

from register.report import annual_report_pdf
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def test_report_is_a_pdf_with_the_organisation_and_year(organisation):
    ActivityFactory(organisation=organisation)
    text = pdf_text(annual_report_pdf(organisation=organisation, year=2026))
    assert organisation.name in text
    assert "2026" in text
