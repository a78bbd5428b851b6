"""/healthz and /readyz: no login, one word, 200 or 503.

/healthz is about the web process itself (it serves and reaches its
database); /readyz also needs Redis and the Docker engine.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from django.test import Client, override_settings

from tests.support.live import start_web, subprocess_env

pytestmark = [pytest.mark.django_db, pytest.mark.engine]
CLOSED_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def anonymous():
    return Client()


def test_both_answer_200_to_anonymous_callers_when_all_is_up(anonymous):
    healthz = anonymous.get("/healthz")
    readyz = anonymous.get("/readyz")
    assert (healthz.status_code, healthz.content) == (200, b"ok\n")
    assert (readyz.status_code, readyz.content) == (200, b"ready\n")
    assert healthz["Content-Type"].startswith("text/plain")
    assert "no-cache" in healthz["Cache-Control"]


def test_redis_down_is_not_ready_but_healthy(anonymous):
    with override_settings(REDIS_URL=CLOSED_REDIS):
        readyz = anonymous.get("/readyz")
        healthz = anonymous.get("/healthz")
    assert (readyz.status_code, readyz.content) == (503, b"not ready\n")
    assert healthz.status_code == 200


def test_the_engine_down_is_not_ready_but_healthy(anonymous, tmp_path):
    with override_settings(DOCKER_HOST=f"unix://{tmp_path}/none.sock"):
        readyz = anonymous.get("/readyz")
        healthz = anonymous.get("/healthz")
    assert (readyz.status_code, readyz.content) == (503, b"not ready\n")
    assert healthz.status_code == 200


def test_a_refused_engine_port_is_answered_quickly(anonymous):
    with override_settings(DOCKER_HOST="tcp://127.0.0.1:1"):
        assert anonymous.get("/readyz").status_code == 503


def test_nothing_about_the_failure_leaks(anonymous, tmp_path):
    with override_settings(
        REDIS_URL=CLOSED_REDIS, DOCKER_HOST=f"unix://{tmp_path}/none.sock"
    ):
        body = anonymous.get("/readyz").content.decode()
    assert body == "not ready\n"


def test_they_only_answer_get(anonymous):
    assert anonymous.post("/healthz").status_code == 405
    assert anonymous.post("/readyz").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_a_process_without_its_database_is_unhealthy():
    """A real daphne whose DATABASE_URL points at a closed PostgreSQL port."""
    web = start_web(
        subprocess_env(DATABASE_URL="postgres://berth:x@127.0.0.1:1/berth"),
        ready_path="/healthz",
    )
    try:
        for path in ("/healthz", "/readyz"):
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(f"{web.url}{path}", timeout=10)  # noqa: S310
            assert answer.value.code == 503
            word = "ok" if path == "/healthz" else "ready"
            assert answer.value.read() == f"not {word}\n".encode()
    finally:
        web.stop()


@pytest.mark.django_db(transaction=True)
def test_the_live_server_reaches_the_test_database(berth_server):
    """tests/support/live.py hands subprocesses the test database's URL (on
    PostgreSQL with its credentials): /healthz answers 503 if it is wrong."""
    with urllib.request.urlopen(f"{berth_server.url}/healthz", timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
