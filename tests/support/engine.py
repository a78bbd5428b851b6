"""The real Docker engine under the tests.

Every object a test makes carries the label `berth-test.run=<run id>` and is
removed when the session ends (and leftovers of earlier, killed runs are
removed when the next one starts). The busybox base images are kept between
runs as a build cache; they carry `berth-test.fixture=1` instead.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import docker
import pytest

# The pid lets a later run tell a dead run's leftovers from a live run's objects.
RUN_ID = f"{os.getpid()}-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
RUN_LABEL = "berth-test.run"
FIXTURE_LABEL = "berth-test.fixture"
BUSYBOX = "berth-test/busybox:latest"
BUSYBOX_BASE = "berth-test/busybox-base:latest"
# Runs until stopped, and stops at once on SIGTERM (PID 1 ignores it otherwise).
SLEEPER = "trap 'exit 0' TERM; sleep 3600 & wait"


def engine_client() -> docker.APIClient:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        client = docker.APIClient(base_url=host, version="auto", timeout=60)
        client.ping()
    except Exception as error:  # noqa: BLE001
        pytest.fail(
            f"No Docker engine answers at {host} ({error}). The suite needs a real "
            "engine: run it through `make test`, which starts dockerd.",
            pytrace=False,
        )
    return client


def run_labels(**extra: str) -> dict[str, str]:
    return {RUN_LABEL: RUN_ID, **extra}


def unique_name(prefix: str = "t") -> str:
    return f"berth-test-{prefix}-{uuid.uuid4().hex[:8]}"


def remove_labelled(client: docker.APIClient, label: str) -> None:
    """Remove every container, image, volume and network carrying `label`."""
    for row in client.containers(all=True, filters={"label": label}):
        client.remove_container(row["Id"], force=True, v=True)
    for row in client.images(filters={"label": label}):
        try:
            client.remove_image(row["Id"], force=True)
        except docker.errors.APIError:
            pass
    for volume in client.volumes(filters={"label": label}).get("Volumes") or []:
        try:
            client.remove_volume(volume["Name"], force=True)
        except docker.errors.APIError:
            pass
    for network in client.networks(filters={"label": label}):
        try:
            client.remove_network(network["Id"])
        except docker.errors.APIError:
            pass


def dead_runs(client: docker.APIClient) -> set[str]:
    """Run ids on the engine's objects whose test process no longer exists."""
    labels = [
        row.get("Labels") or {}
        for row in client.containers(all=True, filters={"label": RUN_LABEL})
    ]
    labels += [
        row.get("Labels") or {} for row in client.images(filters={"label": RUN_LABEL})
    ]
    labels += [
        v.get("Labels") or {}
        for v in client.volumes(filters={"label": RUN_LABEL}).get("Volumes") or []
    ]
    labels += [
        n.get("Labels") or {} for n in client.networks(filters={"label": RUN_LABEL})
    ]
    return {
        run
        for run in (item.get(RUN_LABEL, "") for item in labels)
        if run and not _process_alive(run.split("-")[0])
    }


def _process_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def engine() -> Iterator[docker.APIClient]:
    client = engine_client()
    for run_id in dead_runs(client):  # leftovers of earlier, killed runs
        remove_labelled(client, f"{RUN_LABEL}={run_id}")
    yield client
    remove_labelled(client, f"{RUN_LABEL}={RUN_ID}")
    client.close()


def _busybox_tar() -> bytes:
    busybox = shutil.which("busybox") or "/bin/busybox"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(busybox, arcname="bin/busybox")
    return buffer.getvalue()


def _image_exists(client: docker.APIClient, ref: str) -> bool:
    try:
        client.inspect_image(ref)
    except docker.errors.ImageNotFound:
        return False
    return True


def build_image(
    client: docker.APIClient,
    tag: str,
    dockerfile: str,
    labels: dict[str, str] | None = None,
) -> str:
    """Build `dockerfile` (no context) and raise if the engine says no."""
    stream = client.build(
        fileobj=io.BytesIO(dockerfile.encode()),
        tag=tag,
        rm=True,
        forcerm=True,  # a failed build leaves no intermediate container behind
        labels=labels or run_labels(),
        decode=True,
    )
    for message in stream:
        if "error" in message or "errorDetail" in message:
            raise RuntimeError(f"building {tag} failed: {message}")
    return client.inspect_image(tag)["Id"]


@pytest.fixture(scope="session")
def busybox_image(engine: docker.APIClient) -> str:
    """A static busybox with its applets installed: built here, never pulled."""
    if not _image_exists(engine, BUSYBOX_BASE):
        _import_base(engine)
    if not _image_exists(engine, BUSYBOX):
        build_image(
            engine,
            BUSYBOX,
            f'FROM {BUSYBOX_BASE}\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
            'CMD ["sh"]\n',
            labels={FIXTURE_LABEL: "1"},
        )
    return BUSYBOX


def _import_base(client: docker.APIClient) -> None:
    repository, tag = BUSYBOX_BASE.split(":")
    client.import_image_from_data(
        _busybox_tar(),
        repository=repository,
        tag=tag,
        changes=[f"LABEL {FIXTURE_LABEL}=1"],
    )


@pytest.fixture
def make_container(
    engine: docker.APIClient, busybox_image: str
) -> Iterator[Callable[..., dict[str, Any]]]:
    """Create (and by default start) a labelled container; removed afterwards."""
    made: list[str] = []

    def make(
        command: str = SLEEPER,
        *,
        team: str = "",
        name: str | None = None,
        start: bool = True,
        labels: dict[str, str] | None = None,
        image: str | None = None,
        publish: dict[int, Any] | None = None,
        **create: Any,
    ) -> dict[str, Any]:
        if publish:
            create["ports"] = list(publish)
            create["host_config"] = engine.create_host_config(port_bindings=publish)
        labels = dict(labels or {})
        if team:
            labels["berth.team"] = team
        container = engine.create_container(
            image or busybox_image,
            ["sh", "-c", command],
            name=name or unique_name(),
            labels=run_labels(**(labels or {})),
            **create,
        )
        made.append(container["Id"])
        if start:
            engine.start(container["Id"])
        return engine.inspect_container(container["Id"])

    yield make
    for container_id in made:
        try:
            engine.remove_container(container_id, force=True, v=True)
        except docker.errors.NotFound:
            pass


HTTPD = "berth-test/httpd:latest"
HTTPD_PAGE = "hello from berth"


@pytest.fixture(scope="session")
def httpd_image(engine: docker.APIClient, busybox_image: str) -> str:
    """busybox httpd serving a known page on port 80."""
    if not _image_exists(engine, HTTPD):
        build_image(
            engine,
            HTTPD,
            (
                f"FROM {busybox_image}\n"
                f"RUN mkdir /www && echo '{HTTPD_PAGE}' > /www/index.html\n"
                "EXPOSE 80\n"
                'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n'
            ),
            labels={FIXTURE_LABEL: "1"},
        )
    return HTTPD


@pytest.fixture(scope="session")
def mongo_standin(engine: docker.APIClient, busybox_image: str) -> str:
    """A local image tagged mongo:latest that listens on 27017 (nothing is pulled)."""
    if not _image_exists(engine, "mongo:latest"):
        build_image(
            engine,
            "mongo:latest",
            (
                f"FROM {busybox_image}\nEXPOSE 27017\n"
                'CMD ["httpd", "-f", "-p", "27017", "-h", "/"]\n'
            ),
            labels={FIXTURE_LABEL: "1"},
        )
    return "mongo:latest"


def build_with_files(
    client: docker.APIClient,
    tag: str,
    dockerfile: str,
    files: dict[str, str],
    labels: dict[str, str],
) -> str:
    """Build from a context holding `files` (executable) next to the Dockerfile."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, text in {"Dockerfile": dockerfile, **files}.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    stream = client.build(
        fileobj=buffer,
        custom_context=True,
        tag=tag,
        rm=True,
        forcerm=True,  # a failed build leaves no intermediate container behind
        labels=labels,
        decode=True,
    )
    for message in stream:
        if "error" in message or "errorDetail" in message:
            raise RuntimeError(f"building {tag} failed: {message}")
    return client.inspect_image(tag)["Id"]


# A stand-in for the catalog's Redis (nothing can be pulled): it runs the
# template's command unchanged, serves inline Redis commands on 6379 with
# AUTH against $REDIS_PASSWORD, and has a redis-cli for the healthcheck.
REDIS_IMAGE = "redis:7.4"
STANDIN_VERSION = "3"
FAKE_REDIS = """#!/bin/sh
# One client connection (from nc -e): inline commands, AUTH against the env.
authed=no
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\\r')
  command=${line%% *}
  argument=${line#* }
  case "$command" in
    AUTH|auth)
      if [ -n "$REDIS_PASSWORD" ] && [ "$argument" = "$REDIS_PASSWORD" ]; then
        authed=yes; printf '+OK\\r\\n'
      else
        printf -- '-WRONGPASS invalid username-password pair\\r\\n'
      fi ;;
    PING|ping)
      if [ "$authed" = yes ]; then printf '+PONG\\r\\n'
      else printf -- '-NOAUTH Authentication required.\\r\\n'; fi ;;
    QUIT|quit) printf '+OK\\r\\n'; exit 0 ;;
    *) printf -- '-ERR unknown command\\r\\n' ;;
  esac
done
"""
REDIS_ENTRYPOINT = """#!/bin/sh
# Stand-in for the redis image's docker-entrypoint.sh (its arguments ignored);
# stops at once on SIGTERM, as Redis does.
trap 'exit 0' TERM
nc -ll -p 6379 -e /usr/local/bin/fake-redis &
wait
"""
REDIS_CLI = """#!/bin/sh
password=""
while [ $# -gt 0 ]; do
  case "$1" in -a) password=$2; shift ;; esac
  shift
done
printf 'AUTH %s\\r\\nPING\\r\\nQUIT\\r\\n' "$password" | nc 127.0.0.1 6379 | tr -d '\\r'
"""


@pytest.fixture(scope="session")
def redis_standin(engine: docker.APIClient, busybox_image: str) -> str:
    """A local image tagged as the catalog's Redis, speaking enough of Redis."""
    try:
        labels = engine.inspect_image(REDIS_IMAGE)["Config"].get("Labels") or {}
    except docker.errors.ImageNotFound:
        labels = None
    if labels is not None and labels.get("berth-test.standin") in (
        None,
        STANDIN_VERSION,
    ):
        return REDIS_IMAGE  # a real Redis, or our stand-in at this version
    build_with_files(
        engine,
        REDIS_IMAGE,
        f"FROM {busybox_image}\n"
        "COPY fake-redis docker-entrypoint.sh redis-cli /usr/local/bin/\n"
        "EXPOSE 6379\n"
        'CMD ["docker-entrypoint.sh", "redis-server"]\n',
        {
            "fake-redis": FAKE_REDIS,
            "docker-entrypoint.sh": REDIS_ENTRYPOINT,
            "redis-cli": REDIS_CLI,
        },
        labels={FIXTURE_LABEL: "1", "berth-test.standin": STANDIN_VERSION},
    )
    return REDIS_IMAGE


@pytest.fixture(scope="session", autouse=True)
def label_what_berth_launches() -> Iterator[None]:
    """Containers and volumes Berth itself creates in the tests (catalog
    services, their volumes) carry the run label, so they are cleaned up."""
    from django.test import override_settings

    os.environ["BERTH_LAUNCH_LABELS"] = f"{RUN_LABEL}={RUN_ID}"  # daphne, worker
    with override_settings(BERTH_LAUNCH_LABELS={RUN_LABEL: RUN_ID}):
        yield
