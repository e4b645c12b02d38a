"""A real Celery worker takes a task from the broker: the embedded file broker and Redis."""

import os
import subprocess
import sys

import pytest

from tests.conftest import require
from tests.processes import BASE_DIR, BEAT_COMMAND, WORKER_COMMAND, manage, project_env, running

pytestmark = pytest.mark.slow

SEND_PING = "from config.celery import ping; print(ping.apply_async(queue='{queue}').get(timeout=60))"


def ping_through_worker(env: dict[str, str], queue: str, *worker_options: str) -> str:
    with running([*WORKER_COMMAND, "--pool=solo", f"--queues={queue}", *worker_options], env, ready=r"ready\."):
        client = subprocess.run(
            [sys.executable, "-c", SEND_PING.format(queue=queue)],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert client.returncode == 0, client.stderr
    return client.stdout.strip()


def test_worker_with_embedded_beat_on_the_file_broker(tmp_path):
    """What `make run` starts on a fresh machine: no server needed."""
    env = project_env(tmp_path, REDIS_URL="", DEBUG="1")
    assert ping_through_worker(env, "embedded", "--beat") == "pong"
    assert list((tmp_path / "celery").glob("beat-schedule*")), "the embedded beat kept no schedule"


def test_worker_on_redis(tmp_path):
    redis_url = os.environ.get("REDIS_URL", "")
    require(redis_url.startswith("redis"), "REDIS_URL is not set")
    env = project_env(tmp_path, DEBUG="1")
    assert ping_through_worker(env, f"test-{os.getpid()}") == "pong"


def test_beat_starts(tmp_path):
    env = project_env(tmp_path, REDIS_URL="", DEBUG="1")
    with running(BEAT_COMMAND, env, ready=r"beat: Starting") as output:
        banner = "".join(output.lines)
    assert f"db -> {tmp_path}/celery/beat-schedule" in banner


SEND_JOB = (
    "from config.celery import app; "
    "print(app.send_task('retention.run_job', args=['{job}'], queue='{queue}').get(timeout=60))"
)
COUNT_RUNS = "from retention.models import JobRun; print(JobRun.objects.filter(job='{job}', outcome='done').count())"


def test_a_real_worker_on_redis_runs_a_job_and_records_it(tmp_path):
    require(os.environ.get("REDIS_URL", "").startswith("redis"), "REDIS_URL is not set")
    env = project_env(tmp_path, DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert manage("migrate", "--noinput", env=env).returncode == 0
    queue, job = f"jobs-{os.getpid()}", "unverified_requests_purge"
    with running([*WORKER_COMMAND, "--pool=solo", f"--queues={queue}"], env, ready=r"ready\."):
        client = subprocess.run(
            [sys.executable, "-c", SEND_JOB.format(job=job, queue=queue)],
            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=90,
        )  # fmt: skip
    assert client.returncode == 0, client.stderr
    assert client.stdout.strip() == "{'requests': 0}"
    runs = manage("shell", "--no-imports", "-c", COUNT_RUNS.format(job=job), env=env)
    assert runs.stdout.strip() == "1", runs.stderr
