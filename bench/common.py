"""Helpers the benchmarks share: the test image, labelled containers, and a
private Berth web process (own temp database, own var dir) to measure.

Everything a benchmark makes carries `berth.bench=<run id>` and is removed by
label when the benchmark ends, however it ends.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import docker  # noqa: TID251 (benchmarks drive the engine directly)
import httpx

ROOT = Path(__file__).resolve().parents[1]
ENGINE_URL = "unix:///var/run/docker.sock"
BENCH_LABEL = "berth.bench"
FIXTURE_LABEL = "berth-test.fixture"
BUSYBOX = "berth-test/busybox:latest"
BUSYBOX_BASE = "berth-test/busybox-base:latest"
BUSYBOX_BINARY = Path("/bin/busybox")
BUSYBOX_DOCKERFILE = (
    f"FROM {BUSYBOX_BASE}\n"
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
    'CMD ["sh"]\n'
)
WORKER_THREADS = 16
ASGI_APPLICATION = "console.asgi:application"


def say(message: str) -> None:
    """Progress for people, on stderr, so stdout stays the report."""
    print(f"-- {message}", file=sys.stderr, flush=True)


def new_run_id() -> str:
    return f"{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"


def exit_cleanly_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into SystemExit so exit stacks still clean up."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda number, frame: sys.exit(128 + number))


# The engine -----------------------------------------------------------------


def engine_client(
    base_url: str = ENGINE_URL, version: str = "auto"
) -> docker.APIClient:
    return docker.APIClient(
        base_url=base_url, version=version, timeout=120, max_pool_size=WORKER_THREADS
    )


def _image_exists(client: docker.APIClient, reference: str) -> bool:
    try:
        client.inspect_image(reference)
    except docker.errors.ImageNotFound:
        return False
    return True


def _busybox_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(BUSYBOX_BINARY, arcname="bin/busybox")
    return buffer.getvalue()


def _import_busybox_base(client: docker.APIClient) -> None:
    repository, tag = BUSYBOX_BASE.split(":")
    client.import_image_from_data(
        _busybox_tar(),
        repository=repository,
        tag=tag,
        changes=[f"LABEL {FIXTURE_LABEL}=1"],
    )


def _build_busybox(client: docker.APIClient) -> None:
    stream = client.build(
        fileobj=io.BytesIO(BUSYBOX_DOCKERFILE.encode()),
        tag=BUSYBOX,
        rm=True,
        forcerm=True,  # a failed build leaves no intermediate container behind
        labels={FIXTURE_LABEL: "1"},
        decode=True,
    )
    for message in stream:
        if "error" in message or "errorDetail" in message:
            raise RuntimeError(f"building {BUSYBOX} failed: {message}")


def ensure_busybox_image(client: docker.APIClient) -> str:
    """The static busybox test image, built from /bin/busybox if missing."""
    if _image_exists(client, BUSYBOX):
        return BUSYBOX
    say(f"building {BUSYBOX} from {BUSYBOX_BINARY}")
    if not _image_exists(client, BUSYBOX_BASE):
        _import_busybox_base(client)
    _build_busybox(client)
    return BUSYBOX


def _make_container(
    client: docker.APIClient,
    *,
    image: str,
    name: str,
    labels: dict[str, str],
    start: bool,
) -> str:
    container_id = client.create_container(
        image, ["sleep", "3600"], name=name, labels=labels
    )["Id"]
    if start:
        client.start(container_id)
    return container_id


def create_containers(
    client: docker.APIClient,
    *,
    count: int,
    running: int,
    image: str,
    labels: dict[str, str],
    name_prefix: str,
) -> None:
    """Create `count` containers running `sleep 3600`; start the first `running`."""
    with ThreadPoolExecutor(WORKER_THREADS) as pool:
        futures = [
            pool.submit(
                _make_container,
                client,
                image=image,
                name=f"{name_prefix}-{index:04d}",
                labels=labels,
                start=index < running,
            )
            for index in range(count)
        ]
        try:
            for future in futures:
                future.result()
        except BaseException:
            # Stop queueing work; the caller removes what was made, by label.
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def remove_labelled_containers(client: docker.APIClient, label: str) -> int:
    """Force-remove every container carrying `label` ("key=value"); how many."""
    ids = [row["Id"] for row in client.containers(all=True, filters={"label": label})]
    with ThreadPoolExecutor(WORKER_THREADS) as pool:
        futures = [
            pool.submit(client.remove_container, container_id, force=True, v=True)
            for container_id in ids
        ]
        wait(futures)
    for future in futures:
        error = future.exception()
        if error is not None and not isinstance(error, docker.errors.NotFound):
            say(f"could not remove a container: {error}")
    return len(ids)


@contextlib.contextmanager
def labelled_containers(client: docker.APIClient, label: str) -> Iterator[None]:
    """Remove every container carrying `label` on the way out, whatever happens."""
    try:
        yield
    finally:
        removed = remove_labelled_containers(client, label)
        say(f"removed {removed} containers labelled {label}")


# A private Berth web process -------------------------------------------------


@dataclass(frozen=True)
class BerthWeb:
    """A running Berth web process and the account to log in with."""

    url: str
    username: str
    password: str
    log_path: Path
    pid: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_env(
    var_dir: Path, docker_host: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Berth's environment with its own database and var dir under `var_dir`."""
    (var_dir / "staticfiles").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "console.settings",
            "BERTH_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite3'}",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DOCKER_HOST": docker_host,
            "DEBUG": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("ALLOWED_HOSTS", None)  # the default allows 127.0.0.1
    env.update(extra or {})
    return env


def _manage(env: dict[str, str], *arguments: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}"
        )


def prepare_database(env: dict[str, str]) -> tuple[str, str]:
    """Migrate the private database and make an admin; its username, password."""
    username, password = "bench", secrets.token_urlsafe(16)
    _manage(env, "migrate", "--noinput")
    _manage(
        {**env, "BERTH_ADMIN_USER": username, "BERTH_ADMIN_PASSWORD": password},
        "ensure_admin",
    )
    return username, password


def _log_tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-4000:]


def wait_for_http(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Berth exited early:\n{_log_tail(log_path)}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"Berth did not answer at {url}:\n{_log_tail(log_path)}")


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """End a process we started, by its pid: terminate, then kill."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def berth_web(
    var_dir: Path, docker_host: str, extra_env: dict[str, str] | None = None
) -> Iterator[BerthWeb]:
    """Berth's web process (daphne) on a free loopback port, with a fresh
    database in `var_dir` and DOCKER_HOST pointing at `docker_host`."""
    env = private_env(var_dir, docker_host, extra_env)
    username, password = prepare_database(env)
    port = free_port()
    log_path = var_dir / "web.log"
    daphne = Path(sys.executable).parent / "daphne"
    argv = [str(daphne), "-b", "127.0.0.1", "-p", str(port), ASGI_APPLICATION]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we end it ourselves
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(process, f"{url}/login/", log_path)
        yield BerthWeb(url, username, password, log_path, process.pid)
    except Exception:
        say(f"Berth's log ends with:\n{_log_tail(log_path)}")
        raise
    finally:
        stop_process(process)


def log_in(web: BerthWeb) -> httpx.Client:
    """A keep-alive HTTP client logged in through the real login form."""
    client = httpx.Client(base_url=web.url, timeout=120)
    try:
        client.get("/login/").raise_for_status()
        response = client.post(
            "/login/",
            data={
                "username": web.username,
                "password": web.password,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
        )
        if response.status_code != 302 or "sessionid" not in client.cookies:
            raise RuntimeError(f"logging in failed: HTTP {response.status_code}")
    except BaseException:
        client.close()
        raise
    return client


# Figures --------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p90(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]
