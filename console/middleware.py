"""Turns an unreachable Docker engine into a 503 page with a clear banner."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.dockerapi import EngineUnavailable, engine_address


class EngineUnavailableMiddleware:
    """Any view whose engine call fails to connect answers 503, never 500.

    Nothing is cached: the next request tries the engine again, so pages
    recover by themselves once it is back (the page also retries on a timer).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, EngineUnavailable):
            return None
        template = "console/engine_down.html"
        if getattr(request, "htmx", False):
            template = "console/engine_down.html#engine-banner"
        return render(
            request,
            template,
            {"engine_error": exception.message, "engine_address": engine_address()},
            status=503,
        )
