"""Is a port already taken on this host, and by whom?

Used before a launch so a clash is refused with a name, not left for the
engine to fail on half-way. Containers' published ports are checked from the
engine's list; other processes from the kernel's socket tables (/proc/net),
named through /proc/<pid>/fd when Berth may read them (as root).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from pathlib import Path

ANY_IPV4, ANY_IPV6 = "0.0.0.0", "::"  # noqa: S104 (addresses compared, not bound)
LISTEN = "0A"  # TCP state LISTEN in /proc/net/tcp


def port_is_free(host_ip: str, port: int, protocol: str) -> bool:
    """Whether a socket can bind (host_ip or every address, port) right now."""
    family = socket.AF_INET6 if ":" in host_ip else socket.AF_INET
    kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
    if protocol == "sctp":
        return True  # not checked: SCTP sockets need a kernel module
    with socket.socket(family, kind) as probe:
        try:
            probe.bind((host_ip or ANY_IPV4, port))
        except OSError as error:
            return error.errno not in (errno.EADDRINUSE, errno.EACCES)
    return True


def holder_of(port: int, protocol: str) -> str:
    """A name for the process holding `port` ("nginx (pid 812)"), or ""."""
    inodes = _socket_inodes(port, protocol)
    if not inodes:
        return ""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and wanted & _open_files(proc):
            try:
                name = (proc / "comm").read_text().strip()
            except OSError:
                continue
            return f"{name} (pid {proc.name})"
    return ""


def _open_files(proc: Path) -> set[str]:
    """What a process's file descriptors point at (empty when unreadable)."""
    links = set()
    try:
        descriptors = list((proc / "fd").iterdir())
    except OSError:
        return links
    for descriptor in descriptors:
        try:
            links.add(os.readlink(descriptor))
        except OSError:
            continue  # closed while we looked
    return links


def _socket_inodes(port: int, protocol: str) -> set[str]:
    tables = ("udp", "udp6") if protocol == "udp" else ("tcp", "tcp6")
    inodes = set()
    for table in tables:
        try:
            lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if int(local.rsplit(":", 1)[1], 16) != port:
                continue
            if protocol == "udp" or state == LISTEN:
                inodes.add(inode)
    return inodes


def addresses_overlap(first: str, second: str) -> bool:
    """Whether two bind addresses can clash ("" and 0.0.0.0 mean every address)."""
    wild = {"", ANY_IPV4, ANY_IPV6}
    if first in wild or second in wild:
        return True
    try:
        return ipaddress.ip_address(first) == ipaddress.ip_address(second)
    except ValueError:
        return first == second
