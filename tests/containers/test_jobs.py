"""Jobs in a real Celery worker against the real engine and registry."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import socket
import subprocess
import tarfile
import time
import urllib.request

import docker
import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from django.urls import reverse

from console.audit import REDACTED
from console.models import AuditEvent
from console.routing import websocket_urlpatterns
from containers import image_jobs
from containers.jobs import reap_stale_jobs, run_job
from containers.models import Job
from tests.support.engine import HTTPD_PAGE, build_image, run_labels, unique_name
from tests.support.live import start_worker, subprocess_env, wait_for_job

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def big_image(registry, engine, busybox_image):
    """An image with a 96 MB layer of its own, in the registry only."""
    local = f"{unique_name('big')}:v1"
    build_image(
        engine,
        local,
        f"FROM {busybox_image}\n"
        "RUN dd if=/dev/urandom of=/blob bs=1M count=96 2>/dev/null\n",
    )
    reference = registry.push(engine, local, "berth/big", "v1")
    engine.remove_image(local, force=True)
    return reference


def drop_local(engine, reference: str) -> None:
    try:
        engine.remove_image(reference, force=True)
    except docker.errors.ImageNotFound:
        pass


def start_job(client, url_name: str, **data) -> Job:
    response = client.post(reverse(url_name), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    return Job.objects.latest("id")


async def watch_percents(job: Job, user) -> list[int]:
    """Follow a job over its websocket until it ends; the percents seen."""
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/jobs/{job.pk}/"
    )
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    percents = []
    try:
        while True:
            message = await communicator.receive_json_from(timeout=60)
            percents.append(message["job"]["percent"])
            if message["job"]["finished"]:
                return percents
    finally:
        await communicator.disconnect()


def test_a_pull_job_reports_rising_progress_to_100(
    celery_worker, operator_client, operator_user, big_image, engine
):
    drop_local(engine, big_image)
    job = start_job(operator_client, "containers:pull", reference=big_image)
    percents = async_to_sync(watch_percents)(job, operator_user)
    job = wait_for_job(job.pk)
    assert job.status == "succeeded", job.error
    assert percents == sorted(percents) and percents[-1] == 100
    assert "Pull complete" in job.output
    engine.inspect_image(big_image)
    outcomes = list(
        AuditEvent.objects.filter(target_id=str(job.pk))
        .order_by("id")
        .values_list("action", "outcome")
    )
    assert outcomes == [("job.start", "success"), ("image.pull", "success")]


def test_pulling_a_tag_that_does_not_exist_fails_with_the_registry_message(
    celery_worker, operator_client, registry
):
    reference = f"{registry.host}/berth/nothing-here:missing"
    job = wait_for_job(
        start_job(operator_client, "containers:pull", reference=reference).pk
    )
    assert job.status == "failed"
    assert "not found" in job.error.lower() or "unknown" in job.error.lower()
    assert AuditEvent.objects.get(action="image.pull").outcome == "failure"


def test_a_build_from_a_typed_dockerfile(
    celery_worker, operator_client, engine, busybox_image
):
    tag = f"{unique_name('typed')}:1"
    job = wait_for_job(
        start_job(
            operator_client,
            "containers:build",
            tags=tag,
            dockerfile=f"FROM {busybox_image}\nLABEL {run_labels_line()}\n"
            "RUN echo built > /built\n",
        ).pk
    )
    assert job.status == "succeeded", job.error
    assert "Step 1/3" in job.output
    engine.inspect_image(tag)


def run_labels_line() -> str:
    return " ".join(f'{key}="{value}"' for key, value in run_labels().items())


def test_a_build_from_an_uploaded_context(
    celery_worker, operator_client, engine, busybox_image
):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in {
            "Dockerfile": f"FROM {busybox_image}\nLABEL {run_labels_line()}\n"
            "COPY note.txt /note.txt\n",
            "note.txt": "from the context\n",
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(text)
            tar.addfile(info, io.BytesIO(text.encode()))
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "context.tar.gz"
    tag = f"{unique_name('ctx')}:1"
    job = wait_for_job(
        start_job(operator_client, "containers:build", tags=tag, context=upload).pk
    )
    assert job.status == "succeeded", job.error
    assert "COPY note.txt" in job.output
    engine.inspect_image(tag)


def test_a_broken_dockerfile_fails_with_the_engine_message(
    celery_worker, operator_client, busybox_image
):
    job = wait_for_job(
        start_job(
            operator_client,
            "containers:build",
            tags=f"{unique_name('bad')}:1",
            dockerfile=f"FROM {busybox_image}\nRUN exit 3\n",
        ).pk
    )
    assert job.status == "failed"
    assert "returned a non-zero code: 3" in job.error


def launch(client, image: str, **fields) -> Job:
    data = {
        "image": image,
        "restart_policy": "no",
        "team": "blue",
        "memory": "64m",
        "cpus": "0.5",
        "pids": "100",
        "pull": "on",
        "start": "on",
        "labels": "\n".join(f"{k}={v}" for k, v in run_labels().items()),
    }
    data.update(fields)
    return wait_for_job(start_job(client, "containers:launch", **data).pk)


def fetch(url: str) -> str:
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_launch_with_an_engine_chosen_port_is_reachable_over_http(
    celery_worker, operator_client, httpd_image, engine
):
    job = launch(
        operator_client,
        httpd_image,
        ports="127.0.0.1::8080",
        command="httpd -f -p 8080 -h /www",
    )
    assert job.status == "succeeded", job.error
    published = job.result["published"]
    assert published and published[0]["host_ip"] == "127.0.0.1"
    assert published[0]["container_port"] == 8080
    assert HTTPD_PAGE in fetch(f"http://127.0.0.1:{published[0]['host_port']}/")
    labels = engine.inspect_container(job.result["container_id"])["Config"]["Labels"]
    assert labels["berth.owner"] == "otto" and labels["berth.team"] == "blue"
    page = operator_client.get(job.get_absolute_url()).content.decode()
    assert f"127.0.0.1:{published[0]['host_port']} → 8080/tcp" in page


def test_launch_with_an_explicit_host_port(celery_worker, operator_client, httpd_image):
    from tests.support.live import free_port_in_range

    port = free_port_in_range()
    job = launch(operator_client, httpd_image, ports=f"127.0.0.1:{port}:80")
    assert job.status == "succeeded", job.error
    assert HTTPD_PAGE in fetch(f"http://127.0.0.1:{port}/")


def test_the_classic_example_works_as_typed(
    celery_worker, operator_client, mongo_standin, engine
):
    job = launch(operator_client, "mongo", ports="27017 : 27017")
    assert job.status == "succeeded", job.error
    container = engine.inspect_container(job.result["container_id"])
    assert container["State"]["Running"]
    assert container["NetworkSettings"]["Ports"]["27017/tcp"][0]["HostPort"] == "27017"
    socket.create_connection(("127.0.0.1", 27017), timeout=5).close()


def test_a_container_that_cannot_start_is_removed_unless_kept(
    celery_worker, operator_client, busybox_image, engine
):
    name = unique_name("nostart")
    job = launch(
        operator_client, busybox_image, name=name, entrypoint="/no/such/binary"
    )
    assert job.status == "failed" and "did not start" in job.error
    assert not engine.containers(all=True, filters={"name": name})
    kept = unique_name("kept")
    job = launch(
        operator_client,
        busybox_image,
        name=kept,
        entrypoint="/no/such/binary",
        keep="on",
    )
    assert job.status == "failed"
    assert engine.containers(all=True, filters={"name": kept})


def test_a_running_pull_can_be_cancelled(
    celery_worker, operator_client, big_image, engine
):
    drop_local(engine, big_image)
    job = start_job(operator_client, "containers:pull", reference=big_image)
    deadline = time.monotonic() + 30
    while Job.objects.get(pk=job.pk).status == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    operator_client.post(reverse("containers:job_cancel", args=[job.pk]))
    job = wait_for_job(job.pk)
    assert job.status in ("cancelled", "succeeded")  # it may win the race
    assert AuditEvent.objects.filter(action="job.cancel").exists()


def _wait_running(job_id: int, timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.status == "running" and job.percent > 0:
            return job
        time.sleep(0.02)
    pytest.fail(f"job {job_id} never got going: {Job.objects.get(pk=job_id).status}")


@override_settings(BERTH_JOB_QUEUE="killtest", BERTH_JOB_HEARTBEAT_TIMEOUT=2)
def test_a_job_whose_worker_is_killed_ends_failed_not_stuck(
    operator_client, big_image, engine
):
    drop_local(engine, big_image)
    worker = start_worker(subprocess_env(), queue="killtest")
    try:
        job = start_job(operator_client, "containers:pull", reference=big_image)
        _wait_running(job.pk)
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait()
    finally:
        worker.stop()
    time.sleep(3)
    assert reap_stale_jobs() >= 1
    job = Job.objects.get(pk=job.pk)
    assert job.status == "failed" and "Worker lost" in job.error
    run_job(job.pk, image_jobs.image_pull)  # a late redelivery changes nothing
    assert Job.objects.get(pk=job.pk).status == "failed"


@override_settings(BERTH_JOB_QUEUE="killchild")
def test_a_job_whose_worker_process_dies_is_redelivered_and_finishes(
    operator_client, big_image, engine
):
    drop_local(engine, big_image)
    worker = start_worker(subprocess_env(), queue="killchild")
    try:
        job = start_job(operator_client, "containers:pull", reference=big_image)
        _wait_running(job.pk)
        children = subprocess.run(
            ["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True
        ).stdout.split()
        for child in children:
            os.kill(int(child), signal.SIGKILL)
        job = wait_for_job(job.pk, timeout=90)
    finally:
        worker.stop()
    assert job.status == "succeeded", job.error
    assert "Pull complete" in job.output


def test_jobs_of_others_are_not_visible(
    celery_worker, operator_client, outsider_client, busybox_image
):
    job = launch(operator_client, busybox_image)
    assert outsider_client.get(job.get_absolute_url()).status_code == 404
    assert (
        f"/jobs/{job.pk}/"
        not in outsider_client.get(reverse("containers:jobs")).content.decode()
    )


def test_a_push_job_sends_a_local_image_with_credentials(
    celery_worker, operator_client, auth_registry, engine, busybox_image
):
    target = f"{auth_registry.host}/berth/pushed:v2"
    job = wait_for_job(
        start_job(
            operator_client,
            "containers:push",
            image=busybox_image,
            target=target,
            username=auth_registry.username,
            password=auth_registry.password,
        ).pk
    )
    assert job.status == "succeeded", job.error
    assert job.params["password_sealed"] == REDACTED  # not kept once it is done
    assert auth_registry.password not in json.dumps(job.params)
    request = urllib.request.Request(f"{auth_registry.url}/v2/berth/pushed/tags/list")
    token = base64.b64encode(
        f"{auth_registry.username}:{auth_registry.password}".encode()
    ).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request) as response:  # noqa: S310 (loopback)
        assert json.load(response)["tags"] == ["v2"]
    drop_local(engine, target)


def test_a_push_with_a_wrong_password_fails_in_words(
    celery_worker, operator_client, auth_registry, busybox_image, engine
):
    target = f"{auth_registry.host}/berth/refused:v1"
    job = wait_for_job(
        start_job(
            operator_client,
            "containers:push",
            image=busybox_image,
            target=target,
            username=auth_registry.username,
            password="wrong",
        ).pk
    )
    assert job.status == "failed"
    assert "unauthorized" in job.error.lower() or "authentication" in job.error.lower()
    drop_local(engine, target)


def test_removing_selected_images_is_a_job(
    celery_worker, operator_client, engine, busybox_image
):
    tags = [f"{unique_name('rm')}:1" for _ in range(2)]
    ids = [
        build_image(engine, tag, f"FROM {busybox_image}\nLABEL t={tag}\n")
        for tag in tags
    ]
    job = wait_for_job(
        start_job(operator_client, "containers:images_bulk_remove", images=ids).pk
    )
    assert job.status == "succeeded", job.error
    assert job.result == {"removed": 2}
    for tag in tags:
        assert not engine.images(name=tag.split(":")[0])


def test_prune_is_for_admins_and_removes_only_what_it_is_told(
    celery_worker, admin_client, operator_client, make_container, engine
):
    marker = unique_name("prune")
    stopped = make_container("true", start=False, labels={"berth.probe": marker})
    running = make_container(labels={"berth.probe": marker})
    assert (
        operator_client.post(
            reverse("containers:prune"),
            {"containers": "on", "label": f"berth.probe={marker}"},
        ).status_code
        == 403
    )
    assert AuditEvent.objects.get(action="system.prune").outcome == "denied"
    job = wait_for_job(
        start_job(
            admin_client,
            "containers:prune",
            containers="on",
            label=f"berth.probe={marker}",
        ).pk
    )
    assert job.status == "succeeded", job.error
    assert job.result["containers_removed"] == 1
    assert not engine.containers(all=True, filters={"id": stopped["Id"]})
    assert engine.containers(filters={"id": running["Id"]})
