"""The host overview against `docker info` and `docker system df`, its health
lines, its audit panel and the background disk-usage refresh."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from django.test import override_settings
from django.urls import reverse

from bench.engine_proxy import EngineProxy
from console import dockerapi, heartbeat
from console.audit import Actor, record
from host import services
from host.models import DiskUsageSnapshot

pytestmark = [pytest.mark.django_db, pytest.mark.engine]


def docker_cli(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def counts_in(body: str) -> dict[str, int]:
    return {
        key: int(value)
        for key, value in re.findall(r'data-count="(\w+)"[^>]*>(\d+)<', body)
    }


def test_the_page_after_login_is_the_overview(client, operator_user):
    from tests.base import PASSWORD

    response = client.post(
        reverse("login"), {"username": "otto", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    body = response.content.decode()
    assert "<h1>Overview</h1>" in body
    assert f'href="{reverse("containers:list")}"' in body  # still in the nav


def test_engine_facts_match_docker_info_and_docker_version(viewer_client):
    info = json.loads(docker_cli("info", "--format", "{{json .}}"))
    version = json.loads(docker_cli("version", "--format", "{{json .Server}}"))
    body = viewer_client.get(reverse("home")).content.decode()
    for fact in (
        info["ServerVersion"],
        version["ApiVersion"],
        info["OperatingSystem"],
        info["KernelVersion"],
        info["Driver"],
        info["DockerRootDir"],
    ):
        assert re.search(rf"<dd[^>]*>{re.escape(fact)}[< ]", body), fact
    assert f"<dt>CPUs</dt><dd>{info['NCPU']}</dd>" in body
    engine = dockerapi.engine_info()
    assert engine.memory == info["MemTotal"]


def test_object_counts_match_the_engine(viewer_client, engine, make_container):
    make_container(start=False)
    # Other test runs share the engine (and may change a figure and change it
    # back meanwhile): a figure is checked once the engine gave the page's
    # number both just before and just after it; a page that is always wrong
    # never gets there.
    unchecked = {"running", "paused", "stopped", "images", "volumes", "networks"}
    for _ in range(30):
        before = _engine_counts(engine)
        shown = counts_in(viewer_client.get(reverse("home")).content.decode())
        after = _engine_counts(engine)
        unchecked -= {k for k in unchecked if before[k] == shown[k] == after[k]}
        if not unchecked:
            return
    pytest.fail(f"never matched: {unchecked} (page {shown}, engine {after})")


def _engine_counts(engine) -> dict[str, int]:
    info = engine.info()
    return {
        "running": info["ContainersRunning"],
        "paused": info["ContainersPaused"],
        "stopped": info["ContainersStopped"],
        "images": info["Images"],
        "volumes": len(engine.volumes().get("Volumes") or ()),
        "networks": len(engine.networks()),
    }


def test_disk_usage_matches_docker_system_df(viewer_client):
    unchecked = {"Images", "Containers", "Local Volumes", "Build Cache"}
    for _ in range(15):
        before = _cli_df()
        snapshot = services.disk_usage_refresh()
        after = _cli_df()
        for line in snapshot.usage.lines:
            if line.kind in unchecked and before[line.kind] == after[line.kind]:
                if _same_line(before[line.kind], line):
                    unchecked.discard(line.kind)
        if not unchecked:
            break
    else:
        pytest.fail(f"never matched: {unchecked}: {after} vs {snapshot.usage}")
    body = viewer_client.get(reverse("home")).content.decode()
    assert 'data-usage="Local Volumes"' in body and "Computed now" in body


def _same_line(row: dict[str, str], line) -> bool:
    """One `docker system df` row against our figures, as the CLI prints them."""
    percent = f" ({line.reclaimable_percent}%)" if line.size else ""
    return (
        (int(row["TotalCount"]), int(row["Active"])) == (line.total, line.active)
        and row["Size"] == docker_size(line.size)
        and row["Reclaimable"] == docker_size(line.reclaimable) + percent
    )


def _cli_df() -> dict[str, dict[str, str]]:
    rows = [
        json.loads(line)
        for line in docker_cli("system", "df", "--format", "{{json .}}").splitlines()
    ]
    return {row["Type"]: row for row in rows}


def docker_size(size: int) -> str:
    """go-units HumanSizeWithPrecision(size, 4): what `docker system df` prints."""
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    value, index = float(size), 0
    while value >= 1000 and index < len(units) - 1:
        value /= 1000
        index += 1
    return f"{value:.4g}{units[index]}"


def test_the_overview_never_runs_df_and_costs_three_requests(viewer_client, tmp_path):
    proxy = EngineProxy(str(tmp_path / "engine.sock")).start()
    try:
        with override_settings(DOCKER_HOST=proxy.docker_host):
            viewer_client.get(reverse("home"))  # makes the client
            proxy.reset()
            assert viewer_client.get(reverse("home")).status_code == 200
            ends = sorted(path.split("/", 2)[-1] for path in proxy.paths())
            assert ends == ["info", "networks", "volumes"], proxy.requests
    finally:
        proxy.stop()


@pytest.mark.django_db(transaction=True)
def test_refresh_sizes_runs_in_the_worker_and_viewers_cannot(
    operator_client, viewer_client, celery_worker
):
    from tests.support.live import wait_until

    assert not DiskUsageSnapshot.objects.exists()
    response = viewer_client.post(reverse("host:refresh_usage"), follow=True)
    assert "Viewers cannot refresh" in response.content.decode()
    response = operator_client.post(
        reverse("host:refresh_usage"), {"next": reverse("host:volumes")}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("host:volumes")
    assert "Computing sizes in the background" in response.content.decode()
    wait_until(
        DiskUsageSnapshot.objects.exists,
        timeout=60,
        what="the worker to store a docker system df",
    )
    assert DiskUsageSnapshot.objects.count() == 1
    response = operator_client.post(reverse("host:refresh_usage"), follow=True)
    assert "computed moments ago" in response.content.decode()


def test_the_tasks_are_registered_and_scheduled(settings):
    from console.celery import app

    app.loader.import_default_modules()
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "host.tasks.refresh_disk_usage",
        "host.tasks.remove_stale_helpers",
    } <= schedule
    assert schedule <= set(app.tasks)


def test_old_snapshots_are_dropped():
    for _ in range(services.KEEP_SNAPSHOTS + 2):
        services.disk_usage_refresh()
    assert DiskUsageSnapshot.objects.count() == services.KEEP_SNAPSHOTS


def test_health_lines_follow_the_heartbeats(viewer_client):
    heartbeat.beat("worker")
    # Nobody beats for the watcher in this test (its process is not running).
    heartbeat._redis().delete(f"{heartbeat.PREFIX}watcher")
    body = viewer_client.get(reverse("home")).content.decode()
    assert re.search(r'data-health="worker">.*?state-running">up', body, re.S)
    assert re.search(r'data-health="watcher">.*?state-exited">down', body, re.S)
    assert re.search(r'data-health="redis">.*?state-running">up', body, re.S)


def test_with_redis_down_the_overview_says_so_and_still_renders(viewer_client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = viewer_client.get(reverse("home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'data-health="redis">.*?state-exited">down', body, re.S)
    assert "unknown: Redis is not reachable" in body
    assert "<dt>Kernel</dt>" in body


def test_with_the_engine_down_the_overview_answers_503_with_health(
    viewer_client, tmp_path
):
    closed = f"unix://{tmp_path}/none.sock"
    with override_settings(DOCKER_HOST=closed):
        response = viewer_client.get(reverse("home"))
    body = response.content.decode()
    assert response.status_code == 503
    assert f"Docker engine at {closed} is not reachable" in body
    assert re.search(r'data-health="engine">.*?state-exited">down', body, re.S)
    assert 'data-health="redis"' in body


def test_admins_see_everyones_events_and_others_only_their_own(
    admin_client, operator_client, admin_user, operator_user, viewer_user
):
    record(Actor(user=viewer_user), "volume.create", target_name="vera-volume")
    record(Actor(user=operator_user), "volume.create", target_name="otto-volume")
    body = admin_client.get(reverse("home")).content.decode()
    assert "Latest audit events" in body
    assert "vera-volume" in body and "otto-volume" in body
    body = operator_client.get(reverse("home")).content.decode()
    assert "Your latest actions" in body
    assert "otto-volume" in body and "vera-volume" not in body


@pytest.mark.django_db
def test_the_overview_lists_the_latest_jobs_one_may_see(operator_client, outsider_user):
    from containers.models import Job

    mine = Job.objects.create(kind="pull", target="alpine:3", team="blue")
    theirs = Job.objects.create(
        kind="pull", target="secret:1", team="red", started_by=outsider_user
    )
    body = operator_client.get("/").content.decode()
    assert 'id="recent-jobs"' in body
    assert mine.get_absolute_url() in body and theirs.get_absolute_url() not in body
