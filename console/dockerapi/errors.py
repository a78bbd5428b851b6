"""The gateway's own errors: docker-py and requests errors never leave it.

Every error carries a message a person can read; views show it in place.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import docker.errors
import requests.exceptions


class GatewayError(Exception):
    """Base of every error the Docker gateway raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EngineUnavailable(GatewayError):
    """The Docker engine does not answer at the configured address."""

    def __init__(self, address: str, reason: str = "") -> None:
        message = f"Docker engine at {address} is not reachable"
        if reason:
            message = f"{message} ({reason})"
        super().__init__(message)
        self.address = address


class NotFound(GatewayError):
    """The container, image or other object does not exist (any more)."""


class Conflict(GatewayError):
    """The engine refused because of the object's state (in use, running...)."""


class EngineError(GatewayError):
    """Any other refusal or failure reported by the engine."""


def _explanation(error: docker.errors.APIError) -> str:
    text = (error.explanation or "").strip()
    if not text and error.response is not None:
        text = f"{error.response.status_code} {error.response.reason}"
    return text[:1].upper() + text[1:] if text else "The engine refused the request"


def _is_unreachable(error: Exception) -> bool:
    if isinstance(error, requests.exceptions.ConnectionError | ConnectionError):
        return True
    if isinstance(error, requests.exceptions.Timeout | TimeoutError):
        return True
    # docker-py wraps a failed version probe in a bare DockerException.
    return isinstance(error, docker.errors.DockerException) and (
        "Error while fetching server API version" in str(error)
    )


@contextlib.contextmanager
def translated(address: str) -> Iterator[None]:
    """Turn docker-py and transport errors raised inside into gateway errors."""
    try:
        yield
    except GatewayError:
        raise
    except docker.errors.NotFound as error:
        raise NotFound(_explanation(error)) from error
    except docker.errors.APIError as error:
        status = error.response.status_code if error.response is not None else 0
        if status == 409:
            raise Conflict(_explanation(error)) from error
        raise EngineError(_explanation(error)) from error
    except Exception as error:
        if _is_unreachable(error):
            raise EngineUnavailable(address, _short_reason(error)) from error
        if isinstance(error, docker.errors.DockerException):
            raise EngineError(str(error)) from error
        raise


def _short_reason(error: Exception) -> str:
    text = str(error).lower()
    if "timed out" in text or isinstance(error, requests.exceptions.Timeout):
        return "timed out"
    if "refused" in text:
        return "connection refused"
    if "no such file" in text:
        return "no socket at that path"
    return ""
