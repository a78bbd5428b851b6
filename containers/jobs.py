"""The life of a job: queued by the web, run by a worker, watched live.

`job_start` writes the row and queues its Celery task (one task per kind,
taking the job id). The task calls `run_job`, which hands the service a
`JobContext` for progress, output and cancellation, keeps a heartbeat while
the service runs, and records the outcome. `reap_stale_jobs` fails jobs whose
worker died without a word. Each start, cancel and outcome is audited.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from console.audit import SYSTEM, Actor, record, redact
from console.dockerapi import GatewayError
from console.live import announce
from containers.models import Job
from containers.services import Outcome

log = logging.getLogger(__name__)

ACTIONS = {
    Job.Kind.PULL: "image.pull",
    Job.Kind.BUILD: "image.build",
    Job.Kind.PUSH: "image.push",
    Job.Kind.LAUNCH: "container.launch",
    Job.Kind.REMOVE_IMAGE: "image.remove",
    Job.Kind.PRUNE: "system.prune",
    Job.Kind.REGISTRY_REFRESH: "registry.refresh",
}
# Running a launch twice could make a second container; the others converge.
NOT_REPEATABLE = {Job.Kind.LAUNCH}
MAX_OUTPUT = 512 * 1024
FINAL_STEPS = {
    Job.Status.SUCCEEDED: "Done",
    Job.Status.FAILED: "Failed",
    Job.Status.CANCELLED: "Cancelled",
}
FLUSH_EVERY = 0.25  # seconds between writes of progress to the row and the page
HEARTBEAT_EVERY = 5.0


class JobCancelled(Exception):
    """Raised by a service when it noticed the cancel flag and stopped."""


class JobFailed(Exception):
    """Raised by a service to fail its job with a message for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def job_group(job_id: int) -> str:
    return f"job-{job_id}"


def job_start(
    *, actor: Actor, kind: str, target: str, params: dict[str, Any], team: str = ""
) -> Job:
    """Write the job and queue its task; a job that cannot be queued fails at once."""
    from containers.tasks import TASKS

    user = actor.user if actor.name else None
    # The task id is chosen here and kept on the row, so the task can tell
    # its own job from another that reuses the id (a replayed message, a
    # restored database): see run_job.
    job = Job.objects.create(
        kind=kind,
        target=target[:512],
        team=team,
        params={**params, "_client_ip": actor.client_ip},
        started_by=user,
        task_id=uuid.uuid4().hex,
    )
    record(
        actor,
        "job.start",
        target_type="job",
        target_id=str(job.pk),
        target_name=f"{job.get_kind_display()} {target}",
        team=team,
        params=params,
    )
    try:
        TASKS[kind].apply_async(
            args=[job.pk],
            task_id=job.task_id,
            retry=False,
            queue=settings.BERTH_JOB_QUEUE,
        )
    except Exception as error:  # noqa: BLE001 (the broker's errors vary by transport)
        message = (
            f"Could not be queued: the job queue (Redis) is not reachable ({error})."
        )
        _finish(job, Job.Status.FAILED, error=message)
        record(
            actor,
            ACTIONS[kind],
            target_type="job",
            target_id=str(job.pk),
            target_name=target,
            team=team,
            outcome="failure",
            error=message,
        )
        return job
    return job


def job_cancel(*, actor: Actor, job: Job) -> Outcome:
    """Ask a queued or running pull, build, push or launch to stop."""
    if not job.can_be_cancelled:
        return Outcome(False, f"Job {job.pk} cannot be cancelled now.")
    record(
        actor,
        "job.cancel",
        target_type="job",
        target_id=str(job.pk),
        target_name=job.target,
        team=job.team,
    )
    updated = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED,
        cancel_requested=True,
        finished=timezone.now(),
        error="Cancelled before it started.",
    )
    if updated:
        job.refresh_from_db()
        _audit_outcome(job)
        _announce(job, [])
        return Outcome(True, f"Cancelled job {job.pk} before it started.")
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    return Outcome(True, f"Asked job {job.pk} to stop; it stops at its next step.")


class JobContext:
    """What a running service uses to report progress and notice a cancel."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.percent = job.percent
        self.step = job.step
        self.output = job.output
        self._new_lines: list[str] = []
        self._last_flush = 0.0
        self._last_cancel_check = 0.0
        self._cancelled = False

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params

    @property
    def actor(self) -> Actor:
        """Who started the job, for the audit events its service writes."""
        return job_actor(self.job)

    def progress(self, percent: int | None = None, step: str | None = None) -> None:
        if percent is not None:
            self.percent = max(0, min(100, int(percent)))
        if step is not None:
            self.step = step[:255]
        self.flush()

    def log(self, line: str) -> None:
        line = line.rstrip("\n")
        self.output += line + "\n"
        if len(self.output) > MAX_OUTPUT:
            self.output = "… earlier output trimmed …\n" + self.output[-MAX_OUTPUT:]
        self._new_lines.append(line)
        self.flush()

    def cancelled(self) -> bool:
        """Whether someone asked this job to stop (read at most once a second)."""
        now = time.monotonic()
        if not self._cancelled and now - self._last_cancel_check >= 1.0:
            self._last_cancel_check = now
            self._cancelled = Job.objects.filter(
                pk=self.job.pk, cancel_requested=True
            ).exists()
        return self._cancelled

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise JobCancelled()

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < FLUSH_EVERY:
            return
        self._last_flush = now
        Job.objects.filter(pk=self.job.pk).update(
            percent=self.percent,
            step=self.step,
            output=self.output,
            heartbeat=timezone.now(),
        )
        self.job.percent, self.job.step = self.percent, self.step
        lines, self._new_lines = self._new_lines, []
        _announce(self.job, lines)


Service = Callable[[JobContext], dict[str, Any]]


def run_job(job_id: int, service: Service, task_id: str = "") -> None:
    """Run `service` for the job, from a Celery task; never raises.

    `task_id` is the Celery task's id: a message whose id is not the one
    the job row was queued with is not this job's, and is dropped.
    """
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return  # gone, cancelled while queued, or already reaped
    if task_id and job.task_id and task_id != job.task_id:
        log.warning(
            "task %s is not job %s's (%s); dropped", task_id, job_id, job.task_id
        )
        return
    if job.status == Job.Status.RUNNING and job.kind in NOT_REPEATABLE:
        _finish(
            job,
            Job.Status.FAILED,
            error="The worker was lost while this job "
            "ran; it is not run again because it may have half-finished.",
            audit=True,
        )
        return
    _mark_running(job)
    context = JobContext(job)
    with _Heartbeat(job.pk):
        status, error, result = _call(service, context)
    context.progress(step=FINAL_STEPS[status])
    context.flush(force=True)
    _finish(
        job,
        status,
        error=error,
        result=result,
        percent=100 if status == Job.Status.SUCCEEDED else None,
        audit=True,
    )


def _call(service: Service, context: JobContext) -> tuple[str, str, dict[str, Any]]:
    try:
        result = service(context)
    except JobCancelled:
        return Job.Status.CANCELLED, "Cancelled.", {}
    except (GatewayError, JobFailed) as error:
        return Job.Status.FAILED, error.message, {}
    except SoftTimeLimitExceeded:
        return (
            Job.Status.FAILED,
            f"Took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} s.",
            {},
        )
    except Exception as error:  # noqa: BLE001 (a job must end, whatever happened)
        log.exception("job %s failed unexpectedly", context.job.pk)
        return Job.Status.FAILED, f"Unexpected error: {error}", {}
    if context.cancelled():
        return Job.Status.CANCELLED, "Cancelled.", result or {}
    return Job.Status.SUCCEEDED, "", result or {}


def _mark_running(job: Job) -> None:
    now = timezone.now()
    job.status = Job.Status.RUNNING
    job.started = job.started or now
    job.heartbeat = now
    Job.objects.filter(pk=job.pk).update(
        status=job.status, started=job.started, heartbeat=now
    )
    _announce(job, [])


class _Heartbeat:
    """Touch the job's heartbeat from a thread while the service runs, so a
    long silent step (a slow build) is not mistaken for a dead worker."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.stop = threading.Event()

    def __enter__(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def __exit__(self, *exc: object) -> None:
        self.stop.set()

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.wait(HEARTBEAT_EVERY):
                Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                    heartbeat=timezone.now()
                )
        finally:
            connection.close()


def _finish(
    job: Job,
    status: str,
    *,
    error: str = "",
    result: dict[str, Any] | None = None,
    percent: int | None = None,
    audit: bool = False,
) -> None:
    """Record the end of a job; secret parameters are redacted once it is over.

    With `audit`, the outcome's audit event is written before the row says
    "finished", so whoever sees the job finished also finds its event.
    """
    job.status, job.error, job.finished = status, error, timezone.now()
    if result is not None:
        job.result = result
    if percent is not None:
        job.percent = percent
    if audit:
        _audit_outcome(job)
    job.params = redact(job.params)
    Job.objects.filter(pk=job.pk).update(
        status=job.status,
        error=job.error,
        finished=job.finished,
        result=job.result,
        percent=job.percent,
        params=job.params,
    )
    _announce(job, [])


def _announce(job: Job, lines: list[str]) -> None:
    announce(
        job_group(job.pk), {"type": "job.update", "job": job.snapshot(), "lines": lines}
    )


def job_actor(job: Job) -> Actor:
    return Actor(
        user=job.started_by, client_ip=job.params.get("_client_ip", ""), source="job"
    )


def _audit_outcome(job: Job) -> None:
    actor = job_actor(job)
    outcome = {Job.Status.SUCCEEDED: "success", Job.Status.CANCELLED: "cancelled"}.get(
        job.status, "failure"
    )
    record(
        actor,
        ACTIONS[job.kind],
        target_type="job",
        target_id=str(job.pk),
        target_name=job.target,
        team=job.team,
        outcome=outcome,
        error=job.error,
        params={k: v for k, v in job.result.items() if k != "output"},
    )


def reap_stale_jobs() -> int:
    """Fail running jobs whose worker stopped beating; returns how many."""
    limit = timezone.now() - timedelta(seconds=settings.BERTH_JOB_HEARTBEAT_TIMEOUT)
    stale = list(Job.objects.filter(status=Job.Status.RUNNING, heartbeat__lt=limit))
    for job in stale:
        message = (
            f"Worker lost: no heartbeat for more than "
            f"{settings.BERTH_JOB_HEARTBEAT_TIMEOUT} s."
        )
        if Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED, error=message, finished=timezone.now()
        ):
            job.refresh_from_db()
            _announce(job, [])
            record(
                SYSTEM,
                ACTIONS[job.kind],
                target_type="job",
                target_id=str(job.pk),
                target_name=job.target,
                team=job.team,
                outcome="failure",
                error=message,
            )
    return len(stale)
