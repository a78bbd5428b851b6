"""How much slower is Berth's containers page than the engine's own list call?

    .venv/bin/python bench/list_containers.py --containers 500

Creates N labelled busybox containers (some running), starts a private Berth
web process (throwaway database and var dir) whose DOCKER_HOST is a counting
proxy, logs in through the real login form, then alternates, --repeat times:

  raw   GET /containers/json?all=1 straight to the engine socket (docker-py,
        JSON decoded), in ms;
  page  an authenticated GET /containers/ (first page), fully read, in ms,
        and how many engine requests the proxy saw for it (must be 1).

Prints medians, p90s and page/raw; the last line is one JSON object. Target:
page/raw <= 2.0 at 500 containers. Everything made is removed on the way out.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median_low
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `bench` importable

import docker  # noqa: E402, TID251 (benchmarks drive the engine directly)
import httpx  # noqa: E402

from bench.common import (  # noqa: E402
    BENCH_LABEL,
    berth_web,
    create_containers,
    engine_client,
    ensure_busybox_image,
    exit_cleanly_on_signals,
    labelled_containers,
    log_in,
    median,
    new_run_id,
    p90,
    say,
)
from bench.engine_proxy import EngineProxy  # noqa: E402

TARGET_RATIO = 2.0
WARMUP = 5
ROW_MARKER = '<tr id="container-'


@dataclass
class Samples:
    raw_ms: list[float] = field(default_factory=list)
    raw_via_proxy_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    engine_requests: list[int] = field(default_factory=list)
    engine_paths: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    listed: int = 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--containers", type=int, default=500)
    parser.add_argument("--running", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args()
    if not 0 <= args.running <= args.containers:
        parser.error("--running must lie between 0 and --containers")
    if args.repeat < 1 or args.page_size < 1:
        parser.error("--repeat and --page-size must be at least 1")
    return args


def time_raw(client: docker.APIClient) -> tuple[float, int]:
    started = time.perf_counter()
    rows = client.containers(all=True)
    return (time.perf_counter() - started) * 1000, len(rows)


def time_page(http: httpx.Client, page_size: int) -> tuple[float, int]:
    started = time.perf_counter()
    response = http.get("/containers/")
    body = response.text
    elapsed = (time.perf_counter() - started) * 1000
    rows = body.count(ROW_MARKER)
    if response.status_code != 200 or not 0 < rows <= page_size:
        raise RuntimeError(
            f"/containers/ answered HTTP {response.status_code} with {rows} rows "
            f"(expected 200 and 1-{page_size} rows)"
        )
    return elapsed, rows


def sample_page(
    http: httpx.Client, proxy: EngineProxy, page_size: int, samples: Samples
) -> None:
    proxy.reset()
    elapsed, samples.rows = time_page(http, page_size)
    samples.page_ms.append(elapsed)
    samples.engine_requests.append(proxy.count)
    samples.engine_paths.update(proxy.paths())


def sample_raw(
    raw: docker.APIClient, proxied: docker.APIClient, samples: Samples
) -> None:
    elapsed, samples.listed = time_raw(raw)
    samples.raw_ms.append(elapsed)
    samples.raw_via_proxy_ms.append(time_raw(proxied)[0])


def measure(
    raw: docker.APIClient,
    proxied: docker.APIClient,
    http: httpx.Client,
    proxy: EngineProxy,
    args: argparse.Namespace,
) -> Samples:
    """Warm both paths up, then alternate them so noise hits both alike."""
    for _ in range(WARMUP):
        time_raw(raw)
        time_raw(proxied)
        time_page(http, args.page_size)
    samples = Samples()
    for round_number in range(args.repeat):
        if round_number % 2:
            sample_page(http, proxy, args.page_size, samples)
            sample_raw(raw, proxied, samples)
        else:
            sample_raw(raw, proxied, samples)
            sample_page(http, proxy, args.page_size, samples)
    return samples


def run(args: argparse.Namespace, run_id: str) -> Samples:
    label = f"{BENCH_LABEL}={run_id}"
    with contextlib.ExitStack() as stack:
        scratch = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="berth-bench-"))
        )
        engine = stack.enter_context(contextlib.closing(engine_client()))
        image = ensure_busybox_image(engine)
        stack.enter_context(labelled_containers(engine, label))
        started = time.monotonic()
        create_containers(
            engine,
            count=args.containers,
            running=args.running,
            image=image,
            labels={BENCH_LABEL: run_id},
            name_prefix=f"berth-bench-{run_id}",
        )
        say(
            f"created {args.containers} containers ({args.running} running) "
            f"in {time.monotonic() - started:.1f}s"
        )
        proxy = EngineProxy(str(scratch / "engine.sock")).start()
        stack.callback(proxy.stop)
        web = stack.enter_context(
            berth_web(
                scratch / "var",
                proxy.docker_host,
                {"BERTH_PAGE_SIZE": str(args.page_size)},
            )
        )
        say(f"Berth answers at {web.url} (engine through {proxy.docker_host})")
        http = log_in(web)
        stack.callback(http.close)
        raw = stack.enter_context(
            contextlib.closing(engine_client(version=engine.api_version))
        )
        proxied = stack.enter_context(
            contextlib.closing(
                engine_client(proxy.docker_host, version=engine.api_version)
            )
        )
        say(f"measuring: {WARMUP} warm-up rounds, then {args.repeat} of each")
        return measure(raw, proxied, http, proxy, args)


def figures(samples: Samples, args: argparse.Namespace) -> dict[str, Any]:
    raw_ms, page_ms = median(samples.raw_ms), median(samples.page_ms)
    return {
        "raw_ms": round(raw_ms, 2),
        "page_ms": round(page_ms, 2),
        "ratio": round(page_ms / raw_ms, 3),
        "engine_requests": median_low(samples.engine_requests),
        "engine_requests_max": max(samples.engine_requests),
        "raw_p90_ms": round(p90(samples.raw_ms), 2),
        "page_p90_ms": round(p90(samples.page_ms), 2),
        "raw_via_proxy_ms": round(median(samples.raw_via_proxy_ms), 2),
        "containers": args.containers,
        "running": args.running,
        "listed": samples.listed,
        "rows": samples.rows,
        "page_size": args.page_size,
        "repeat": args.repeat,
        "target_ratio": TARGET_RATIO,
        "target_met": page_ms / raw_ms <= TARGET_RATIO
        and max(samples.engine_requests) == 1,
    }


def report(result: dict[str, Any], samples: Samples) -> None:
    print(
        f"containers: {result['containers']} made ({result['running']} running); "
        f"the engine lists {result['listed']}; page shows {result['rows']} rows"
    )
    print(
        f"raw engine list:  median {result['raw_ms']:8.2f} ms   "
        f"p90 {result['raw_p90_ms']:8.2f} ms"
    )
    print(
        f"containers page:  median {result['page_ms']:8.2f} ms   "
        f"p90 {result['page_p90_ms']:8.2f} ms"
    )
    print(f"(raw list through the counting proxy: {result['raw_via_proxy_ms']} ms)")
    print(f"ratio page/raw:   {result['ratio']:.2f}  (target <= {TARGET_RATIO})")
    paths = ", ".join(f"{path} x{n}" for path, n in samples.engine_paths.items())
    print(
        f"engine requests per page view: median {result['engine_requests']}, "
        f"max {result['engine_requests_max']}  ({paths})"
    )
    verdict = "MET" if result["target_met"] else "MISSED"
    print(
        f"target {verdict}: page/raw {result['ratio']:.2f} vs <= {TARGET_RATIO}, "
        f"{result['engine_requests_max']} engine request(s) per view vs 1"
    )
    print(json.dumps(result))


def main() -> int:
    args = parse_args()
    exit_cleanly_on_signals()
    run_id = new_run_id()
    started = time.monotonic()
    try:
        samples = run(args, run_id)
    except KeyboardInterrupt:
        say("interrupted; everything made was removed")
        return 130
    say(f"done in {time.monotonic() - started:.1f}s")
    report(figures(samples, args), samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
