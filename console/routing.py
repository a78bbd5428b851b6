"""Websocket routes; each consumer checks the user's rights in connect()."""

from __future__ import annotations

from django.urls import path

from containers.consumers import JobConsumer

websocket_urlpatterns = [
    path("ws/jobs/<int:job_id>/", JobConsumer.as_asgi()),
]
