"""A real Distribution registry (Debian's docker-registry) on loopback.

Started by the tests with a config they write: filesystem storage in a temp
dir, delete enabled, and htpasswd auth for the `auth_registry` flavour. The
engine pushes to and pulls from 127.0.0.1:<port> over plain HTTP, which it
allows for loopback registries.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from tests.support.live import free_port

REGISTRY_BINARY = shutil.which("docker-registry") or "/usr/bin/docker-registry"
REGISTRY_USER = "berth"
REGISTRY_PASSWORD = "registry-password-1"


@dataclass
class Registry:
    host: str  # "127.0.0.1:PORT"
    process: subprocess.Popen
    root: Path
    username: str = ""
    password: str = ""

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def push(
        self, engine: docker.APIClient, local: str, repository: str, tag: str = "latest"
    ) -> str:
        """Tag `local` as host/repository:tag, push it, and untag it again."""
        target = f"{self.host}/{repository}"
        engine.tag(local, target, tag)
        auth = (
            {"username": self.username, "password": self.password}
            if self.username
            else None
        )
        try:
            for message in engine.push(
                target, tag, stream=True, decode=True, auth_config=auth
            ):
                if "error" in message or "errorDetail" in message:
                    raise RuntimeError(f"push of {target}:{tag} failed: {message}")
        finally:
            engine.remove_image(f"{target}:{tag}", noprune=True)
        return f"{target}:{tag}"


def _config(root: Path, port: int, htpasswd: Path | None) -> str:
    auth = ""
    if htpasswd is not None:
        auth = f"""
auth:
  htpasswd:
    realm: berth-test
    path: {htpasswd}
"""
    return f"""version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {root / "data"}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:{port}
  headers:
    X-Content-Type-Options: [nosniff]
{auth}"""


def start_registry(root: Path, *, with_auth: bool) -> Registry:
    if not Path(REGISTRY_BINARY).exists():
        pytest.fail(
            "docker-registry is not installed; run the suite through "
            "`make test`, which installs it.",
            pytrace=False,
        )
    root.mkdir(parents=True, exist_ok=True)
    htpasswd = None
    if with_auth:
        htpasswd = root / "htpasswd"
        line = subprocess.run(
            ["htpasswd", "-Bbn", REGISTRY_USER, REGISTRY_PASSWORD],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        htpasswd.write_text(line)
    port = free_port()
    config = root / "config.yml"
    config.write_text(_config(root, port, htpasswd))
    log = (root / "registry.log").open("w")
    process = subprocess.Popen(
        [REGISTRY_BINARY, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    registry = Registry(host=f"127.0.0.1:{port}", process=process, root=root)
    if with_auth:
        registry.username, registry.password = REGISTRY_USER, REGISTRY_PASSWORD
    _wait_until_up(registry)
    return registry


def _wait_until_up(registry: Registry) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{registry.url}/v2/", timeout=1)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # 401 from an auth registry: it is up
        except OSError:
            time.sleep(0.1)
    log = (registry.root / "registry.log").read_text()
    registry.stop()
    pytest.fail(f"docker-registry did not start:\n{log}", pytrace=False)


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """An open registry (no auth), delete enabled."""
    started = start_registry(tmp_path_factory.mktemp("registry"), with_auth=False)
    yield started
    started.stop()


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry with htpasswd (Basic) auth: REGISTRY_USER / REGISTRY_PASSWORD."""
    started = start_registry(tmp_path_factory.mktemp("auth-registry"), with_auth=True)
    yield started
    started.stop()
