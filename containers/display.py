"""Shaping engine data for pages: secrets masked unless the viewer may see them."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from console.audit import REDACTED, looks_secret


@dataclass(frozen=True)
class EnvRow:
    key: str
    value: str
    masked: bool


def env_rows(env: tuple[str, ...] | list[str], *, reveal: bool) -> list[EnvRow]:
    rows = []
    for line in env:
        key, _, value = line.partition("=")
        hide = looks_secret(key) and not reveal and value != ""
        rows.append(EnvRow(key, REDACTED if hide else value, hide))
    return rows


def masked_inspect(data: dict[str, Any], *, reveal: bool) -> str:
    """The raw inspect document as indented JSON, env and secret labels masked."""
    if not reveal:
        data = copy.deepcopy(data)
        config = data.get("Config") or {}
        if config.get("Env"):
            config["Env"] = [
                f"{row.key}={row.value}"
                for row in env_rows(config["Env"], reveal=False)
            ]
        labels = config.get("Labels") or {}
        for key in labels:
            if looks_secret(key):
                labels[key] = REDACTED
    return json.dumps(data, indent=2, sort_keys=True)
