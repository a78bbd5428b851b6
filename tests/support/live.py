"""Berth's real processes under the tests: daphne (web) and a Celery worker,
started as subprocesses on the test database, and Chromium through Playwright.

Tests that use them must commit their data (`transactional_db`), since the
subprocesses read the database file, not the test's transaction.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_in_range(low: int = 20000, high: int = 29999) -> int:
    """A port of BERTH_PORT_RANGE nothing listens on right now (random start,
    so parallel runs on one machine rarely pick the same one)."""
    import random

    start = random.randint(low, high)  # noqa: S311 (not for security)
    for offset in range(high - low + 1):
        number = low + (start - low + offset) % (high - low + 1)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", number))
            except OSError:
                continue
            return number
    raise RuntimeError(f"no free port in {low}-{high}")


def database_url() -> str:
    """The test database as a URL, for processes started by the tests."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if user else ""
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@dataclass
class LiveProcess:
    """A subprocess started by the tests, ended (by its pid) at teardown."""

    name: str
    process: subprocess.Popen
    log_path: Path
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_process(name: str, argv: list[str], env: dict[str, str]) -> LiveProcess:
    VAR.mkdir(exist_ok=True)
    log_path = VAR / f"test-{name}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return LiveProcess(name=name, process=process, log_path=log_path)


def wait_for_http(live: LiveProcess, url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if live.process.poll() is not None:
            pytest.fail(f"{live.name} exited early:\n{live.log()}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
                return
        except urllib.error.HTTPError:
            return  # it answers, if only with an error status
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{live.name} did not answer at {url}:\n{live.log()}", pytrace=False)


def start_web(env: dict[str, str], ready_path: str = "/login/") -> LiveProcess:
    port = free_port()
    live = start_process(
        f"web-{port}",
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "console.asgi:application",
        ],
        env,
    )
    live.url = f"http://127.0.0.1:{port}"
    wait_for_http(live, f"{live.url}{ready_path}")
    return live


@pytest.fixture(scope="session")
def berth_server(django_db_setup: Any, django_db_blocker: Any) -> Iterator[LiveProcess]:
    """Berth's web process (daphne) on a free loopback port."""
    with django_db_blocker.unblock():
        live = start_web(subprocess_env())
    yield live
    live.stop()


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, which makes
    # Django refuse ORM calls from the test body unless told it is fine.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright: Any) -> Iterator[Any]:
    chromium = _playwright.chromium.launch(
        executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def start_worker(
    env: dict[str, str], name: str = "", queue: str = "celery"
) -> LiveProcess:
    """A Celery worker on the test database and Redis; waits until ready."""
    name = name or f"worker-{free_port()}"
    live = start_process(
        name,
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "console",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--pool",
            "prefork",
            "--hostname",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--queues",
            queue,
        ],
        env,
    )
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if live.process.poll() is not None:
            pytest.fail(f"the worker exited early:\n{live.log()}", pytrace=False)
        if "ready." in live.log_path.read_text(errors="replace"):
            return live
        time.sleep(0.2)
    live.stop()
    pytest.fail(f"the worker did not get ready:\n{live.log()}", pytrace=False)


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[LiveProcess]:
    """A real Celery worker for the session (jobs run in it)."""
    from console.celery import app

    # Tests without a worker queue jobs too; their stale messages would only
    # keep a new worker busy, so the queue starts empty.
    app.control.purge()
    with django_db_blocker.unblock():
        live = start_worker(subprocess_env(BERTH_JOB_HEARTBEAT_TIMEOUT="60"))
    yield live
    live.stop()


def wait_for_job(job_id: int, timeout: float = 60) -> Any:
    """Poll the job row until it has finished; fail with its state if not."""
    from containers.models import Job

    deadline = time.monotonic() + timeout
    job = Job.objects.get(pk=job_id)
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.is_finished and _outcome_audited(job):
            return job
        time.sleep(0.1)
    pytest.fail(
        f"job {job_id} still {job.status} at {job.percent}% after {timeout} s"
        f" ({job.step}):\n{job.output[-2000:]}",
        pytrace=False,
    )


def _outcome_audited(job: Any) -> bool:
    """The worker audits a job's outcome just after it marks the row finished;
    tests that read the audit trail must not look in between."""
    from console.models import AuditEvent
    from containers.jobs import ACTIONS

    return AuditEvent.objects.filter(
        target_id=str(job.pk), action=ACTIONS[job.kind]
    ).exists()


def wait_until(condition: Any, *, timeout: float = 30, what: str = "it") -> None:
    """Poll `condition()` until true; fail saying what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"waited {timeout} s for {what}", pytrace=False)
