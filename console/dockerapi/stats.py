"""Container resource usage: CPU (the docker CLI's formula), memory without
the page cache, network and block I/O.

A streamed sample carries the engine's previous reading (`precpu_stats`), so
its CPU % stands alone. A one-shot sample (`one_shot=True`, no priming cycle)
has none: its CPU % comes from the caller's previous sample.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from console.dockerapi.client import engine_call
from console.dockerapi.streams import EngineStream


@dataclass(frozen=True, slots=True)
class StatsSample:
    """One reading of a container's counters and what they mean as usage."""

    read_at: float  # epoch seconds (our clock, when the sample arrived)
    cpu_percent: float | None  # None until two readings exist
    cpu_total: int  # container CPU time, ns
    system_total: int  # host CPU time, ns
    online_cpus: int
    memory_used: int  # usage minus inactive file pages, bytes
    memory_limit: int
    net_rx: int  # bytes since start, all interfaces
    net_tx: int
    block_read: int
    block_write: int
    pids: int

    @property
    def memory_percent(self) -> float:
        if not self.memory_limit:
            return 0.0
        return self.memory_used / self.memory_limit * 100


def cpu_percent(cpu_delta: int, system_delta: int, online_cpus: int) -> float | None:
    """docker/cli's calculateCPUPercentUnix."""
    if system_delta <= 0:
        return None
    if cpu_delta <= 0:
        return 0.0
    return cpu_delta / system_delta * online_cpus * 100.0


def memory_used(memory: dict[str, Any]) -> int:
    """Usage without the page cache the kernel can drop (docker/cli's
    calculateMemUsageUnixNoCache): cgroup v1 total_inactive_file, v2
    inactive_file."""
    usage = int(memory.get("usage") or 0)
    stats = memory.get("stats") or {}
    if "total_inactive_file" in stats:  # cgroup v1
        inactive = int(stats["total_inactive_file"])
    else:
        inactive = int(stats.get("inactive_file") or 0)
    if usage == 0 and stats.get("anon"):  # some cgroup v2 hosts report no usage
        return int(stats["anon"])
    return max(usage - inactive, 0)


def _online_cpus(cpu: dict[str, Any]) -> int:
    return int(
        cpu.get("online_cpus")
        or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or ())
        or 1
    )


def _io_totals(raw: dict[str, Any]) -> tuple[int, int, int, int]:
    rx = tx = read = write = 0
    for net in (raw.get("networks") or {}).values():
        rx += int(net.get("rx_bytes") or 0)
        tx += int(net.get("tx_bytes") or 0)
    blkio = (raw.get("blkio_stats") or {}).get("io_service_bytes_recursive") or ()
    for entry in blkio:
        op = (entry.get("op") or "").lower()
        if op == "read":
            read += int(entry.get("value") or 0)
        elif op == "write":
            write += int(entry.get("value") or 0)
    return rx, tx, read, write


def sample_from_engine(
    raw: dict[str, Any], previous: StatsSample | None = None
) -> StatsSample:
    """A StatsSample from one engine stats document.

    CPU % compares with the document's own precpu_stats when it has them,
    else with `previous` (one-shot samples), else it is None.
    """
    cpu = raw.get("cpu_stats") or {}
    precpu = raw.get("precpu_stats") or {}
    cpu_total = int((cpu.get("cpu_usage") or {}).get("total_usage") or 0)
    system_total = int(cpu.get("system_cpu_usage") or 0)
    online = _online_cpus(cpu)
    percent = None
    if precpu.get("system_cpu_usage"):
        percent = cpu_percent(
            cpu_total - int((precpu.get("cpu_usage") or {}).get("total_usage") or 0),
            system_total - int(precpu["system_cpu_usage"]),
            online,
        )
    elif previous is not None:
        percent = cpu_percent(
            cpu_total - previous.cpu_total,
            system_total - previous.system_total,
            online,
        )
    memory = raw.get("memory_stats") or {}
    rx, tx, read, write = _io_totals(raw)
    return StatsSample(
        read_at=time.time(),
        cpu_percent=percent,
        cpu_total=cpu_total,
        system_total=system_total,
        online_cpus=online,
        memory_used=memory_used(memory),
        memory_limit=int(memory.get("limit") or 0),
        net_rx=rx,
        net_tx=tx,
        block_read=read,
        block_write=write,
        pids=int((raw.get("pids_stats") or {}).get("current") or 0),
    )


def sample_stats(container_id: str, previous: StatsSample | None = None) -> StatsSample:
    """One reading without the engine's priming cycle (about a second)."""
    with engine_call() as api:
        raw = api.stats(container_id, stream=False, one_shot=True)
    return sample_from_engine(raw, previous)


class StatsStream:
    """About one sample a second from the engine, until closed (any thread)."""

    def __init__(self, container_id: str) -> None:
        self._stream = EngineStream(
            "stats", "/containers/{0}/stats", container_id, params={"stream": 1}
        )

    def samples(self) -> Iterator[StatsSample]:
        buffer = b""
        previous = None
        for chunk in self._stream.chunks():
            buffer += chunk
            *documents, buffer = buffer.split(b"\n")
            for document in documents:
                if document.strip():
                    previous = sample_from_engine(json.loads(document), previous)
                    yield previous

    def close(self) -> None:
        self._stream.close()


def open_stats(container_id: str) -> StatsStream:
    """Stream a container's stats; close() it when the viewer leaves."""
    return StatsStream(container_id)
