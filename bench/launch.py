"""How long a launch through Berth takes, against `docker run -d`, in one run.

For an image already present: the wall time from the launch POST to the
container running (web → Celery → engine), and from starting `docker run -d`
to the same, with the same image, command and port mapping. Prints both
medians and their ratio; the last line is one JSON object.

    .venv/bin/python bench/launch.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import docker  # noqa: TID251 (benchmarks drive the engine directly)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    BENCH_LABEL,
    ENGINE_URL,
    ROOT,
    berth_web,
    engine_client,
    ensure_busybox_image,
    exit_cleanly_on_signals,
    log_in,
    median,
    new_run_id,
    p90,
    private_env,
    remove_labelled_containers,
    say,
    stop_process,
)

COMMAND = ["httpd", "-f", "-p", "80"]
TARGET = 1.5
BENCH_REDIS = "redis://127.0.0.1:6379/9"


@contextlib.contextmanager
def celery_worker(env: dict[str, str], log_path: Path) -> Iterator[None]:
    """Berth's worker on the same private database and Redis as the web."""
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "console",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the worker did not start:\n{log_path.read_text()[-3000:]}"
                )
            time.sleep(0.2)
        yield
    finally:
        stop_process(process)


def wait_running(client: docker.APIClient, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = client.containers(filters={"name": f"^/{name}$", "status": "running"})
        if rows:
            return
        time.sleep(0.005)
    raise RuntimeError(f"{name} was not running after {timeout} s")


def docker_run_ms(
    client: docker.APIClient, image: str, name: str, run_id: str
) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            "docker",
            "run",
            "-d",
            "--name",
            name,
            "-p",
            "127.0.0.1::80",
            "--label",
            f"{BENCH_LABEL}={run_id}",
            image,
            *COMMAND,
        ],
        check=True,
        capture_output=True,
    )
    wait_running(client, name)
    return (time.perf_counter() - started) * 1000


def berth_ms(
    http, client: docker.APIClient, image: str, name: str, run_id: str
) -> float:
    started = time.perf_counter()
    response = http.post(
        "/launch/",
        data={
            "image": image,
            "name": name,
            "ports": "127.0.0.1::80",
            "command": " ".join(COMMAND),
            "labels": f"{BENCH_LABEL}={run_id}",
            "restart_policy": "no",
            "memory": "",
            "cpus": "",
            "pids": "",
            "pull": "on",
            "start": "on",
            "csrfmiddlewaretoken": http.cookies["csrftoken"],
        },
    )
    if response.status_code != 302:
        raise RuntimeError(
            f"the launch was refused: HTTP {response.status_code}\n"
            f"{response.text[-2000:]}"
        )
    wait_running(client, name)
    return (time.perf_counter() - started) * 1000


def measure(repeat: int) -> dict[str, float]:
    client = engine_client()
    image = ensure_busybox_image(client)
    run_id = new_run_id()
    raw, berth = [], []
    with tempfile.TemporaryDirectory(prefix="berth-bench-") as folder:
        var_dir = Path(folder)
        extra = {"REDIS_URL": BENCH_REDIS}
        try:
            with (
                berth_web(var_dir, ENGINE_URL, extra) as web,
                celery_worker(
                    private_env(var_dir, ENGINE_URL, extra), var_dir / "worker.log"
                ),
                contextlib.closing(log_in(web)) as http,
            ):
                for index in range(repeat + 2):  # two warm-up rounds
                    first, second = (raw, berth) if index % 2 else (berth, raw)
                    for series in (first, second):
                        kind = "docker" if series is raw else "berth"
                        name = f"bench-launch-{run_id}-{index}-{kind}"
                        if series is raw:
                            value = docker_run_ms(client, image, name, run_id)
                        else:
                            value = berth_ms(http, client, image, name, run_id)
                        if index >= 2:
                            series.append(value)
                    remove_labelled_containers(client, f"{BENCH_LABEL}={run_id}")
        finally:
            remove_labelled_containers(client, f"{BENCH_LABEL}={run_id}")
    return {
        "docker_run_ms": round(median(raw), 1),
        "berth_ms": round(median(berth), 1),
        "ratio": round(median(berth) / median(raw), 3),
        "docker_run_p90_ms": round(p90(raw), 1),
        "berth_p90_ms": round(p90(berth), 1),
        "repeat": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    arguments = parser.parse_args()
    exit_cleanly_on_signals()
    say("measuring launches (docker run -d vs Berth's launch form)")
    figures = measure(arguments.repeat)
    met = figures["ratio"] <= TARGET
    print(
        f"docker run -d:   median {figures['docker_run_ms']:8.1f} ms   "
        f"p90 {figures['docker_run_p90_ms']:8.1f} ms"
    )
    print(
        f"Berth launch:    median {figures['berth_ms']:8.1f} ms   "
        f"p90 {figures['berth_p90_ms']:8.1f} ms"
    )
    print(
        f"ratio Berth/docker run: {figures['ratio']:.2f} (target <= {TARGET}) — "
        f"target {'MET' if met else 'MISSED'}"
    )
    print(json.dumps({**figures, "target_ratio": TARGET, "target_met": met}))


if __name__ == "__main__":
    main()
