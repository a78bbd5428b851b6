"""Reading manifests, indexes and image configs into plain frozen dataclasses.

Four manifest types: Docker schema 2 and OCI image manifests (a config and
layers), Docker manifest lists and OCI indexes (one entry per platform).
BuildKit attestation entries in an index (`unknown/unknown` with the
annotation `vnd.docker.reference.type=attestation-manifest`) are kept apart,
so a two-platform image shows two rows, not four.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from registry_browser.client import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    Document,
)

ATTESTATION_TYPE = "attestation-manifest"
REFERENCE_TYPE = "vnd.docker.reference.type"
TYPE_NAMES = {
    DOCKER_MANIFEST: "Docker image manifest (schema 2)",
    DOCKER_LIST: "Docker manifest list",
    OCI_MANIFEST: "OCI image manifest",
    OCI_INDEX: "OCI image index",
}


@dataclass(frozen=True)
class Platform:
    os: str = ""
    architecture: str = ""
    variant: str = ""
    os_version: str = ""

    @property
    def label(self) -> str:
        parts = [self.os or "?", self.architecture or "?"]
        if self.variant:
            parts.append(self.variant)
        label = "/".join(parts)
        return f"{label} ({self.os_version})" if self.os_version else label

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Platform:
        data = data or {}
        return cls(
            os=str(data.get("os", "")),
            architecture=str(data.get("architecture", "")),
            variant=str(data.get("variant", "")),
            os_version=str(data.get("os.version", "")),
        )


@dataclass(frozen=True)
class Descriptor:
    digest: str
    media_type: str
    size: int
    platform: Platform | None = None
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def is_attestation(self) -> bool:
        return self.annotations.get(REFERENCE_TYPE) == ATTESTATION_TYPE or (
            self.platform is not None
            and self.platform.os == "unknown"
            and self.platform.architecture == "unknown"
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Descriptor:
        platform = data.get("platform")
        return cls(
            digest=str(data.get("digest", "")),
            media_type=str(data.get("mediaType", "")),
            size=int(data.get("size") or 0),
            platform=Platform.from_dict(platform) if platform else None,
            annotations={
                str(k): str(v) for k, v in (data.get("annotations") or {}).items()
            },
        )


@dataclass(frozen=True)
class ImageManifest:
    digest: str
    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]
    annotations: dict[str, str]
    raw: str

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.media_type, self.media_type or "image manifest")

    @property
    def compressed_size(self) -> int:
        """Config plus layers as stored in the registry (compressed)."""
        return self.config.size + sum(layer.size for layer in self.layers)


@dataclass(frozen=True)
class ManifestIndex:
    digest: str
    media_type: str
    entries: tuple[Descriptor, ...]
    annotations: dict[str, str]
    raw: str

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.media_type, self.media_type or "index")

    @property
    def platforms(self) -> tuple[Descriptor, ...]:
        return tuple(entry for entry in self.entries if not entry.is_attestation)

    @property
    def attestations(self) -> tuple[Descriptor, ...]:
        return tuple(entry for entry in self.entries if entry.is_attestation)


def parse_manifest(document: Document) -> ImageManifest | ManifestIndex:
    """The manifest or index in `document`, told apart by type or by shape."""
    try:
        data = json.loads(document.body)
    except ValueError:
        raise ValueError("the manifest is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("the manifest is not a JSON object")
    media_type = document.media_type or str(data.get("mediaType", ""))
    raw = json.dumps(data, indent=2, sort_keys=False)
    annotations = {str(k): str(v) for k, v in (data.get("annotations") or {}).items()}
    if media_type in (OCI_INDEX, DOCKER_LIST) or "manifests" in data:
        return ManifestIndex(
            digest=document.digest,
            media_type=media_type,
            entries=tuple(Descriptor.from_dict(d) for d in data.get("manifests") or []),
            annotations=annotations,
            raw=raw,
        )
    if "config" not in data:
        raise ValueError(f"unsupported manifest type {media_type or '(none)'}")
    return ImageManifest(
        digest=document.digest,
        media_type=media_type,
        config=Descriptor.from_dict(data["config"]),
        layers=tuple(Descriptor.from_dict(d) for d in data.get("layers") or []),
        annotations=annotations,
        raw=raw,
    )


@dataclass(frozen=True)
class HistoryStep:
    created: str
    created_by: str
    empty_layer: bool
    comment: str


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an image config a person reads before running it."""

    created: str
    author: str
    platform: Platform
    env: tuple[str, ...]
    exposed_ports: tuple[str, ...]
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    working_dir: str
    user: str
    labels: dict[str, str]
    volumes: tuple[str, ...]
    history: tuple[HistoryStep, ...]

    @property
    def launch_ports(self) -> list[str]:
        """Exposed ports as the launch form's port lines ("80/tcp" → "80")."""
        return [port.removesuffix("/tcp") for port in self.exposed_ports]


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value or ())


def parse_config(body: bytes) -> ImageConfig:
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("the image config is not a JSON object")
    config = data.get("config") or {}
    return ImageConfig(
        created=str(data.get("created") or ""),
        author=str(data.get("author") or ""),
        platform=Platform.from_dict(data),
        env=_strings(config.get("Env")),
        exposed_ports=tuple(sorted(config.get("ExposedPorts") or {}, key=_port_key)),
        entrypoint=_strings(config.get("Entrypoint")),
        cmd=_strings(config.get("Cmd")),
        working_dir=str(config.get("WorkingDir") or ""),
        user=str(config.get("User") or ""),
        labels={str(k): str(v) for k, v in (config.get("Labels") or {}).items()},
        volumes=tuple(sorted(config.get("Volumes") or {})),
        history=tuple(
            HistoryStep(
                created=str(step.get("created") or ""),
                created_by=str(step.get("created_by") or ""),
                empty_layer=bool(step.get("empty_layer")),
                comment=str(step.get("comment") or ""),
            )
            for step in data.get("history") or []
            if isinstance(step, dict)
        ),
    )


def _port_key(port: str) -> tuple[int, str]:
    number, _, protocol = port.partition("/")
    return (int(number) if number.isdigit() else 0, protocol)
