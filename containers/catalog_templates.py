"""The service catalog's templates: YAML files in, checked rows out, and the
{{ placeholder }} filling done per launch.

A template may use {{ name }} placeholders: every name listed in `secrets`
gets a fresh random value per launch, `host` is where the service is
reached, `port` the first port's host port, `port_<container port>` any
other's, and `name` the container's name. Secrets may appear only in `env`
and in what the service page shows (connection, credentials, links): a
command line or a healthcheck is readable by anyone who may see the
container, so a secret there would leak to viewers.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from pathlib import Path
from typing import Any

import yaml

from console.audit import looks_secret
from containers.models import ServiceTemplate
from containers.ports import PROTOCOLS
from containers.references import normalize_image_reference

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
SECRET_ALPHABET = string.ascii_letters + string.digits
SECRET_LENGTH = 24
HEALTH_TIMES = ("interval", "timeout", "start_period")


def parse_template(data: Any, *, source: str = "") -> dict[str, Any]:
    """ServiceTemplate field values from one YAML document; ValueError if bad."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a template is a mapping of fields")
    limits = data.get("limits") or {}
    fields = {
        "slug": str(data.get("slug") or ""),
        "name": str(data.get("name") or ""),
        "description": str(data.get("description") or "").strip(),
        "image": str(data.get("image") or ""),
        "tags": [str(tag) for tag in data.get("tags") or []],
        "ports": [_port(p) for p in data.get("ports") or []],
        "secrets": list(data.get("secrets") or []),
        "env": _texts(data.get("env")),
        "entrypoint": [str(a) for a in data.get("entrypoint") or []],
        "command": [str(a) for a in data.get("command") or []],
        "volume_target": str(data.get("volume") or ""),
        "healthcheck": dict(data.get("healthcheck") or {}),
        "default_ttl_hours": int(data.get("ttl_hours", 24)),
        "memory_mb": int(limits.get("memory_mb", 512)),
        "cpus": limits.get("cpus", 1),
        "pids": int(limits.get("pids", 512)),
        "connection": str(data.get("connection") or ""),
        "credentials": _texts(data.get("credentials")),
        "links": _texts(data.get("links")),
        "enabled": bool(data.get("enabled", True)),
    }
    if found := problems(ServiceTemplate(**fields)):
        raise ValueError(f"{source or fields['slug']}: " + " ".join(found))
    return fields


def _texts(mapping: Any) -> dict[str, str]:
    if not mapping:
        return {}
    if not isinstance(mapping, dict):
        raise ValueError(f"expected a mapping of names to texts (got {mapping!r})")
    return {str(key): str(value) for key, value in mapping.items()}


def _port(entry: Any) -> dict[str, Any]:
    if isinstance(entry, int):
        entry = {"port": entry}
    if not isinstance(entry, dict) or "port" not in entry:
        raise ValueError(f"a port is {{port: 6379, name: ...}} (got {entry!r})")
    return {
        "port": int(entry["port"]),
        "protocol": str(entry.get("protocol", "tcp")),
        "name": str(entry.get("name", "")),
    }


def problems(template: ServiceTemplate) -> list[str]:
    """Everything wrong with a template (from a file or the admin)."""
    found = []
    if not template.slug or not re.match(r"^[a-z0-9][a-z0-9-]*$", template.slug):
        found.append("slug: lowercase letters, digits and -.")
    if not template.name:
        found.append("name: required.")
    if not template.tags:
        found.append("tags: list at least one allowed tag.")
    found += _image_problems(template)
    found += _port_problems(template.ports)
    bad_secrets = [s for s in template.secrets or [] if not IDENTIFIER.match(str(s))]
    if bad_secrets:
        found.append(f"secrets: {', '.join(map(str, bad_secrets))} are not names.")
    if template.volume_target and not template.volume_target.startswith("/"):
        found.append("volume: the path in the container must be absolute.")
    found += _placeholder_problems(template)
    found += _unmasked_secrets(template)
    found += _healthcheck_problems(template.healthcheck or {})
    return found


def _unmasked_secrets(template: ServiceTemplate) -> list[str]:
    """Env variables holding a secret must be named so the container page
    masks them for viewers (…PASSWORD, …SECRET, …TOKEN, …AUTH…)."""
    secret_names = {str(s) for s in template.secrets or []}
    return [
        f"env: {key} holds a secret but its name does not look secret, so "
        "viewers would read it on the container page; name it like *_PASSWORD."
        for key, value in (template.env or {}).items()
        if secret_names & set(PLACEHOLDER.findall(str(value))) and not looks_secret(key)
    ]


def _image_problems(template: ServiceTemplate) -> list[str]:
    found = []
    for tag in template.tags or []:
        try:
            normalize_image_reference(f"{template.image}:{tag}")
        except ValueError as error:
            found.append(f"image {template.image}:{tag}: {error}")
    return found


def _port_problems(ports: Any) -> list[str]:
    if not isinstance(ports, list) or not ports:
        return ["ports: list at least one container port."]
    found = []
    for port in ports:
        number = port.get("port") if isinstance(port, dict) else None
        if not isinstance(number, int) or not 1 <= number <= 65535:
            found.append(f"ports: {port!r} needs a port between 1 and 65535.")
        elif port.get("protocol", "tcp") not in PROTOCOLS:
            found.append(f"ports: protocol of {number} must be tcp, udp or sctp.")
    return found


def _placeholder_problems(template: ServiceTemplate) -> list[str]:
    public = {"host", "port", "name"} | {
        f"port_{p.get('port')}" for p in template.ports or [] if isinstance(p, dict)
    }
    with_secrets = public | {str(s) for s in template.secrets or []}
    places = {
        "env": (list((template.env or {}).values()), with_secrets),
        "connection": ([template.connection], with_secrets),
        "credentials": (list((template.credentials or {}).values()), with_secrets),
        "links": (list((template.links or {}).values()), with_secrets),
        "command": (list(template.command or []), public),
        "entrypoint": (list(template.entrypoint or []), public),
        "healthcheck": (list((template.healthcheck or {}).get("test") or []), public),
    }
    found = []
    for place, (texts, allowed) in places.items():
        for name in sorted({n for t in texts for n in PLACEHOLDER.findall(str(t))}):
            if name not in allowed:
                why = "secrets only go in env" if name in with_secrets else "unknown"
                found.append(f"{place}: {{{{ {name} }}}} is not allowed here ({why}).")
    return found


def _healthcheck_problems(check: dict[str, Any]) -> list[str]:
    if not check:
        return []
    test = check.get("test")
    if not isinstance(test, list) or not test or test[0] not in ("CMD", "CMD-SHELL"):
        return ['healthcheck: test is ["CMD", ...] or ["CMD-SHELL", "..."].']
    numbers = [check.get(key, 1) for key in (*HEALTH_TIMES, "retries")]
    if not all(isinstance(n, int) and n >= 0 for n in numbers):
        return ["healthcheck: interval, timeout, start_period (seconds), retries."]
    return []


def engine_healthcheck(check: dict[str, Any]) -> dict[str, Any] | None:
    """The template's healthcheck (seconds) as the engine wants it (ns)."""
    if not check:
        return None
    body: dict[str, Any] = {"test": list(check["test"])}
    for key in HEALTH_TIMES:
        if key in check:
            body[key] = int(check[key]) * 10**9
    if "retries" in check:
        body["retries"] = int(check["retries"])
    return body


def generate_secrets(names: list[str]) -> dict[str, str]:
    """A fresh random value per name (letters and digits: safe in any URL)."""
    return {
        name: "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))
        for name in names
    }


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {{ name }} placeholders; unknown names are left as they are."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def load_catalog(directory: Path = CATALOG_DIR) -> list[str]:
    """Create or update templates from the YAML files; what happened, per file.

    A template changed in the admin is left alone (its file is not applied
    again); delete the row, or untick "edited", to take the file's version.
    """
    report = []
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text()
        fields = parse_template(yaml.safe_load(text), source=path.name)
        digest = hashlib.sha256(text.encode()).hexdigest()
        existing = ServiceTemplate.objects.filter(slug=fields["slug"]).first()
        if existing is None:
            ServiceTemplate.objects.create(**fields, source_digest=digest)
            report.append(f"{fields['slug']}: created")
        elif existing.edited:
            report.append(f"{fields['slug']}: edited in the admin, left alone")
        elif existing.source_digest != digest:
            ServiceTemplate.objects.filter(pk=existing.pk).update(
                **fields, source_digest=digest
            )
            report.append(f"{fields['slug']}: updated")
        else:
            report.append(f"{fields['slug']}: unchanged")
    return report
