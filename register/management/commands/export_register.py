from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from register.exporting import FORMATS, ExportFile, parse_as_of, register_export
from register.models import Organisation


class Command(BaseCommand):
    help = (
        "Export the processing register (art. 30 GDPR) of an organisation as CSV, Excel (.xlsx) or PDF, as it "
        "stands now or, with --as-of, as it stood at the end of that day. CSV goes to standard output unless -o "
        "is given; xlsx and pdf need -o, or standard output redirected to a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, metavar="SLUG", help="Short name of the organisation.")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="The register as it stood at the end of this day.")
        parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="Write to FILE.")

    def handle(self, *args, organisation: str, fmt: str, as_of: str | None, output: Path | None, **options):
        found = Organisation.objects.filter(slug=organisation).first()
        if found is None:
            raise CommandError(_("There is no organisation with the short name “%(slug)s”.") % {"slug": organisation})
        now = timezone.now()
        try:
            day = parse_as_of(as_of, timezone.localdate(now)) if as_of is not None else None
        except ValueError as error:
            raise CommandError(str(error)) from None
        export = register_export(organisation=found, fmt=fmt, as_of=day, now=now)
        if output is None:
            self._to_stdout(export, fmt)
            return
        try:
            output.write_bytes(export.content)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": output, "error": error.strerror}
            ) from None
        self.stderr.write(_("Wrote %(file)s.") % {"file": output})

    def _to_stdout(self, export: ExportFile, fmt: str) -> None:
        """CSV as it is, BOM included; a binary file only to a redirected stream, never to a terminal."""
        stream = self.stdout._out
        binary = getattr(stream, "buffer", None)
        if binary is not None and not (fmt != "csv" and stream.isatty()):
            stream.flush()
            binary.write(export.content)
            binary.flush()
        elif fmt == "csv":
            stream.write(export.content.decode("utf-8"))
        else:
            raise CommandError(
                _("Give -o FILE for %(format)s, or redirect standard output to a file.") % {"format": fmt}
            )
