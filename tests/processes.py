"""Start the project's real processes (manage.py, gunicorn, celery) with their own environment."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# The commands docker-compose.yml runs; test_docker_compose.py holds the file to them.
WEB_COMMAND = ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
WORKER_COMMAND = ["celery", "-A", "config", "worker", "--loglevel=INFO"]
BEAT_COMMAND = ["celery", "-A", "config", "beat", "--loglevel=INFO"]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-" + "k7#Qp2!vX9zL" * 5,
    "ALLOWED_HOSTS": "register.example",
    "EMAIL_URL": "smtp+tls://mailer:secret@mail.register.example:587",
    "FILE_ENCRYPTION_KEY": "cHJvZHVjdGlvbi10ZXN0LWtleS1wcm9kdWN0aW9uLTE=",
    "SECURE_SSL_REDIRECT": "",  # the test process turns it off; production runs with the default
}


def project_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """This process's environment plus overrides (an override of "" removes the variable), writing
    files only under tmp_path: on SQLite unless DATABASE_URL names another database."""
    env = {**os.environ, "DATA_DIR": str(tmp_path)}
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")
    env.update(overrides)
    return {key: value for key, value in env.items() if value != ""}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(command: list[str], env: dict[str, str], ready: str, timeout: float = 60) -> Iterator[Output]:
    """Run a console script of the virtualenv until the block ends, once its output shows `ready`."""
    process = subprocess.Popen(
        [str(BIN / command[0]), *command[1:]],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process)
    try:
        output.wait_for(ready, timeout)
        yield output
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Output:
    """A process's output lines, read by a thread so that the pipe never fills up."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"{pattern!r} did not appear within {timeout} s:\n{''.join(self.lines)}")
