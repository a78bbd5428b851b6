"""Celery tasks: a job id in, one service call, nothing else."""

from __future__ import annotations

from celery import Task, shared_task

from containers import expiry, image_jobs, launch
from containers.jobs import reap_stale_jobs as reap
from containers.jobs import run_job
from containers.models import Job
from registry_browser import services as registry_services


@shared_task(bind=True, acks_late=True, ignore_result=True)
def pull_image(self: Task, job_id: int) -> None:
    run_job(job_id, image_jobs.image_pull, self.request.id)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def build_image(self: Task, job_id: int) -> None:
    run_job(job_id, image_jobs.image_build, self.request.id)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def push_image(self: Task, job_id: int) -> None:
    run_job(job_id, image_jobs.image_push, self.request.id)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def launch_container(self: Task, job_id: int) -> None:
    run_job(job_id, launch.container_launch, self.request.id)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def remove_images(self: Task, job_id: int) -> None:
    run_job(job_id, image_jobs.images_remove, self.request.id)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def prune(self: Task, job_id: int) -> None:
    run_job(job_id, image_jobs.system_prune, self.request.id)


@shared_task(acks_late=True, ignore_result=True)
def refresh_registry_catalog(job_id: int) -> None:
    run_job(job_id, registry_services.catalog_refresh)


@shared_task(ignore_result=True)
def reap_stale_jobs() -> int:
    return reap()


@shared_task(ignore_result=True)
def expire_services() -> dict[str, int]:
    return expiry.services_expire()


TASKS = {
    Job.Kind.PULL: pull_image,
    Job.Kind.BUILD: build_image,
    Job.Kind.PUSH: push_image,
    Job.Kind.LAUNCH: launch_container,
    Job.Kind.REMOVE_IMAGE: remove_images,
    Job.Kind.PRUNE: prune,
    Job.Kind.REGISTRY_REFRESH: refresh_registry_catalog,
}
