"""Jobs from the registry browser, run by a real Celery worker: refreshing a
catalog, pulling a tag to the host with the registry's credentials, and
pushing a local image to a registered registry from the images page."""

from __future__ import annotations

import docker
import pytest
from django.urls import reverse

from console.models import AuditEvent
from containers.models import Job
from registry_browser.browse import endpoint_for
from registry_browser.client import RegistryClient
from tests.registry_browser.conftest import register
from tests.support.engine import build_image, run_labels, unique_name
from tests.support.live import wait_for_job

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


def started_job(response) -> Job:
    assert response.status_code == 302, response.content.decode()[-2000:]
    return Job.objects.latest("id")


def test_refresh_is_a_job_that_fills_the_cached_catalog(
    celery_worker, operator_client, filled_registry
):
    registry = register(filled_registry)
    job = started_job(
        operator_client.post(reverse("registry_browser:refresh", args=[registry.pk]))
    )
    job = wait_for_job(job.pk, timeout=30)
    assert job.status == "succeeded", job.error
    assert job.kind == "registry_refresh" and job.result["repositories"] >= 6
    assert registry.repositories.filter(name="rb/multi").exists()
    assert "repositories in the catalog" in job.output
    event = AuditEvent.objects.get(target_id=str(job.pk), action="registry.refresh")
    assert event.outcome == "success"
    page = operator_client.get(job.get_absolute_url()).content.decode()
    assert "open the catalog" in page and registry.get_absolute_url() in page


def test_a_failed_refresh_keeps_the_old_catalog_and_says_why(
    celery_worker, operator_client, filled_registry
):
    registry = register(filled_registry, password="wrong")
    registry.repositories.create(name="kept/from-before")
    job = started_job(
        operator_client.post(reverse("registry_browser:refresh", args=[registry.pk]))
    )
    job = wait_for_job(job.pk, timeout=30)
    assert job.status == "failed" and "401" in job.error
    registry.refresh_from_db()
    assert "401" in registry.catalog_error
    assert list(registry.repositories.values_list("name", flat=True)) == [
        "kept/from-before"
    ]


def test_pull_to_host_uses_the_registry_credentials(
    celery_worker, operator_client, filled_registry, engine
):
    registry = register(filled_registry)
    reference = f"{registry.host}/rb/busybox:v2"
    try:
        engine.remove_image(reference, force=True)
    except docker.errors.ImageNotFound:
        pass
    job = started_job(
        operator_client.post(
            reverse("registry_browser:pull", args=[registry.key, "rb/busybox"]),
            {"tag": "v2"},
        )
    )
    assert job.kind == "pull" and job.params["username"] == registry.username
    assert filled_registry.password not in str(job.params)
    job = wait_for_job(job.pk, timeout=60)
    assert job.status == "succeeded", job.error
    try:
        engine.inspect_image(reference)
    finally:
        engine.remove_image(reference, force=True)


def test_viewers_cannot_pull_to_host(viewer_client, filled_registry):
    registry = register(filled_registry)
    response = viewer_client.post(
        reverse("registry_browser:pull", args=[registry.key, "rb/busybox"]),
        {"tag": "v2"},
    )
    assert response.status_code == 403 and not Job.objects.exists()
    assert AuditEvent.objects.get(action="image.pull").outcome == "denied"


def test_push_to_a_registered_registry_uses_its_credentials(
    celery_worker, operator_client, filled_registry, engine, busybox_image
):
    registry = register(filled_registry)
    local = f"{unique_name('push')}:v1"
    build_image(engine, local, f"FROM {busybox_image}\nRUN echo pushed > /pushed\n")
    repository = local.split(":")[0]
    page = operator_client.get(reverse("containers:images")).content.decode()
    assert f'<option value="{registry.pk}">private ({registry.host})</option>' in page
    job = started_job(
        operator_client.post(
            reverse("containers:push"),
            {"image": local, "target": f"rb/{repository}:v1", "registry": registry.pk},
        )
    )
    assert job.target == f"{registry.host}/rb/{repository}:v1"
    job = wait_for_job(job.pk, timeout=60)
    assert job.status == "succeeded", job.error
    with RegistryClient(endpoint_for(registry)) as client:
        assert client.tags_page(f"rb/{repository}", 10)[0] == ["v1"]
    start = AuditEvent.objects.get(action="job.start", target_id=str(job.pk))
    assert start.params["registry"] == "private"
    assert start.params["password_sealed"] == "••••••"
    assert AuditEvent.objects.get(action="image.push").outcome == "success"
    engine.remove_image(f"{registry.host}/rb/{repository}:v1", force=True)


def test_push_refuses_a_target_on_another_registry(operator_client, filled_registry):
    registry = register(filled_registry)
    response = operator_client.post(
        reverse("containers:push"),
        {"image": "x", "target": "other.example.com/app:1", "registry": registry.pk},
        follow=True,
    )
    assert "names the registry other.example.com" in response.content.decode()
    assert not Job.objects.exists()


def test_launching_an_image_of_a_private_registry_pulls_with_its_credentials(
    celery_worker, operator_client, filled_registry, engine
):
    registry = register(filled_registry)
    reference = f"{registry.host}/rb/web:1.0"
    try:
        engine.remove_image(reference, force=True)
    except docker.errors.ImageNotFound:
        pass
    tag_page = operator_client.get(
        reverse("registry_browser:tag", args=[registry.key, "rb/web", "1.0"])
    ).content.decode()
    assert "ports=80" in tag_page
    job = started_job(
        operator_client.post(
            reverse("containers:launch"),
            {
                "image": reference,
                "ports": "127.0.0.1::80",
                "restart_policy": "no",
                "team": "blue",
                "memory": "64m",
                "cpus": "0.5",
                "pids": "100",
                "pull": "on",
                "start": "on",
                "labels": "\n".join(f"{k}={v}" for k, v in run_labels().items()),
            },
        )
    )
    assert job.params["registry"] == "private"
    job = wait_for_job(job.pk, timeout=60)
    try:
        assert job.status == "succeeded", job.error
        assert f"Downloaded newer image for {reference}" in job.output
    finally:
        engine.remove_container(job.result.get("container_id", "none"), force=True)
        engine.remove_image(reference, force=True)
