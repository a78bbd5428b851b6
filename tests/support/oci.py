"""Putting images into a registry through its HTTP API, without the engine.

Used to assemble what the engine cannot push here: an OCI index with two
platforms and a BuildKit-style attestation manifest, and thousands of tiny
repositories. Every blob is a real one (a gzipped tar layer, a valid config
whose diff_ids match), so the engine could pull what this makes.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field

import httpx

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
IN_TOTO = "application/vnd.in-toto+json"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer(files: dict[str, bytes]) -> tuple[bytes, str]:
    """A gzipped tar layer and its diff_id (the digest of the plain tar)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    plain = buffer.getvalue()
    return gzip.compress(plain, mtime=0), sha256(plain)


def image_config(
    architecture: str, diff_id: str, *, ports: tuple[str, ...] = ("80/tcp",)
) -> bytes:
    config = {
        "architecture": architecture,
        "os": "linux",
        "created": "2026-01-02T03:04:05Z",
        "author": "berth tests",
        "config": {
            "Env": ["PATH=/bin", "API_TOKEN=hunter2"],
            "ExposedPorts": {port: {} for port in ports},
            "Cmd": ["sh"],
            "WorkingDir": "/srv",
            "Labels": {"org.example.flavour": architecture},
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "2026-01-02T03:04:05Z", "created_by": "ADD hello"}],
    }
    return json.dumps(config).encode()


@dataclass
class RegistryAPI:
    """Pushes blobs and manifests; `headers` carry auth when the registry wants it."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def blob(self, repository: str, data: bytes) -> str:
        digest = sha256(data)
        head = self.client.head(
            f"{self.url}/v2/{repository}/blobs/{digest}", headers=self.headers
        )
        if head.status_code == 200:
            return digest
        start = self.client.post(
            f"{self.url}/v2/{repository}/blobs/uploads/", headers=self.headers
        )
        start.raise_for_status()
        location = httpx.URL(self.url).join(start.headers["location"])
        done = self.client.put(
            location.copy_merge_params({"digest": digest}),
            content=data,
            headers={**self.headers, "Content-Type": "application/octet-stream"},
        )
        done.raise_for_status()
        return digest

    def manifest(
        self, repository: str, reference: str, media_type: str, body: dict
    ) -> str:
        data = json.dumps(body).encode()
        response = self.client.put(
            f"{self.url}/v2/{repository}/manifests/{reference}",
            content=data,
            headers={**self.headers, "Content-Type": media_type},
        )
        if response.status_code >= 400:
            raise RuntimeError(f"manifest put failed: {response.text}")
        return sha256(data)

    def image(
        self,
        repository: str,
        reference: str,
        architecture: str = "amd64",
        *,
        files: dict[str, bytes] | None = None,
        ports: tuple[str, ...] = ("80/tcp",),
    ) -> tuple[str, int]:
        """Push a one-layer OCI image; its manifest digest and manifest size."""
        tar_gz, diff_id = layer(files or {"hello.txt": architecture.encode()})
        config = image_config(architecture, diff_id, ports=ports)
        body = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": OCI_CONFIG,
                "digest": self.blob(repository, config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": OCI_LAYER,
                    "digest": self.blob(repository, tar_gz),
                    "size": len(tar_gz),
                }
            ],
        }
        digest = self.manifest(repository, reference, OCI_MANIFEST, body)
        return digest, len(json.dumps(body).encode())

    def attestation(self, repository: str, subject: str) -> tuple[str, int]:
        """A BuildKit-style attestation manifest (an in-toto layer) for `subject`."""
        statement = json.dumps({"_type": "https://in-toto.io/Statement/v0.1"}).encode()
        config = b"{}"
        body = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": OCI_CONFIG,
                "digest": self.blob(repository, config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": IN_TOTO,
                    "digest": self.blob(repository, statement),
                    "size": len(statement),
                    "annotations": {"in-toto.io/predicate-type": "provenance"},
                }
            ],
        }
        digest = sha256(json.dumps(body).encode())
        self.manifest(repository, digest, OCI_MANIFEST, body)
        return digest, len(json.dumps(body).encode())

    def multi_platform(self, repository: str, tag: str) -> dict[str, str]:
        """An OCI index: linux/amd64, linux/arm64/v8 and one attestation."""
        amd64, amd64_size = self.image(repository, f"{tag}-amd64", "amd64")
        arm64, arm64_size = self.image(repository, f"{tag}-arm64", "arm64")
        proof, proof_size = self.attestation(repository, amd64)
        index = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                _entry(amd64, amd64_size, {"os": "linux", "architecture": "amd64"}),
                _entry(
                    arm64,
                    arm64_size,
                    {"os": "linux", "architecture": "arm64", "variant": "v8"},
                ),
                {
                    **_entry(
                        proof,
                        proof_size,
                        {"os": "unknown", "architecture": "unknown"},
                    ),
                    "annotations": {
                        "vnd.docker.reference.type": "attestation-manifest",
                        "vnd.docker.reference.digest": amd64,
                    },
                },
            ],
        }
        digest = self.manifest(repository, tag, OCI_INDEX, index)
        return {"index": digest, "amd64": amd64, "arm64": arm64, "attestation": proof}


def _entry(digest: str, size: int, platform: dict[str, str]) -> dict:
    return {
        "mediaType": OCI_MANIFEST,
        "digest": digest,
        "size": size,
        "platform": platform,
    }


def basic(username: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}
