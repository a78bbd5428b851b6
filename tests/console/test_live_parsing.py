"""Unit tests of the live features' pure parts: engine frames and chunked
bodies, long lines, the stats formulas, a viewer's bounded queue."""

from __future__ import annotations

import io
import json

import pytest

from console.dockerapi.logs import (
    PARTIAL_SIZE,
    _multiplexed_batches,
    _tty_batches,
    timestamp_key,
    timestamp_seconds,
)
from console.dockerapi.stats import cpu_percent, memory_used, sample_from_engine
from console.dockerapi.streams import _dechunked
from containers.loghub import Viewer, encode_line

STAMP = "2026-01-02T03:04:05.123456789Z"


def frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def lines_of(batches) -> list:
    return [line for batch in batches for line in batch]


def test_frames_keep_their_stream_even_when_cut_across_reads():
    body = frame(1, f"{STAMP} out\n".encode()) + frame(2, f"{STAMP} err\n".encode())
    chunks = [body[:5], body[5:20], body[20:]]
    lines = lines_of(_multiplexed_batches(iter(chunks)))
    assert [(line.stream, line.text) for line in lines] == [(1, "out"), (2, "err")]
    assert lines[0].timestamp == STAMP


def test_a_line_over_16_kb_is_joined_back_with_its_first_timestamp():
    long = b"x" * (PARTIAL_SIZE + 10)
    later = "2026-01-02T03:04:05.2Z"
    body = frame(1, f"{STAMP} ".encode() + long[:PARTIAL_SIZE])
    body += frame(1, f"{later} ".encode() + long[PARTIAL_SIZE:] + b"\n")
    (line,) = lines_of(_multiplexed_batches(iter([body])))
    assert line.text == long.decode() and line.timestamp == STAMP


def test_tty_output_is_split_into_lines_without_carriage_returns():
    body = f"{STAMP} one\r\n{STAMP} tw".encode()
    rest = "o\r\n2026-01-02T03:04:06Z ünïcode ✓\r\n".encode()
    lines = lines_of(_tty_batches(iter([body, rest])))
    assert [line.text for line in lines] == ["one", "two", "ünïcode ✓"]


def test_a_tty_line_over_16_kb_loses_the_inner_timestamp():
    long = "y" * (PARTIAL_SIZE + 5)
    body = (
        f"{STAMP} {long[:PARTIAL_SIZE]}2026-01-02T03:04:05.2Z {long[PARTIAL_SIZE:]}\n"
    )
    (line,) = lines_of(_tty_batches(iter([body.encode()])))
    assert line.text == long


def test_chunked_bodies_are_decoded_whatever_the_cut():
    payload = [b"hello ", b"chunked ", b"world" * 100]
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in payload) + b"0\r\n\r\n"

    class Reader:
        def __init__(self, cut: int) -> None:
            self.data = io.BytesIO(body)
            self.cut = cut

        def read1(self, size: int) -> bytes:
            return self.data.read(min(size, self.cut))

    for cut in (1, 3, 7, 64, len(body)):
        assert b"".join(_dechunked(Reader(cut))) == b"".join(payload)


def test_timestamps_sort_as_text_and_convert_for_since():
    assert timestamp_key("2026-01-02T03:04:05.1Z") < timestamp_key(STAMP)
    assert timestamp_key("2026-01-02T03:04:05Z") == "2026-01-02T03:04:05.000000000"
    assert timestamp_seconds(STAMP).endswith(".123456789")


def test_cpu_percent_follows_the_docker_cli():
    assert cpu_percent(50, 1000, 2) == pytest.approx(10.0)
    assert cpu_percent(0, 1000, 2) == 0.0
    assert cpu_percent(50, 0, 2) is None


def test_memory_leaves_out_inactive_file_pages_on_both_cgroup_versions():
    v1 = {"usage": 1000, "stats": {"total_inactive_file": 300, "cache": 600}}
    v2 = {"usage": 1000, "stats": {"inactive_file": 200}}
    assert memory_used(v1) == 700 and memory_used(v2) == 800


def test_a_one_shot_sample_gets_its_cpu_from_the_previous_one():
    def raw(total: int, system: int) -> dict:
        return {
            "cpu_stats": {
                "cpu_usage": {"total_usage": total},
                "system_cpu_usage": system,
                "online_cpus": 4,
            },
            "precpu_stats": {},
            "memory_stats": {"usage": 10, "limit": 100, "stats": {}},
        }

    first = sample_from_engine(raw(100, 10_000))
    second = sample_from_engine(raw(600, 20_000), first)
    assert first.cpu_percent is None
    assert second.cpu_percent == pytest.approx(500 / 10_000 * 4 * 100)


def entries(numbers) -> list:
    return [(f"{n:06d}", str(n)) for n in numbers]


async def test_a_viewer_that_falls_behind_loses_its_oldest_lines_and_is_told():
    viewer = Viewer(limit=10)
    viewer.release(None)
    viewer.offer(entries(range(1, 9)))
    viewer.offer(entries(range(9, 15)))
    frames = [json.loads(f) for f in viewer.take(100)]
    assert frames[0] == {"type": "skipped", "count": 4, "c": None}
    assert frames[1]["lines"] == list(range(5, 15))


async def test_one_big_batch_is_never_cut_by_itself():
    viewer = Viewer(limit=10)
    viewer.release(None)
    viewer.offer(entries(range(1, 30)))
    assert json.loads(viewer.take(100)[0])["lines"] == list(range(1, 30))


async def test_lines_already_in_the_tail_are_not_sent_twice():
    viewer = Viewer(limit=100)
    viewer.offer(entries(range(1, 4)))  # queued while the tail was read
    viewer.release("000004")  # the tail ended with line 4
    viewer.offer(entries(range(4, 8)))  # the shared stream catches up, late
    lines = [n for f in viewer.take(100) for n in json.loads(f)["lines"]]
    assert lines == [5, 6, 7]


def test_encoded_lines_are_json_whatever_the_text():
    class Line:
        stream, timestamp, text = 2, STAMP, 'quote " back \\ nul \x00 \x1b[31m é'

    assert json.loads(encode_line(Line())) == [2, STAMP, Line.text]
    assert json.loads(encode_line(Line(), 3))[3] == 3
