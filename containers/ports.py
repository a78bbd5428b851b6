"""Docker's ``-p`` port publishing grammar, parsed and written back.

The grammar is the one go-connections ``nat.ParsePortSpec`` accepts::

    [ip:][hostPort[-end]:]containerPort[-end][/proto]

with a few deliberate differences: whitespace around the separators is
forgiven (``27017 : 27017``), an IPv6 host IP is lowercased, empty brackets
``[]`` are refused rather than read as "no IP", and every error says in words
what is wrong. Pure Python: no Django, no Docker.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

PROTOCOLS = ("tcp", "udp", "sctp")
DEFAULT_PROTOCOL = "tcp"
MAX_PORT = 65535

# ASCII digits only: Python's int() would also take "١٢" or "1_000".
_DIGITS = re.compile(r"[0-9]+")
# A form's text area may hold one spec a line, or several separated by commas.
_SPEC_SEPARATORS = re.compile(r"[,\r\n]")
_LONGEST_SHOWN_NUMBER = 12


@dataclass(frozen=True)
class PortMapping:
    """One container port published (or only exposed) on the host."""

    container_port: int
    protocol: str  # "tcp" | "udp" | "sctp"
    host_ip: str  # "" when none; IPv6 without brackets, e.g. "::1"
    host_port: str  # "" when none, "8080", or a dynamic range "8000-8010"

    def canonical(self) -> str:
        """Return this mapping as the shortest ``-p`` text that means it."""
        return _render(
            self.host_ip, self.host_port, str(self.container_port), self.protocol
        )


@dataclass(frozen=True)
class _PortRange:
    start: int
    end: int

    @property
    def span(self) -> int:
        return self.end - self.start

    def __str__(self) -> str:
        if self.start == self.end:
            return str(self.start)
        return f"{self.start}-{self.end}"


@dataclass(frozen=True)
class _PortSpec:
    """One ``-p`` value before a range is expanded into mappings."""

    host_ip: str
    host_ports: _PortRange | None
    container_ports: _PortRange
    protocol: str

    def mappings(self) -> list[PortMapping]:
        count = self.container_ports.span + 1
        return [
            PortMapping(
                container_port=self.container_ports.start + offset,
                protocol=self.protocol,
                host_ip=self.host_ip,
                host_port=self._host_port_for(offset, count),
            )
            for offset in range(count)
        ]

    def _host_port_for(self, offset: int, count: int) -> str:
        if self.host_ports is None:
            return ""
        if count == 1:
            # A single container port keeps the whole host range: the engine
            # picks a free port from it (a "dynamic" range).
            return str(self.host_ports)
        return str(self.host_ports.start + offset)

    def canonical(self) -> str:
        host_ports = "" if self.host_ports is None else str(self.host_ports)
        return _render(
            self.host_ip, host_ports, str(self.container_ports), self.protocol
        )


def parse_port_spec(spec: str) -> list[PortMapping]:
    """Parse one ``-p`` value into its mappings, one per container port.

    Raises ValueError, saying what is wrong, for anything the grammar refuses.
    """
    return _parse_spec(spec).mappings()


def parse_port_specs(text: str) -> list[PortMapping]:
    """Parse several specs separated by commas or newlines; blanks are ignored.

    The ValueError for a bad spec quotes that spec, so a form can point at it.
    """
    mappings: list[PortMapping] = []
    for piece in _SPEC_SEPARATORS.split(text):
        spec = piece.strip()
        if not spec:
            continue
        try:
            mappings.extend(parse_port_spec(spec))
        except ValueError as error:
            raise ValueError(f"port spec '{spec}': {error}") from error
    return mappings


def format_port_spec(spec: str) -> str:
    """Return the canonical text of a spec, for showing it back in a form.

    Whitespace goes, the protocol is lowercased and ``/tcp`` dropped, an IPv6
    host IP is bracketed and ``8000-8000`` becomes ``8000``. Parsing the result
    gives the same mappings as parsing ``spec``.
    """
    return _parse_spec(spec).canonical()


def to_docker_port_bindings(
    mappings: Iterable[PortMapping],
) -> dict[str, list[tuple[str, str]]]:
    """Build docker-py's ``port_bindings=`` for ``create_host_config``.

    Keys are ``"80/tcp"``; values list ``(host_ip, host_port)`` pairs. An empty
    host port lets the engine choose one, and a range such as ``"8000-8010"``
    is passed through for the engine to pick from.
    """
    bindings: dict[str, list[tuple[str, str]]] = {}
    for mapping in mappings:
        key = f"{mapping.container_port}/{mapping.protocol}"
        bindings.setdefault(key, []).append((mapping.host_ip, mapping.host_port))
    return bindings


def exposed_ports(mappings: Iterable[PortMapping]) -> list[tuple[int, str]]:
    """List ``(port, protocol)`` once each, for ``create_container(ports=...)``."""
    ports = ((mapping.container_port, mapping.protocol) for mapping in mappings)
    return list(dict.fromkeys(ports))


def _render(host_ip: str, host_ports: str, container_ports: str, protocol: str) -> str:
    text = container_ports
    if host_ip:
        text = f"{_bracketed(host_ip)}:{host_ports}:{text}"
    elif host_ports:
        text = f"{host_ports}:{text}"
    if protocol != DEFAULT_PROTOCOL:
        text = f"{text}/{protocol}"
    return text


def _bracketed(host_ip: str) -> str:
    return f"[{host_ip}]" if ":" in host_ip else host_ip


def _parse_spec(spec: str) -> _PortSpec:
    text = spec.strip()
    if not text:
        raise ValueError("the port spec is empty; give a container port such as 80")
    ip_text, host_text, container_text = _split_parts(text)
    container_text, protocol = _split_protocol(container_text)
    host_ip = _parse_host_ip(ip_text)
    container_ports = _parse_range(container_text, "container port")
    host_ports = _parse_range(host_text, "host port") if host_text else None
    _check_range_lengths(host_ports, container_ports)
    return _PortSpec(host_ip, host_ports, container_ports, protocol)


def _split_parts(text: str) -> tuple[str, str, str]:
    """Split into (ip, host ports, container ports[/proto]) texts."""
    if text.startswith("["):
        return _split_bracketed(text)
    parts = [part.strip() for part in text.split(":")]
    if len(parts) == 1:
        return "", "", parts[0]
    # Like go-connections, the last two parts are the ports and everything
    # before them is the IP, which lets an unbracketed IPv6 such as
    # "::1:80:80" through.
    return ":".join(parts[:-2]), parts[-2], parts[-1]


def _split_bracketed(text: str) -> tuple[str, str, str]:
    closing = text.find("]")
    if closing == -1:
        raise ValueError(f"'{text}' opens '[' for an IPv6 address but never closes it")
    ip_text = text[1:closing].strip()
    if not ip_text:
        raise ValueError("the brackets '[]' hold no IP address")
    rest = text[closing + 1 :].strip()
    ports = [part.strip() for part in rest.removeprefix(":").split(":")]
    if not rest.startswith(":") or len(ports) != 2:
        raise ValueError(
            f"after [{ip_text}] give a host port and a container port, "
            f"e.g. [{ip_text}]:8080:80, or [{ip_text}]::80 to let the engine "
            "choose the host port"
        )
    return ip_text, ports[0], ports[1]


def _split_protocol(text: str) -> tuple[str, str]:
    ports_text, _, protocol_text = text.partition("/")
    ports_text = ports_text.strip()
    protocol_text = protocol_text.strip()
    if not ports_text:
        raise ValueError("no container port given; the spec must end with one")
    # An empty protocol ("80/") means tcp, as in go-connections.
    protocol = protocol_text.lower() if protocol_text.isascii() else protocol_text
    protocol = protocol or DEFAULT_PROTOCOL
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol '{protocol_text}' (use tcp, udp or sctp)")
    return ports_text, protocol


def _parse_host_ip(text: str) -> str:
    if not text:
        return ""
    if "%" in text:
        # Python accepts "fe80::1%eth0" but the engine (Go's net.ParseIP) does not.
        raise ValueError(f"'{text}' has an IPv6 zone, which Docker does not accept")
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not an IP address; give an IP such as 127.0.0.1"
        ) from None
    return text.lower()


def _parse_range(text: str, role: str) -> _PortRange:
    start_text, dash, end_text = text.partition("-")
    start_text, end_text = start_text.strip(), end_text.strip()
    if dash and not (start_text and end_text):
        raise ValueError(f"{role} '{text}' is not a port or a range such as 8000-8010")
    start = _parse_port(start_text, role)
    end = _parse_port(end_text, role) if dash else start
    if end < start:
        raise ValueError(
            f"{role} range {start}-{end} runs backwards; write {end}-{start}"
        )
    return _PortRange(start, end)


def _parse_port(text: str, role: str) -> int:
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"{role} '{text}' is not a number{_ip_hint(text)}")
    significant = text.lstrip("0") or "0"
    # Checking the length first keeps int() away from absurdly long input.
    if len(significant) > len(str(MAX_PORT)) or int(significant) > MAX_PORT:
        raise ValueError(f"port {_shortened(significant)} is out of range (0–65535)")
    return int(significant)


def _ip_hint(text: str) -> str:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return ""
    return (
        f" (to publish on {text} and let the engine choose the port, "
        f"write {_bracketed(text)}::PORT)"
    )


def _shortened(number: str) -> str:
    if len(number) <= _LONGEST_SHOWN_NUMBER:
        return number
    return number[:_LONGEST_SHOWN_NUMBER] + "…"


def _check_range_lengths(
    host_ports: _PortRange | None, container_ports: _PortRange
) -> None:
    if host_ports is None or host_ports.span == container_ports.span:
        return
    if container_ports.span == 0:
        return  # a host range for one container port: the engine picks from it
    if host_ports.span == 0:
        raise ValueError(
            f"host port {host_ports} cannot publish the container range "
            f"{container_ports}; give a host range of the same length, e.g. "
            f"{host_ports.start}-{host_ports.start + container_ports.span}"
        )
    raise ValueError(
        f"host range {host_ports} and container range {container_ports} "
        "differ in length"
    )
