import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .report_archive import LANGUAGES

MAX_PDF_BYTES = 20 * 1024 * 1024
PDF_SIGNATURE = b"%PDF-"
SHA256 = re.compile(r"[0-9a-f]{64}")


class GenerateForm(forms.Form):
    language = forms.ChoiceField(choices=[(code, code) for code in LANGUAGES])


class VerifyForm(forms.Form):
    """A copy of a report, as a PDF or as its SHA-256; the file is read to hash it and never stored."""

    pdf = forms.FileField(label=_("PDF file"), required=False)
    sha256 = forms.CharField(
        label=_("or its SHA-256"),
        required=False,
        max_length=100,
        help_text=_("64 characters, 0-9 and a-f, as the report's archive lists it."),
    )

    def clean_pdf(self):
        upload = self.cleaned_data.get("pdf")
        if upload is None:
            return None
        if upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError(
                _("This file is larger than %(megabytes)d MB; a yearly report is much smaller."),
                params={"megabytes": MAX_PDF_BYTES // (1024 * 1024)},
            )
        upload.seek(0)
        head = upload.read(len(PDF_SIGNATURE))
        upload.seek(0)
        if head != PDF_SIGNATURE:
            raise forms.ValidationError(_("This file is not a PDF. Choose the PDF of the yearly report."))
        return upload

    def clean_sha256(self):
        value = "".join(self.cleaned_data.get("sha256", "").split()).lower()
        if value and not SHA256.fullmatch(value):
            raise forms.ValidationError(_("A SHA-256 is 64 characters, each 0-9 or a-f."))
        return value

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("pdf") and cleaned.get("sha256"):
            raise forms.ValidationError(_("Choose a PDF file or paste a SHA-256, not both."))
        if not (cleaned.get("pdf") or cleaned.get("sha256")):
            raise forms.ValidationError(_("Choose the PDF file of a yearly report, or paste its SHA-256."))
        return cleaned
