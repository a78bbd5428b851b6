"""With Redis down, a launch or pull is refused in words and pages still work."""

from __future__ import annotations

import time

import httpx
import pytest

from containers.models import Job
from tests.base import PASSWORD, make_user
from tests.support.live import start_web, subprocess_env

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def web_without_redis():
    live = start_web(subprocess_env(REDIS_URL="redis://127.0.0.1:1/3"))
    yield live
    live.stop()


def log_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    client.get("/login/")
    client.post(
        "/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    return client


def test_a_launch_is_refused_and_the_job_says_it_could_not_be_queued(
    web_without_redis, busybox_image
):
    make_user("otto", "operator", ["blue"])
    client = log_in(web_without_redis.url, "otto")
    started = time.monotonic()
    response = client.post(
        "/launch/",
        data={
            "image": busybox_image,
            "restart_policy": "no",
            "team": "blue",
            "memory": "64m",
            "cpus": "0.5",
            "pids": "50",
            "pull": "on",
            "start": "on",
            "name": "never-made",
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    assert time.monotonic() - started < 10
    assert response.status_code == 400
    assert "Could not be queued" in response.text
    assert 'value="never-made"' in response.text  # the form is kept
    job = Job.objects.get()
    assert job.status == "failed" and job.error.startswith("Could not be queued")
    for page in ("/containers/", "/images/", "/jobs/", f"/jobs/{job.pk}/"):
        assert client.get(page).status_code == 200, page
