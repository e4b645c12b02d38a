"""The Celery app and the one place where the beat schedule lives."""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("verwerkingsregister")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    accept_content=["json"],
    task_serializer="json",
    result_serializer="json",
    result_expires=24 * 3600,
    timezone=settings.TIME_ZONE,
    # A task is acknowledged after it ran, so a worker that dies hands it to another; tasks are idempotent.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

celery_dir = Path(settings.DATA_DIR) / "celery"
celery_dir.mkdir(parents=True, exist_ok=True)
if app.conf.broker_url.startswith("filesystem://"):
    # The embedded broker: messages are files in one folder that worker and web share.
    queue_dir = celery_dir / "queue"
    for folder in (queue_dir, celery_dir / "results"):
        folder.mkdir(exist_ok=True)
    app.conf.broker_transport_options = {
        "data_folder_in": str(queue_dir),
        "data_folder_out": str(queue_dir),
        "control_folder": str(celery_dir / "control"),
    }
else:
    # Redis re-delivers an unacknowledged task after this many seconds: longer than any task may run.
    app.conf.broker_transport_options = {"visibility_timeout": 2 * settings.CELERY_TASK_TIME_LIMIT}


def _daily(name: str, hour: int, minute: int = 0) -> dict:
    return {"task": "retention.run_job", "schedule": crontab(hour=hour, minute=minute), "args": [name]}


def _every(name: str, minutes: int) -> dict:
    return {"task": "retention.run_job", "schedule": crontab(minute=f"*/{minutes}"), "args": [name]}


# Every job of retention.jobs, by name; times in Europe/Amsterdam. A job is idempotent, so a missed or
# doubled tick does no harm.
BEAT_SCHEDULE: dict[str, dict] = {
    "verification_reminders": _every("verification_reminders", 15),
    "unverified_requests_purge": _daily("unverified_requests_purge", 3, 10),
    "request_uploads_destroy": _daily("request_uploads_destroy", 3, 20),
    "access_packages_expire": _daily("access_packages_expire", 3, 25),
    "requests_anonymise": _daily("requests_anonymise", 3, 30),
    "request_tokens_purge": _daily("request_tokens_purge", 3, 40),
    "deadline_watchers": _every("deadline_watchers", 15),
    "retention_sweep": _daily("retention_sweep", 2, 30),
}
app.conf.beat_schedule = BEAT_SCHEDULE

app.autodiscover_tasks()


@app.task(name="config.ping")
def ping() -> str:
    """Proves that a worker takes tasks from the broker; used by the health check and the tests."""
    return "pong"
