"""Berth's live logs against reading the engine directly.

    .venv/bin/python bench/logs.py

Starts a private Berth web process (throwaway database, DOCKER_HOST behind a
counting proxy) and measures, in one run:

  throughput  a container writes 200,000 lines as fast as it can; time to
              read them all straight from the engine with docker-py
              (logs(stream=True), every frame), against the time for a
              websocket client of Berth to receive them all (tail=all on the
              same container: the same log, end to end through Berth);
  latency     a container writes a line every 10 ms; for each line, receipt
              at a websocket client minus the engine's timestamp of the line
              (taken as the log driver reads it from the container);
  fan-out     100 websocket viewers on one container writing numbered
              lines: follow streams Berth opened on the engine (counted by
              the proxy), lines each viewer received (all, or a "skipped"
              marker covering the gap), peak RSS of the web process.

Prints each figure; the last line is one JSON object. Targets: throughput
ratio <= 1.5, p50 <= 20 ms, p99 <= 100 ms, 1 engine stream per process,
RSS <= 250 MB. Everything made is removed on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import docker  # noqa: E402, TID251 (benchmarks drive the engine directly)
from websockets.asyncio.client import connect  # noqa: E402

from bench.common import (  # noqa: E402
    BENCH_LABEL,
    ENGINE_URL,
    berth_web,
    engine_client,
    ensure_busybox_image,
    exit_cleanly_on_signals,
    labelled_containers,
    log_in,
    new_run_id,
    say,
)
from bench.engine_proxy import EngineProxy  # noqa: E402

TARGETS = {"throughput_ratio": 1.5, "p50": 20.0, "p99": 100.0, "streams": 1, "rss": 250}
WAIT_FOR_GO = "while [ ! -e /berth-go ]; do usleep 20000; done; "
QUIET = "; trap 'exit 0' TERM; sleep 3600 & wait"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--latency-lines", type=int, default=600)
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--fanout-lines", type=int, default=3000)
    return parser.parse_args()


class Berth:
    """Websocket access to the private Berth: cookie, origin, base URL."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url = url
        self.ws_url = url.replace("http://", "ws://")
        self.cookie = cookie

    def open(self, path: str) -> Any:
        return connect(
            self.ws_url + path,
            origin=self.url,
            additional_headers={"Cookie": f"sessionid={self.cookie}"},
            max_size=None,
            open_timeout=30,
        )


class Reader:
    """A websocket log client like the page: counts lines, acknowledges."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.frames = 0
        self.lines = 0
        self.skipped = 0
        self.texts: list[str] = []
        self.live = False

    async def next(self) -> dict[str, Any]:
        message = json.loads(await self.socket.recv())
        self.frames += 1
        if self.frames % 8 == 0:
            await self.socket.send(json.dumps({"type": "ack", "frames": self.frames}))
        kind = message["type"]
        if kind == "lines":
            self.lines += len(message["lines"])
        elif kind == "skipped":
            self.skipped += message["count"]
        elif kind == "live":
            self.live = True
        return message


def make(client: docker.APIClient, image: str, run_id: str, script: str) -> str:
    container = client.create_container(
        image, ["sh", "-c", script], labels={BENCH_LABEL: run_id}
    )
    client.start(container["Id"])
    return container["Id"]


def engine_seconds(stamp: str) -> float:
    head, _, fraction = stamp.rstrip("Z").partition(".")
    moment = datetime.fromisoformat(head).replace(tzinfo=UTC)
    return moment.timestamp() + float(f"0.{fraction or '0'}")


# Throughput -----------------------------------------------------------------


def raw_read(client: docker.APIClient, container_id: str, expected: int) -> float:
    started = time.perf_counter()
    count = 0
    for _ in client.logs(container_id, stream=True, follow=False):
        count += 1
    elapsed = time.perf_counter() - started
    if count != expected:
        raise RuntimeError(f"docker-py read {count} lines, expected {expected}")
    return elapsed


async def berth_read(berth: Berth, container_id: str, expected: int) -> float:
    started = time.perf_counter()
    async with berth.open(f"/ws/containers/{container_id}/logs/?tail=all") as ws:
        reader = Reader(ws)
        while not (reader.live and reader.lines + reader.skipped >= expected):
            await reader.next()
        elapsed = time.perf_counter() - started
    if reader.lines != expected:
        raise RuntimeError(
            f"Berth sent {reader.lines} lines (+{reader.skipped} skipped)"
        )
    return elapsed


def throughput(client, berth, image, run_id, lines) -> dict[str, float]:
    container_id = make(client, image, run_id, f"seq 1 {lines}")
    client.wait(container_id, timeout=120)
    expected = lines
    raw_read(client, container_id, expected)  # warm the engine's file cache
    raw_s = raw_read(client, container_id, expected)
    berth_s = asyncio.run(berth_read(berth, container_id, expected))
    raw_again = raw_read(client, container_id, expected)
    raw_s = min(raw_s, raw_again)
    return {
        "raw_s": round(raw_s, 3),
        "berth_s": round(berth_s, 3),
        "throughput_ratio": round(berth_s / raw_s, 3),
        "lines_per_s": round(expected / berth_s),
    }


# Latency --------------------------------------------------------------------


async def latency(berth: Berth, container_id: str, samples: int) -> dict[str, float]:
    delays: list[float] = []
    async with berth.open(f"/ws/containers/{container_id}/logs/?tail=0") as ws:
        reader = Reader(ws)
        while not reader.live:
            await reader.next()
        while len(delays) < samples:
            message = await reader.next()
            now = time.time()
            if message["type"] == "lines":
                delays += [
                    (now - engine_seconds(line[1])) * 1000 for line in message["lines"]
                ]
    delays.sort()
    return {
        "latency_p50_ms": round(statistics.median(delays), 2),
        "latency_p99_ms": round(delays[int(len(delays) * 0.99) - 1], 2),
        "latency_max_ms": round(delays[-1], 2),
        "latency_samples": len(delays),
    }


# Fan-out --------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return 0.0


async def fan_out(
    berth: Berth, client, container_id: str, viewers: int, lines: int, pid: int
) -> dict[str, Any]:
    peak = [rss_mb(pid)]
    stop = threading.Event()

    def watch_rss() -> None:
        while not stop.wait(0.25):
            peak[0] = max(peak[0], rss_mb(pid))

    threading.Thread(target=watch_rss, daemon=True).start()
    sockets = [
        await berth.open(f"/ws/containers/{container_id}/logs/?tail=0").__aenter__()
        for _ in range(viewers)
    ]
    readers = [Reader(ws) for ws in sockets]

    async def until_live(reader: Reader) -> None:
        while not reader.live:
            await reader.next()

    await asyncio.gather(*(until_live(r) for r in readers))
    exec_id = client.exec_create(container_id, ["touch", "/berth-go"])["Id"]
    client.exec_start(exec_id)

    async def read_all(reader: Reader) -> None:
        last = 0
        while reader.lines + reader.skipped < lines:
            message = await reader.next()
            for line in message.get("lines", []):
                number = int(line[2])
                if number <= last:
                    raise RuntimeError(f"line {number} after {last}: out of order")
                last = number

    started = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.gather(*(read_all(r) for r in readers)), 120)
    except TimeoutError:
        counts = [(r.lines, r.skipped) for r in readers]
        tail = client.logs(container_id, tail=3)
        raise RuntimeError(
            f"viewers stalled at {counts}; the log ends {tail!r}"
        ) from None
    seconds = time.monotonic() - started
    stop.set()
    peak[0] = max(peak[0], rss_mb(pid))
    for ws in sockets:
        await ws.close()
    complete = sum(1 for r in readers if r.lines == lines)
    marked = sum(1 for r in readers if r.skipped and r.lines + r.skipped == lines)
    return {
        "viewers": viewers,
        "fanout_lines": lines,
        "fanout_seconds": round(seconds, 2),
        "viewers_with_every_line": complete,
        "viewers_with_skipped_marker": marked,
        "viewers_unaccounted": viewers - complete - marked,
        "rss_mb": round(peak[0], 1),
    }


def follow_streams(proxy: EngineProxy, container_id: str) -> int:
    with proxy._lock:
        return sum(
            1
            for _, path in proxy.requests
            if f"/containers/{container_id}/logs" in path and "follow=1" in path
        )


# Main -------------------------------------------------------------------------


def logged_in(stack: contextlib.ExitStack, web: Any) -> Berth:
    http = log_in(web)
    stack.callback(http.close)
    return Berth(web.url, http.cookies["sessionid"])


def run(args: argparse.Namespace, run_id: str) -> dict[str, Any]:
    client = engine_client()
    image = ensure_busybox_image(client)
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        stack.enter_context(labelled_containers(client, f"{BENCH_LABEL}={run_id}"))
        # Throughput and latency: Berth talks to the engine directly, as
        # docker-py does. Fan-out: a second Berth behind the counting proxy,
        # so the engine streams it opens are counted from outside.
        direct = stack.enter_context(berth_web(Path(tmp) / "direct", ENGINE_URL))
        berth = logged_in(stack, direct)
        say(f"throughput: {args.lines} lines")
        result = throughput(client, berth, image, run_id, args.lines)
        say(f"latency: {args.latency_lines} lines, one every 10 ms")
        ticker = make(
            client, image, run_id, "while true; do echo tick; usleep 10000; done"
        )
        result |= asyncio.run(latency(berth, ticker, args.latency_lines))
        client.kill(ticker)
        proxy = EngineProxy(str(Path(tmp) / "engine.sock")).start()
        stack.callback(proxy.stop)
        web = stack.enter_context(berth_web(Path(tmp) / "proxied", proxy.docker_host))
        berth = logged_in(stack, web)
        say(f"fan-out: {args.viewers} viewers, {args.fanout_lines} lines")
        writer = make(
            client,
            image,
            run_id,
            WAIT_FOR_GO
            + f"i=0; while [ $i -lt {args.fanout_lines} ]; do i=$((i+1)); "
            + "echo $i; usleep 2000; done"
            + QUIET,
        )
        proxy.reset()
        result |= asyncio.run(
            fan_out(berth, client, writer, args.viewers, args.fanout_lines, web.pid)
        )
        result["engine_streams_per_process"] = follow_streams(proxy, writer)
        result["web_processes"] = 1
        return result


def report(result: dict[str, Any]) -> None:
    print(
        f"throughput: docker-py {result['raw_s']} s, Berth websocket "
        f"{result['berth_s']} s ({result['lines_per_s']} lines/s); "
        f"ratio {result['throughput_ratio']} (target <= {TARGETS['throughput_ratio']})"
    )
    print(
        f"latency: p50 {result['latency_p50_ms']} ms (target <= {TARGETS['p50']}), "
        f"p99 {result['latency_p99_ms']} ms (target <= {TARGETS['p99']}), "
        f"max {result['latency_max_ms']} ms over {result['latency_samples']} lines"
    )
    print(
        f"fan-out: {result['viewers']} viewers, {result['fanout_lines']} lines in "
        f"{result['fanout_seconds']} s; every line: "
        f"{result['viewers_with_every_line']}, skipped marker: "
        f"{result['viewers_with_skipped_marker']}, unaccounted: "
        f"{result['viewers_unaccounted']}"
    )
    print(
        f"engine follow streams for that container: "
        f"{result['engine_streams_per_process']} in 1 web process (target 1); "
        f"web RSS peak {result['rss_mb']} MB (target <= {TARGETS['rss']})"
    )
    met = (
        result["throughput_ratio"] <= TARGETS["throughput_ratio"]
        and result["latency_p50_ms"] <= TARGETS["p50"]
        and result["latency_p99_ms"] <= TARGETS["p99"]
        and result["engine_streams_per_process"] == TARGETS["streams"]
        and result["rss_mb"] <= TARGETS["rss"]
        and result["viewers_unaccounted"] == 0
    )
    result["targets_met"] = met
    print(f"targets {'MET' if met else 'MISSED'}")
    print(json.dumps(result))


def main() -> int:
    args = parse_args()
    exit_cleanly_on_signals()
    started = time.monotonic()
    try:
        result = run(args, new_run_id())
    except KeyboardInterrupt:
        say("interrupted; everything made was removed")
        return 130
    say(f"done in {time.monotonic() - started:.1f}s")
    report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
