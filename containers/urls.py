from __future__ import annotations

from django.urls import path

from containers import audit_views, catalog_views, job_views, live_views, views

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
        "containers/<str:container_id>/assign/",
        views.container_assign,
        name="assign",
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
    path("launch/", job_views.launch_view, name="launch"),
    path("images/", views.image_list, name="images"),
    path("images/remove/", views.image_remove, name="image_remove"),
    path(
        "images/remove-selected/",
        job_views.images_bulk_remove,
        name="images_bulk_remove",
    ),
    path("images/pull/", job_views.pull_view, name="pull"),
    path("images/build/", job_views.build_view, name="build"),
    path("images/push/", job_views.push_view, name="push"),
    path("images/prune/", job_views.prune_view, name="prune"),
    path("catalog/", catalog_views.catalog, name="catalog"),
    path(
        "catalog/<slug:slug>/launch/",
        catalog_views.catalog_launch,
        name="catalog_launch",
    ),
    path("services/", catalog_views.service_list, name="services"),
    path("services/<int:service_id>/", catalog_views.service_detail, name="service"),
    path(
        "services/<int:service_id>/extend/",
        catalog_views.service_extend,
        name="service_extend",
    ),
    path(
        "services/<int:service_id>/remove/",
        catalog_views.service_remove,
        name="service_remove",
    ),
    path(
        "services/<int:service_id>/<str:action>/",
        catalog_views.service_action,
        name="service_action",
    ),
    path("audit/running/", audit_views.running_now, name="running"),
    path("jobs/", job_views.job_list, name="jobs"),
    path("jobs/<int:job_id>/", job_views.job_detail, name="job"),
    path("jobs/<int:job_id>/cancel/", job_views.job_cancel_view, name="job_cancel"),
]
