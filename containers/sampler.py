"""CPU and memory for the containers page, sampled in the background.

The page itself never waits on stats (one engine request, always): it asks
/containers/usage/ afterwards, which answers from this per-process cache and
queues fresh one-shot samples for what is stale, a few at a time. A one-shot
sample has no previous reading of the engine's, so CPU % appears from the
second sample of a container on (compared with our own previous one).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings

from console import dockerapi
from console.dockerapi import GatewayError, StatsSample

MAX_AGE = 5.0  # seconds a sample is fresh enough
FORGET_AFTER = 300.0  # drop containers nobody asked about for this long


class UsageSampler:
    """Per-process cache of one-shot stats samples with bounded concurrency."""

    def __init__(self, workers: int) -> None:
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="berth-usage")
        self.samples: dict[str, StatsSample] = {}
        self.taken: dict[str, float] = {}
        self.in_flight: set[str] = set()
        self.lock = threading.Lock()

    def usage(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """What is known for `ids` now; stale or missing ones are queued."""
        now = time.monotonic()
        with self.lock:
            self._forget(now)
            for container_id in ids:
                fresh = now - self.taken.get(container_id, -MAX_AGE) < MAX_AGE
                if container_id not in self.in_flight and not fresh:
                    self.in_flight.add(container_id)
                    self.pool.submit(self._sample, container_id)
            return {
                container_id: usage_json(self.samples[container_id])
                for container_id in ids
                if container_id in self.samples
            }

    def _sample(self, container_id: str) -> None:
        sample = None
        try:
            sample = dockerapi.sample_stats(
                container_id, previous=self.samples.get(container_id)
            )
        except GatewayError:
            pass
        finally:
            with self.lock:
                self.in_flight.discard(container_id)
                self.taken[container_id] = time.monotonic()
                if sample is not None:
                    self.samples[container_id] = sample

    def _forget(self, now: float) -> None:
        for container_id, taken in list(self.taken.items()):
            if now - taken > FORGET_AFTER and container_id not in self.in_flight:
                self.taken.pop(container_id, None)
                self.samples.pop(container_id, None)


def usage_json(sample: StatsSample) -> dict[str, Any]:
    return {
        "cpu": None if sample.cpu_percent is None else round(sample.cpu_percent, 1),
        "mem": sample.memory_used,
        "mem_limit": sample.memory_limit,
        "mem_percent": round(sample.memory_percent, 1),
    }


_sampler: UsageSampler | None = None
_lock = threading.Lock()


def sampler() -> UsageSampler:
    global _sampler
    if _sampler is None:
        with _lock:
            if _sampler is None:
                _sampler = UsageSampler(settings.BERTH_STATS_CONCURRENCY)
    return _sampler
