"""Launching a container: from the form's text to a typed spec, the checks
made before anything is created, and the job service that does the work."""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from dataclasses import asdict, replace
from typing import Any

from django.conf import settings
from django.utils import timezone

from console import dockerapi
from console.audit import record
from console.crypto import seal, unseal
from console.dockerapi import ContainerSpec, GatewayError, MountSpec, PortBinding
from console.permissions import access_for
from containers import allocation, policy
from containers.hostports import addresses_overlap, holder_of, port_is_free
from containers.image_jobs import pull_image
from containers.jobs import JobContext, JobFailed
from containers.models import Service
from containers.ports import PortMapping
from containers.quotas import quota_violations

ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
LABEL_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")
VOLUME_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]+$")
CONTAINER_NAME = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.\-]+$")
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
UNITS = {"": 1024**2, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def _lines(text: str) -> list[tuple[int, str]]:
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.strip().startswith("#")
    ]


def parse_list(text: str) -> tuple[str, ...]:
    """Non-empty lines that are not comments."""
    return tuple(line for _, line in _lines(text))


def parse_env(text: str) -> list[str]:
    """KEY=VALUE lines, as in an env file (comments, `export`, quotes allowed)."""
    env = []
    for number, line in _lines(text):
        line = line.removeprefix("export ").strip()
        key, equals, value = line.partition("=")
        key = key.strip()
        if not equals or not ENV_KEY.match(key):
            raise ValueError(f"Line {number}: write KEY=VALUE (got {line[:40]!r}).")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env.append(f"{key}={value}")
    return env


def parse_labels(text: str) -> dict[str, str]:
    labels = {}
    for number, line in _lines(text):
        key, equals, value = line.partition("=")
        key = key.strip()
        if not equals or not LABEL_KEY.match(key):
            raise ValueError(f"Line {number}: write key=value (got {line[:40]!r}).")
        labels[key] = value.strip()
    return labels


def parse_volumes(text: str) -> list[MountSpec]:
    """`name:/path[:ro]` lines; a source starting with / is a host path (bind)."""
    mounts = []
    for number, line in _lines(text):
        parts = line.split(":")
        read_only = len(parts) == 3 and parts[2] == "ro"
        if len(parts) not in (2, 3) or (
            len(parts) == 3 and parts[2] not in ("ro", "rw")
        ):
            raise ValueError(f"Line {number}: write name:/path or name:/path:ro.")
        source, target = parts[0].strip(), parts[1].strip()
        if not target.startswith("/"):
            raise ValueError(
                f"Line {number}: the path in the container must be "
                f"absolute (got {target!r})."
            )
        if source.startswith("/"):
            mounts.append(MountSpec(source, target, read_only, kind="bind"))
        elif VOLUME_NAME.match(source):
            mounts.append(MountSpec(source, target, read_only))
        else:
            raise ValueError(
                f"Line {number}: {source!r} is not a volume name "
                "(letters, digits, _ . -)."
            )
    return mounts


def parse_memory(text: str) -> int:
    """Bytes from "512m", "1g", "1.5 GiB" or a bare number of megabytes."""
    match = SIZE.match(text)
    if not match:
        raise ValueError("Write a size such as 512m or 2g.")
    return int(float(match.group(1)) * UNITS[match.group(2).lower()])


def parse_cpus(text: str) -> int:
    """Nano-CPUs from "0.5" or "2"."""
    try:
        cpus = float(text)
    except ValueError:
        raise ValueError("Write a number of CPUs such as 0.5 or 2.") from None
    if not 0 <= cpus <= 1024:
        raise ValueError("CPUs must be between 0 and 1024.")
    return int(cpus * 1e9)


def parse_command(text: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(text))
    except ValueError as error:
        raise ValueError(f"Cannot split this command: {error}.") from None


def bindings(mappings: list[PortMapping]) -> tuple[PortBinding, ...]:
    return tuple(
        PortBinding(m.container_port, m.protocol, m.host_ip, m.host_port)
        for m in mappings
    )


def port_conflicts(
    ports: tuple[PortBinding, ...], containers: list[dockerapi.ContainerSummary]
) -> list[str]:
    """Why each requested host port cannot be had: who publishes or binds it."""
    problems = []
    for port in ports:
        if not port.host_port:
            continue  # the engine picks a free one
        candidates = _host_port_numbers(port.host_port)
        holders = [_holder(port, number, containers) for number in candidates]
        if all(holders):
            problems.append(_conflict_message(port, holders))
    return problems


def _host_port_numbers(text: str) -> list[int]:
    low, _, high = text.partition("-")
    return list(range(int(low), int(high or low) + 1))


def _holder(
    port: PortBinding, number: int, containers: list[dockerapi.ContainerSummary]
) -> str:
    for container in containers:
        for published in container.ports:
            if (
                published.host_port == number
                and published.protocol == port.protocol
                and addresses_overlap(published.host_ip, port.host_ip)
            ):
                return f"container {container.name}"
    if settings.BERTH_CHECK_HOST_PORTS and not port_is_free(
        port.host_ip, number, port.protocol
    ):
        return holder_of(number, port.protocol) or "another process on the host"
    return ""


def _conflict_message(port: PortBinding, holders: list[str]) -> str:
    where = f"{port.host_ip}:{port.host_port}" if port.host_ip else port.host_port
    held = ", ".join(sorted(set(holders)))
    return f"Host port {where}/{port.protocol} is already taken by {held}."


def spec_to_params(spec: ContainerSpec) -> dict[str, Any]:
    """The spec as job parameters; the environment (passwords) sealed."""
    params = asdict(spec)
    params["env"] = []
    params["env_sealed"] = seal(json.dumps(list(spec.env))) if spec.env else ""
    return params


def spec_from_params(params: dict[str, Any]) -> ContainerSpec:
    fields = dict(params)
    if sealed := fields.pop("env_sealed", ""):
        fields["env"] = json.loads(unseal(sealed))
    fields["ports"] = tuple(PortBinding(**p) for p in fields.get("ports", ()))
    fields["mounts"] = tuple(MountSpec(**m) for m in fields.get("mounts", ()))
    for name in (
        "command",
        "env",
        "cap_add",
        "devices",
        "security_opt",
        "volumes_from",
    ):
        fields[name] = tuple(fields.get(name) or ())
    if fields.get("entrypoint") is not None:
        fields["entrypoint"] = tuple(fields["entrypoint"])
    return ContainerSpec(**fields)


def container_launch(context: JobContext) -> dict[str, Any]:
    """The launch job: policy, pull if missing, create, start; nothing half-made
    left, and the ports it reserved given back when it fails."""
    try:
        result = _launch(context)
    except BaseException:
        _service_failed(context)
        with contextlib.suppress(GatewayError):
            allocation.job_failed(context.job.pk)  # else the next allocation does
        raise
    _service_started(context, result["container_id"])
    return result


def _launch(context: JobContext) -> dict[str, Any]:
    spec = spec_from_params(context.params["spec"])
    options = context.params.get("options", {})
    _check_policy(context, spec, will_start=options.get("start", True))
    spec = replace(spec, labels={**settings.BERTH_LAUNCH_LABELS, **spec.labels})
    _ensure_image(context, spec.image, pull=options.get("pull", True))
    context.progress(85, step="Checking ports")
    if problems := port_conflicts(spec.ports, dockerapi.list_containers()):
        raise JobFailed(" ".join(problems))
    _ensure_volumes(context, spec)
    context.progress(90, step="Creating the container")
    container_id = dockerapi.create_container(spec)
    allocation.job_created_container(context.job.pk, container_id)
    context.log(
        f"Created container {container_id[:12]}"
        f"{f' ({spec.name})' if spec.name else ''}."
    )
    if options.get("start", True):
        _start_or_clean_up(context, container_id, keep=options.get("keep", False))
    return _launch_result(container_id)


def _check_policy(
    context: JobContext, spec: ContainerSpec, *, will_start: bool
) -> None:
    """The launch policy again, as the user who started the job: a job row
    written or replayed by other means gets no further than the form would."""
    access = access_for(context.job.started_by)
    refused = policy.violations(spec, access) + quota_violations(
        spec, access, will_start=will_start, exclude_job=context.job.pk
    )
    if not refused:
        return
    message = " ".join(v.message for v in refused)
    record(
        context.actor,
        "container.launch",
        target_type="job",
        target_id=str(context.job.pk),
        target_name=spec.name or spec.image,
        team=spec.labels.get("berth.team", ""),
        outcome="denied",
        error=message,
        params={"rules": sorted({v.rule for v in refused})},
    )
    raise JobFailed(f"Refused by the launch policy: {message}")


def _ensure_volumes(context: JobContext, spec: ContainerSpec) -> None:
    """Make missing named volumes with the launch's owner labels, so they are
    managed (a volume the engine made implicitly would carry no owner)."""
    labels = {
        key: value
        for key, value in spec.labels.items()
        if key in ("berth.owner", "berth.team", "berth.template")
        or key in settings.BERTH_LAUNCH_LABELS
    }
    for mount in spec.mounts:
        if mount.kind != "volume":
            continue
        try:
            dockerapi.inspect_volume(mount.source)
        except dockerapi.NotFound:
            dockerapi.create_volume(name=mount.source, labels=labels)
            context.log(f"Created volume {mount.source}.")


def _service_started(context: JobContext, container_id: str) -> None:
    if service_id := context.params.get("service_id"):
        Service.objects.filter(pk=service_id).update(
            container_id=container_id, status=Service.Status.ACTIVE
        )


def _service_failed(context: JobContext) -> None:
    if service_id := context.params.get("service_id"):
        Service.objects.filter(pk=service_id, status=Service.Status.LAUNCHING).update(
            status=Service.Status.FAILED, ended_at=timezone.now()
        )


def _ensure_image(context: JobContext, image: str, *, pull: bool) -> None:
    if dockerapi.image_exists(image):
        context.log(f"Image {image} is already on this host.")
        context.progress(80, step="Image present")
        return
    if not pull:
        raise JobFailed(
            f"Image {image} is not on this host and “pull if missing” is off."
        )
    pull_image(context, image, scale=(0, 80))


def _start_or_clean_up(context: JobContext, container_id: str, *, keep: bool) -> None:
    context.progress(95, step="Starting")
    try:
        dockerapi.run_action(container_id, "start")
    except GatewayError as error:
        if not keep:
            dockerapi.remove_container(container_id, force=True)
            context.log("Removed the container again, since it did not start.")
        raise JobFailed(
            f"The container was created but did not start: {error.message}"
        ) from error
    context.log("Started.")


def _launch_result(container_id: str) -> dict[str, Any]:
    container = dockerapi.inspect_container(container_id)
    return {
        "container_id": container.id,
        "name": container.name,
        "state": container.state,
        "published": [
            {
                "label": str(port),
                "host_ip": port.host_ip,
                "host_port": port.host_port,
                "container_port": port.container_port,
                "protocol": port.protocol,
            }
            for port in container.ports
            if port.is_published
        ],
    }
