"""Websocket routes; each consumer checks the user's rights in connect()."""

from __future__ import annotations

from django.urls import path

from containers import consumers, live_list, terminal

websocket_urlpatterns: list = [
    path("ws/jobs/<int:job_id>/", consumers.JobConsumer.as_asgi()),
    path("ws/containers/", live_list.ContainerListConsumer.as_asgi()),
    path(
        "ws/containers/<str:container_id>/logs/",
        consumers.ContainerLogsConsumer.as_asgi(),
    ),
    path(
        "ws/containers/<str:container_id>/stats/",
        consumers.ContainerStatsConsumer.as_asgi(),
    ),
    path(
        "ws/containers/<str:container_id>/terminal/",
        terminal.TerminalConsumer.as_asgi(),
    ),
    path("ws/logs/", consumers.MergedLogsConsumer.as_asgi()),
]
