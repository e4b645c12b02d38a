from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from register.models import Organisation
from register.report_archive import LANGUAGES, ReportYearError, annual_report_archive, annual_report_year_check


class Command(BaseCommand):
    help = (
        "Generate the yearly evaluation report of an organisation as PDF, archive it as the next version (with its "
        "SHA-256, as the board page does) and write it to FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, metavar="SLUG", help="Short name of the organisation.")
        parser.add_argument("--year", required=True, metavar="YYYY", help="The calendar year the report covers.")
        parser.add_argument("--language", choices=LANGUAGES, default="nl", help="Language of the report (nl).")
        parser.add_argument("-o", "--output", required=True, type=Path, metavar="FILE", help="Write the PDF to FILE.")

    def handle(self, *args, organisation: str, year: str, language: str, output: Path, **options):
        found = Organisation.objects.filter(slug=organisation).first()
        if found is None:
            raise CommandError(_("There is no organisation with the short name “%(slug)s”.") % {"slug": organisation})
        if not (year.isascii() and year.isdigit() and len(year) == 4):
            raise CommandError(_("“%(year)s” is not a year; give four digits, e.g. 2025.") % {"year": year})
        try:
            annual_report_year_check(year=int(year))
        except ReportYearError as error:
            raise CommandError(str(error)) from None
        # One transaction: a file that cannot be written leaves no archived version nobody received.
        with transaction.atomic():
            archived = annual_report_archive(organisation=found, year=int(year), language=language)
            try:
                output.write_bytes(archived.pdf)
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(file)s: %(error)s") % {"file": output, "error": error.strerror}
                ) from None
        self.stdout.write(
            _("Archived version %(version)d of the %(year)d yearly report of %(organisation)s (%(language)s).")
            % {"version": archived.version, "year": archived.year, "organisation": found.name, "language": language}
        )
        self.stdout.write(_("SHA-256: %(sha256)s") % {"sha256": archived.sha256})
        self.stdout.write(_("Wrote %(file)s.") % {"file": output})
