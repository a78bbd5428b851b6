"""Small template filters for engine data. None of them marks text safe."""

from __future__ import annotations

import re
from datetime import datetime

from django import template
from django.http import HttpRequest
from django.utils import timezone

from console.dockerapi import PublishedPort
from containers import services

register = template.Library()
ANY_ADDRESS = {"", "0.0.0.0", "::"}  # noqa: S104 (recognised, not bound)
HOST_WITHOUT_PORT = re.compile(r"^(\[[^\]]*\]|[^:]*)")


@register.filter
def port_url(port: PublishedPort, request: HttpRequest | None) -> str:
    """Where a published HTTP-looking port can be opened from this browser."""
    host = port.host_ip
    if host in ANY_ADDRESS:
        # Published on every address: the host the browser already reaches.
        host = HOST_WITHOUT_PORT.match(request.get_host() if request else "").group()
        host = host or "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port.host_port}/"


@register.filter
def published_url(port: dict, request: HttpRequest | None) -> str:
    """port_url for a published port stored in a job's result."""
    return port_url(
        PublishedPort(
            port["container_port"], port["protocol"], port["host_ip"], port["host_port"]
        ),
        request,
    )


@register.filter
def port_spec(binding: dict) -> str:
    """A stored port binding as Docker's canonical -p text."""
    from containers.ports import PortMapping

    return PortMapping(**binding).canonical()


@register.filter
def time_left(moment: datetime | None) -> str:
    """ "2 d 3 h", "45 min", "expired" until `moment`; "no expiry" for None."""
    if moment is None:
        return "no expiry"
    seconds = int((moment - timezone.now()).total_seconds())
    if seconds <= 0:
        return "expired"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


register.filter("short_image", services.short_image)
