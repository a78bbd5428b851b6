from __future__ import annotations

from django.urls import path

from containers import live_views, views

app_name = "containers"

urlpatterns = [
    path("containers/", views.container_list, name="list"),
    path("containers/bulk/", views.container_bulk, name="bulk"),
    path("containers/usage/", live_views.container_usage, name="usage"),
    path("containers/rows/", views.container_rows_partial, name="rows"),
    path("logs/", live_views.merged_logs, name="merged_logs"),
    path("containers/<str:container_id>/", views.container_detail, name="detail"),
    path(
        "containers/<str:container_id>/inspect/",
        views.container_inspect,
        name="inspect",
    ),
    path(
        "containers/<str:container_id>/logs/",
        live_views.container_logs,
        name="logs",
    ),
    path(
        "containers/<str:container_id>/logs/search/",
        live_views.logs_search,
        name="logs_search",
    ),
    path(
        "containers/<str:container_id>/logs/download/",
        live_views.logs_download,
        name="logs_download",
    ),
    path(
        "containers/<str:container_id>/stats/",
        live_views.container_stats,
        name="stats",
    ),
    path(
        "containers/<str:container_id>/terminal/",
        live_views.container_terminal,
        name="terminal",
    ),
    path(
        "containers/<str:container_id>/<str:action>/",
        views.container_action,
        name="action",
    ),
    path("images/", views.image_list, name="images"),
    path("images/remove/", views.image_remove, name="image_remove"),
]
