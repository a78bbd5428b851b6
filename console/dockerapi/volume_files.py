"""Reading a volume's files through a short-lived helper container.

The engine cannot read a volume by itself, so a helper container mounts it
read-only with no network, no capabilities but DAC_READ_SEARCH (to see every
file), no shell: a directory listing runs one fixed `find … -exec stat`
argv (paths are arguments, never shell text), and a download runs no process
at all: the archive API reads the file out of the created, never started
container. The helper is removed afterwards, on errors too, and carries the
`berth.helper` label so a periodic task removes any left by a dead process.
"""

from __future__ import annotations

import contextlib
import io
import secrets
import stat
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.types

from console.dockerapi.client import engine_address, engine_call, stream_client
from console.dockerapi.errors import EngineError, NotFound, translated
from console.dockerapi.types import VolumeEntry, from_timestamp

HELPER_LABEL = "berth.helper"
HELPER_KIND = "volume-browser"
MOUNT_POINT = "/berth-volume"
LIST_TIMEOUT = 30  # seconds a listing may take before it is given up
MAX_ENTRIES = 2000
_GO_MODE_DIR = 1 << 31  # Go's os.ModeDir, as the archive API reports modes
_GO_MODE_SYMLINK = 1 << 27


def clean_path(path: str) -> str:
    """A path inside the volume, relative and normalised; ValueError for any
    attempt to leave it ('..') or other nonsense."""
    parts = [part for part in (path or "").split("/") if part not in ("", ".")]
    if any(part == ".." or "\x00" in part for part in parts):
        raise ValueError("Paths may not contain '..'")
    return "/".join(parts)


def _container_path(relative: str) -> str:
    return f"{MOUNT_POINT}/{relative}" if relative else MOUNT_POINT


def _create_helper(
    api: docker.APIClient, volume: str, image: str, command: list[str]
) -> str:
    host_config = api.create_host_config(
        mounts=[
            docker.types.Mount(
                target=MOUNT_POINT,
                source=volume,
                type="volume",
                read_only=True,
                no_copy=True,
            )
        ],
        network_mode="none",
        read_only=True,
        cap_drop=["ALL"],
        cap_add=["DAC_READ_SEARCH"],
        security_opt=["no-new-privileges"],
        pids_limit=16,
        mem_limit="64m",
    )
    try:
        created = api.create_container(
            image,
            command=command,
            user="0",
            network_disabled=True,
            labels={HELPER_LABEL: HELPER_KIND, "berth.volume": volume},
            host_config=host_config,
        )
    except docker.errors.ImageNotFound as error:
        raise NotFound(
            f"The helper image {image} is not on this engine: pull it, or set "
            "BERTH_HELPER_IMAGE to an image that is (it needs find and stat)"
        ) from error
    return created["Id"]


def _remove_helper(api: docker.APIClient, container_id: str) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        api.remove_container(container_id, force=True)


def list_volume_dir(volume: str, path: str, *, image: str) -> list[VolumeEntry]:
    """The entries of one directory of a volume (at most MAX_ENTRIES)."""
    target = _container_path(clean_path(path)) + "/"
    marker = secrets.token_hex(8)  # a file name cannot forge an unseen marker
    command = ["find", target, "-mindepth", "1", "-maxdepth", "1", "-exec"]
    command += ["stat", "-c", f"{marker}%f %s %Y %n", "{}", "+"]
    with engine_call() as api:
        api.inspect_volume(volume)  # a mount of a missing volume would create it
        helper = _create_helper(api, volume, image, command)
        try:
            api.start(helper)
            status = api.wait(helper, timeout=LIST_TIMEOUT).get("StatusCode", -1)
            output = api.logs(helper, stdout=True, stderr=False)
            errors = api.logs(helper, stdout=False, stderr=True)
        finally:
            _remove_helper(api, helper)
    if status != 0 and not output:
        text = errors.decode(errors="replace").strip()
        if "No such file" in text or "Not a directory" in text:
            raise NotFound(f"No directory {path or '/'} in volume {volume}")
        raise EngineError(f"Listing {path or '/'} failed: {text[:300]}")
    return _parse_listing(output.decode(errors="replace"), marker, target)


def _parse_listing(output: str, marker: str, target: str) -> list[VolumeEntry]:
    entries = []
    for chunk in output.split(marker)[1:]:
        head, _, full_path = chunk.removesuffix("\n").partition(" ")
        size, _, rest = full_path.partition(" ")
        mtime, _, name = rest.partition(" ")
        try:
            mode = int(head, 16)
        except ValueError:
            continue
        entries.append(
            VolumeEntry(
                name=name.removeprefix(target),
                kind=_kind(mode),
                size=int(size) if size.isdigit() else 0,
                modified=from_timestamp(int(mtime)) if mtime.isdigit() else None,
            )
        )
    entries.sort(key=lambda entry: (not entry.is_dir, entry.name))
    return entries[:MAX_ENTRIES]


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "link"
    return "other"


@dataclass
class VolumeFile:
    """One file being read out of a volume: iterate `chunks`, then `close()`
    (closing early, e.g. when the browser goes away, cleans up too)."""

    name: str
    size: int
    chunks: Iterator[bytes]
    _stack: contextlib.ExitStack
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self) -> None:
        """Idempotent, and safe from any thread (the end of the stream and
        the response's own close may both call it)."""
        with self._lock:
            self._stack.close()


def open_volume_file(
    volume: str, path: str, *, image: str, chunk_size: int = 64 * 1024
) -> VolumeFile:
    """Start streaming one regular file of a volume, without reading it all.

    Raises NotFound for a missing path and EngineError for a directory or a
    link; the helper is gone by then. Otherwise the caller must `close()`.
    """
    relative = clean_path(path)
    if not relative:
        raise EngineError("Choose a file to download, not the volume itself")
    # Closed in reverse: the archive stream, the helper, then the client.
    stack = contextlib.ExitStack()
    try:
        with translated(engine_address()):
            api = stack.enter_context(stream_client())
            api.inspect_volume(volume)
            helper = _create_helper(api, volume, image, ["true"])
            stack.callback(_remove_helper, api, helper)
            stream, info = api.get_archive(
                helper, _container_path(relative), chunk_size
            )
            stack.callback(_close_quietly, stream)
            _refuse_non_files(info, path)
    except BaseException:
        stack.close()
        raise
    return VolumeFile(
        name=info.get("name") or "download",
        size=int(info.get("size") or 0),
        chunks=_file_chunks(stream, chunk_size),
        _stack=stack,
    )


def _refuse_non_files(info: dict[str, Any], path: str) -> None:
    mode = int(info.get("mode") or 0)
    if mode & _GO_MODE_DIR:
        raise EngineError(f"{path} is a directory: open it instead")
    if mode & _GO_MODE_SYMLINK:
        raise EngineError(f"{path} is a symbolic link: follow it by hand")


def _close_quietly(stream: Any) -> None:
    with contextlib.suppress(Exception):
        stream.close()


class _ChunkReader(io.RawIOBase):
    """The archive API's chunk generator as a file, for tarfile's stream mode."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def _file_chunks(stream: Iterator[bytes], chunk_size: int) -> Iterator[bytes]:
    reader = io.BufferedReader(_ChunkReader(stream), buffer_size=chunk_size)
    with tarfile.open(fileobj=reader, mode="r|") as archive:
        member = archive.next()
        if member is None or not member.isfile():
            return
        source = archive.extractfile(member)
        while chunk := source.read(chunk_size):
            yield chunk


def remove_stale_helpers(*, older_than: float = 600, label: str = "") -> int:
    """Remove helpers left behind by a process that died mid-way (`label`
    narrows it further, e.g. to one test run's)."""
    removed = 0
    labels = [HELPER_LABEL, label] if label else [HELPER_LABEL]
    with engine_call() as api:
        rows = api.containers(all=True, filters={"label": labels})
        for row in rows:
            if time.time() - float(row.get("Created") or 0) >= older_than:
                _remove_helper(api, row["Id"])
                removed += 1
    return removed
