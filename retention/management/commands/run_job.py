from django.core.management.base import BaseCommand, CommandError

from retention.jobs import JOBS, job_run, jobs_load


class Command(BaseCommand):
    help = "Run one scheduled job now (the same function the Celery beat runs); --list names them."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument("--list", action="store_true", help="print the name of every job, one per line")
        parser.add_argument("--dry-run", action="store_true", help="count what the job would do; change nothing")

    def handle(self, *args, name=None, list=False, dry_run=False, **options):
        jobs_load()
        if list:
            self.stdout.write("\n".join(sorted(JOBS)))
            return
        if name not in JOBS:
            raise CommandError(f"Unknown job {name!r}; `run_job --list` names them.")
        run = job_run(name, dry_run=dry_run)
        counts = ", ".join(f"{key}: {value}" for key, value in run.counts.items()) or "nothing to do"
        self.stdout.write(f"{name}{' (dry run)' if dry_run else ''}: {counts} in {run.duration.total_seconds():.2f} s")
