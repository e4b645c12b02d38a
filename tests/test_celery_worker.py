"""A real Celery worker takes a task from the broker: the embedded file broker and Redis."""

import os
import signal
import subprocess
import sys

import pytest

from tests.conftest import require
from tests.processes import BASE_DIR, BEAT_COMMAND, BIN, WORKER_COMMAND, Output, manage, project_env, running

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


SEED_DUE_SUBJECTS = """
from datetime import date
from register.models import DataSubject, Organisation, ProcessingActivity, Relation, RetentionRule
organisation = Organisation.objects.create(name="Coöperatie", slug="coop")
activity = ProcessingActivity.objects.create(organisation=organisation, reference="1.1", name="Leden")
RetentionRule.objects.create(activity=activity, period=1, unit="years", trigger="relation_end", action="erase")
subjects = DataSubject.objects.bulk_create(
    DataSubject(organisation=organisation, name=f"Lid {n}", email=f"lid{n}@voorbeeld.nl") for n in range(COUNT)
)
Relation.objects.bulk_create(
    Relation(subject=s, activity=activity, started_on=date(2015, 1, 1), ended_on=date(2020, 1, 1)) for s in subjects
)
"""
COUNT_SUBJECTS = "from register.models import DataSubject; print(DataSubject.objects.count())"
SEND_SWEEP = "from config.celery import app; app.send_task('retention.run_job', args=['retention_sweep'])"


def test_a_sweep_killed_mid_way_is_finished_by_a_rerun_with_nothing_done_twice(tmp_path):
    """SIGKILL the worker once its first chunk is done; the rerun erases exactly the subjects still left."""
    require(os.environ.get("REDIS_URL", "").startswith("redis"), "REDIS_URL is not set")
    queue = f"sweep-{os.getpid()}"
    env = project_env(tmp_path, DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", CELERY_QUEUE=queue)
    assert manage("migrate", "--noinput", env=env).returncode == 0
    seeded = manage("shell", "--no-imports", "-c", SEED_DUE_SUBJECTS.replace("COUNT", "40_000"), env=env)
    assert seeded.returncode == 0, seeded.stderr
    worker = [str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"]
    process = subprocess.Popen(
        worker, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output = Output(process)
        output.wait_for(r"ready\.", timeout=60)
        subprocess.run([sys.executable, "-c", SEND_SWEEP], cwd=BASE_DIR, env=env, check=True, timeout=60)
        output.wait_for(r"Task retention\.sweep_chunk\[.*\] succeeded", timeout=120)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        left = int(manage("shell", "--no-imports", "-c", COUNT_SUBJECTS, env=env).stdout)
        assert 0 < left < 40_000, "the kill came before or after the whole sweep"
        rerun = manage("run_job", "retention_sweep", env=env)
        assert rerun.returncode == 0, rerun.stderr
        assert f"erase: {left}," in rerun.stdout  # exactly what was left: nothing done twice
        assert manage("shell", "--no-imports", "-c", COUNT_SUBJECTS, env=env).stdout.strip() == "0"  # nothing lost
    finally:
        if process.poll() is None:
            process.kill()
        subprocess.run([str(BIN / "celery"), "-A", "config", "purge", "-f", "-Q", queue], cwd=BASE_DIR, env=env,
                       capture_output=True, timeout=60)  # fmt: skip
