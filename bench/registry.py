"""How does Berth's cached catalog compare with asking the registry itself?

    .venv/bin/python bench/registry.py --repositories 5000

Starts its own Distribution registry (docker-registry) on loopback, pushes
N repositories through the registry API as tiny manifests (one shared config
blob, mounted into each repository, and a manifest per repository), starts
a private Berth web process (throwaway database), registers the registry
through Berth's own form, reads the catalog into Berth (the same code the
refresh job runs, page by page with Link headers), then alternates, --repeat
times:

  raw     GET /v2/_catalog?n=100 straight to the registry, in ms;
  page    an authenticated GET of the registry's first catalog page in Berth
          (warm cache), fully read, in ms;
  search  the same page searching part of a name, in ms.

Prints medians, p90s and page/raw; the last line is one JSON object with
raw_ms, page_ms, search_ms and ratio (page/raw). Target: ratio <= 3.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `bench` importable

import httpx  # noqa: E402

from bench.common import (  # noqa: E402
    ENGINE_URL,
    berth_web,
    exit_cleanly_on_signals,
    free_port,
    log_in,
    median,
    p90,
    private_env,
    say,
    stop_process,
)

TARGET_RATIO = 3.0
WARMUP = 5
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
CONFIG = json.dumps(
    {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}
).encode()
ROW_MARKER = 'class="name mono"'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--threads", type=int, default=16)
    return parser.parse_args()


def start_registry(root: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    port = free_port()
    config = root / "registry.yml"
    config.write_text(
        f"""version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: {root / "data"}
http:
  addr: 127.0.0.1:{port}
"""
    )
    log = (root / "registry.log").open("w")
    process = subprocess.Popen(
        [binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/v2/", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    stop_process(process)
    raise RuntimeError(
        f"the registry did not start: {(root / 'registry.log').read_text()}"
    )


def sha256(data: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_repositories(url: str, count: int, threads: int) -> None:
    """N repositories, each one tiny manifest; the config blob is uploaded once
    and mounted into the others (no bytes moved)."""
    digest = sha256(CONFIG)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": digest, "size": len(CONFIG)},
            "layers": [],
        }
    ).encode()
    first = repository_name(0)
    with httpx.Client(base_url=url, timeout=60) as client:
        start = client.post(f"/v2/{first}/blobs/uploads/")
        start.raise_for_status()
        client.put(
            httpx.URL(url)
            .join(start.headers["location"])
            .copy_merge_params({"digest": digest}),
            content=CONFIG,
        ).raise_for_status()

        def push(index: int) -> None:
            name = repository_name(index)
            if index:
                mounted = client.post(
                    f"/v2/{name}/blobs/uploads/",
                    params={"mount": digest, "from": first},
                )
                if mounted.status_code != 201:
                    raise RuntimeError(f"mount into {name}: {mounted.status_code}")
            client.put(
                f"/v2/{name}/manifests/latest",
                content=manifest,
                headers={"Content-Type": OCI_MANIFEST},
            ).raise_for_status()

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(push, range(count)))


def repository_name(index: int) -> str:
    return f"team-{index % 40:02d}/service-{index:05d}"


def register(web: httpx.Client, registry_url: str) -> str:
    """Register the registry through Berth's form; the catalog page's path."""
    web.get("/registries/add/").raise_for_status()
    response = web.post(
        "/registries/add/",
        data={
            "name": "bench",
            "url": registry_url,
            "verify_tls": "on",
            "csrfmiddlewaretoken": web.cookies["csrftoken"],
        },
    )
    if response.status_code != 302:
        raise RuntimeError(f"registering failed: HTTP {response.status_code}")
    return response.headers["location"]


def refresh(var_dir: Path) -> float:
    """Read the catalog into Berth's database; seconds it took."""
    env = private_env(var_dir, ENGINE_URL)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "refresh_registry_catalog", "bench"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"refresh failed: {result.stdout}{result.stderr}")
    say(result.stdout.strip())
    return time.perf_counter() - started


def timed(call: object) -> float:
    started = time.perf_counter()
    call()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def measure(
    raw: httpx.Client, web: httpx.Client, catalog: str, args: argparse.Namespace
) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"raw": [], "page": [], "search": []}

    def raw_call() -> None:
        response = raw.get("/v2/_catalog", params={"n": 100})
        response.raise_for_status()
        assert len(response.json()["repositories"]) == 100

    def page_call() -> None:
        response = web.get(catalog)
        response.raise_for_status()
        assert response.text.count(ROW_MARKER) >= 50, "the page lists no rows"

    def search_call() -> None:
        response = web.get(catalog, params={"q": query})
        response.raise_for_status()
        assert "10 repositories" in response.text, "search found the wrong rows"

    # Part of a name in the middle of the catalog, matching ten repositories.
    query = f"service-{args.repositories // 20 * 10:05d}"[:-1]

    for _ in range(WARMUP):
        raw_call(), page_call(), search_call()
    for _ in range(args.repeat):
        samples["raw"].append(timed(raw_call))
        samples["page"].append(timed(page_call))
        samples["search"].append(timed(search_call))
    return samples


def main() -> int:
    args = parse_args()
    exit_cleanly_on_signals()
    with tempfile.TemporaryDirectory(prefix="berth-bench-registry-") as temp:
        root = Path(temp)
        registry, registry_url = start_registry(root)
        try:
            say(f"pushing {args.repositories} repositories to {registry_url}")
            started = time.perf_counter()
            push_repositories(registry_url, args.repositories, args.threads)
            say(f"pushed in {time.perf_counter() - started:.1f} s")
            var_dir = root / "berth"
            with berth_web(var_dir, ENGINE_URL) as web_process:
                web = log_in(web_process)
                catalog = register(web, registry_url)
                refresh_s = refresh(var_dir)
                with httpx.Client(base_url=registry_url, timeout=60) as raw:
                    samples = measure(raw, web, catalog, args)
                web.close()
        finally:
            stop_process(registry)
    return report(args, samples, refresh_s)


def report(
    args: argparse.Namespace, samples: dict[str, list[float]], refresh_s: float
) -> int:
    raw_ms, page_ms = median(samples["raw"]), median(samples["page"])
    search_ms = median(samples["search"])
    ratio = page_ms / raw_ms
    print(f"repositories:            {args.repositories}")
    print(f"catalog refresh (Link):  {refresh_s:.2f} s (n={100} per page)")
    for label, key in [
        ("raw _catalog?n=100", "raw"),
        ("Berth catalog page", "page"),
        ("Berth search", "search"),
    ]:
        print(
            f"{label:<24} median {median(samples[key]):7.2f} ms"
            f"   p90 {p90(samples[key]):7.2f} ms"
        )
    print(f"page / raw:              {ratio:.2f} (target <= {TARGET_RATIO:g})")
    print(f"search / raw:            {search_ms / raw_ms:.2f}")
    figures = {
        "repositories": args.repositories,
        "repeat": args.repeat,
        "raw_ms": round(raw_ms, 2),
        "page_ms": round(page_ms, 2),
        "search_ms": round(search_ms, 2),
        "ratio": round(ratio, 2),
        "search_ratio": round(search_ms / raw_ms, 2),
        "refresh_s": round(refresh_s, 2),
        "target_ratio": TARGET_RATIO,
        "pass": ratio <= TARGET_RATIO,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
