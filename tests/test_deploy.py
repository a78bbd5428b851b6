"""Berth in containers: docker-compose.yml, .env.example and the image.

The compose checks are fast and run in `make test`. Building the image is
marked `image` (about 2.5 minutes on a cold machine: it first makes a local
python:3.11-slim stand-in with debootstrap) and runs with `make test-image`.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.support.engine import RUN_LABEL, run_labels
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[1]
SOCKET_SERVICES = {"web", "worker", "watcher"}
BASE_IMAGE = "berth-test/python:3.11-slim"
# Variables compose itself reads, not Berth.
COMPOSE_ONLY = {"COMPOSE_PROFILES"}
# Fixed inside the containers by the Dockerfile or compose (DOCKER_SOCKET is
# the host side of DOCKER_HOST), so not settings a .env should change.
FIXED_IN_CONTAINERS = {"DOCKER_HOST", "BERTH_VAR_DIR", "BERTH_STATIC_ROOT"}


def compose_config(
    *args: str, env_file: str = ".env.example"
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "docker-compose",
            "--env-file",
            env_file,
            "-f",
            "docker-compose.yml",
            *args,
            "config",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        # Only what compose needs: the test run's own settings must not leak in.
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")},
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    answer = compose_config("--profile", "postgres")
    assert answer.returncode == 0, answer.stderr
    return yaml.safe_load(answer.stdout)


def test_the_compose_file_is_valid_and_has_every_service(compose):
    assert set(compose["services"]) == {
        "web",
        "worker",
        "beat",
        "watcher",
        "redis",
        "postgres",
    }
    assert compose["services"]["watcher"]["command"] == [
        "python",
        "manage.py",
        "watch_docker",
    ]
    assert compose["services"]["postgres"]["profiles"] == ["postgres"]


def test_the_docker_socket_goes_only_where_the_engine_is_used(compose):
    for name, service in compose["services"].items():
        mounts = [str(v) for v in service.get("volumes", [])]
        has_socket = any(m.endswith("/var/run/docker.sock:rw") for m in mounts)
        assert has_socket == (name in SOCKET_SERVICES), (name, mounts)
        if has_socket:
            assert service["group_add"] == ["999"]  # the socket's group, from .env


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), name
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_sqlite_lives_in_a_named_volume_and_postgres_is_selected_by_url(compose):
    assert "berth-data" in compose["volumes"]
    web = compose["services"]["web"]
    assert "berth-data:/var/lib/berth:rw" in web["volumes"]
    assert (
        web["environment"]["DATABASE_URL"] == "sqlite:////var/lib/berth/berth.sqlite3"
    )
    assert web["ports"] == ["127.0.0.1:8000:8000/tcp"]  # loopback unless told


def test_without_a_secret_key_compose_refuses_to_start(tmp_path):
    empty = tmp_path / "empty.env"
    empty.write_text("")
    answer = compose_config(env_file=str(empty))
    assert answer.returncode != 0
    assert "set SECRET_KEY in .env" in answer.stderr


def settings_variables() -> set[str]:
    source = (ROOT / "console" / "settings.py").read_text()
    found = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))
    found |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', source))
    return found - {"BERTH_TEST_DB"}  # the test suite's own


def test_env_example_lists_every_variable_berth_and_compose_read():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", example, re.M))
    compose = set(
        re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text())
    )
    wanted = (settings_variables() | compose | COMPOSE_ONLY) - FIXED_IN_CONTAINERS
    assert wanted - listed == set()


def test_the_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    missing = {name for name in settings_variables() if f"`{name}`" not in readme}
    assert missing == set()


# The image (slow; `make test-image`).


@pytest.mark.image
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_image_builds_runs_as_berth_and_serves(engine, tmp_path):
    base = _base_image()
    wheels = _wheelhouse(base)
    tag = f"berth-test/berth:{os.getpid()}"
    with _serve(wheels) as url:
        _build(
            engine,
            tag,
            {"BASE_IMAGE": base, "PIP_FIND_LINKS": url, "PIP_NO_INDEX": "1"},
        )
    image = engine.inspect_image(tag)
    assert image["Config"]["User"] == "berth"
    assert image["Config"]["Cmd"][0] == "daphne"
    port = free_port()
    container = engine.create_container(
        tag,
        [
            "sh",
            "-c",
            "python manage.py migrate --noinput -v0 && exec daphne"
            " -b 0.0.0.0 -p 8000 console.asgi:application",
        ],
        environment={
            "SECRET_KEY": "image-test-" + "x" * 40,
            "REDIS_URL": "redis://127.0.0.1:1/0",
        },
        labels=run_labels(),
        ports=[8000],
        host_config=engine.create_host_config(
            port_bindings={8000: ("127.0.0.1", port)}
        ),
    )
    try:
        engine.start(container)
        _wait_healthy(engine, container, f"http://127.0.0.1:{port}/healthz")
        css = urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/css/berth.css", timeout=5
        )  # noqa: S310
        assert css.status == 200  # collected at build time, served by WhiteNoise
        with pytest.raises(urllib.error.HTTPError) as readyz:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10)  # noqa: S310
        assert readyz.value.code == 503  # no Redis, no engine socket: not ready
        uid = _exec(engine, container, ["id", "-u"])
        assert uid.strip() == "10001"
    finally:
        engine.remove_container(container, force=True)


def _base_image() -> str:
    subprocess.run(
        [str(ROOT / "scripts" / "build-test-base.sh"), BASE_IMAGE],
        check=True,
        timeout=600,
    )
    return BASE_IMAGE


def _wheelhouse(base: str) -> Path:
    """The pinned requirements as files, resolved by the base's own Python
    (its 3.11.2 needs async-timeout, the host's may not). The download runs
    in a throwaway container that trusts the host's CA bundle; the image
    build itself then runs with no index at all."""
    digest = hashlib.sha256(
        (ROOT / "requirements.txt").read_bytes()
        + (ROOT / "constraints.txt").read_bytes()
        + base.encode()
    ).hexdigest()[:12]
    wheels = ROOT / "var" / f"wheelhouse-{digest}"
    if (wheels / ".complete").exists():
        return wheels
    wheels.mkdir(parents=True, exist_ok=True)
    ca = os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt"
    subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            "host",
            "--label",
            f"{RUN_LABEL}={run_labels()[RUN_LABEL]}",
            "-e",
            "PIP_CERT=/etc/berth-host-ca.crt",
            "-e",
            "PIP_DISABLE_PIP_VERSION_CHECK=1",
            "-v",
            f"{ca}:/etc/berth-host-ca.crt:ro",
            "-v",
            f"{wheels}:/wheels",
            "-v",
            f"{ROOT / 'requirements.txt'}:/src/requirements.txt:ro",
            "-v",
            f"{ROOT / 'constraints.txt'}:/src/constraints.txt:ro",
            base,
            "sh",
            "-c",
            "python3 -m venv /tmp/v && /tmp/v/bin/pip download -q"
            " -r /src/requirements.txt -c /src/constraints.txt -d /wheels",
        ],
        check=True,
        timeout=300,
    )
    (wheels / ".complete").touch()
    return wheels


class _serve:
    """The wheel house over HTTP on loopback, for the build's pip."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _build(engine, tag: str, buildargs: dict[str, str]) -> None:
    # Host networking lets pip reach the loopback wheel house, nothing else.
    stream = engine.build(
        path=str(ROOT),
        tag=tag,
        buildargs=buildargs,
        network_mode="host",
        labels=run_labels(),
        rm=True,
        forcerm=True,
        decode=True,
    )
    log = []
    for message in stream:
        log.append(message.get("stream", ""))
        if "error" in message or "errorDetail" in message:
            pytest.fail(f"building the image failed: {message}\n{''.join(log)[-3000:]}")


def _wait_healthy(engine, container, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310
                assert answer.read() == b"ok\n"
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    logs = engine.logs(container).decode()[-3000:]
    pytest.fail(f"the container never became healthy:\n{logs}")


def _exec(engine, container, command: list[str]) -> str:
    run = engine.exec_create(container, command)
    return engine.exec_start(run["Id"]).decode()
