from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from register.importing import ImportResult, import_file


class Command(BaseCommand):
    help = (
        "Import the processing register of an organisation from tab-separated text (the register layout), "
        "CSV or Excel (.xlsx). Activities are matched by reference, so importing a file again changes nothing. "
        "The organisation is created when it does not exist yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, metavar="SLUG", help="Short name of the organisation.")
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change without saving.")

    def handle(self, *args, organisation: str, file: Path, dry_run: bool, **options):
        try:
            validate_slug(organisation)
            content = file.read_bytes()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}) from None
        result = import_file(organisation=organisation, filename=file.name, content=content, dry_run=dry_run)
        self._report(result)
        if not result.ok:
            raise CommandError(
                ngettext(
                    "Nothing was imported: %(count)d error in %(file)s.",
                    "Nothing was imported: %(count)d errors in %(file)s.",
                    len(result.errors),
                )
                % {"count": len(result.errors), "file": file}
            )

    def _report(self, result: ImportResult) -> None:
        for outcome in result.activities:
            self.stdout.write(f"  {outcome.action_label:<10} {outcome.reference:<8} {outcome.name}")
        for label, names in result.new_entries.items():
            self.stdout.write(f"{label}: {', '.join(names)}")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        for error in result.errors:
            self.stderr.write(self.style.ERROR(error))
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.summary()))
