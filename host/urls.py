from __future__ import annotations

from django.urls import path

from host import network_views, views, volume_views

app_name = "host"

urlpatterns = [
    path("overview/refresh-usage/", views.refresh_usage, name="refresh_usage"),
    path("volumes/", volume_views.volume_list, name="volumes"),
    path("volumes/create/", volume_views.volume_create, name="volume_create"),
    path(
        "volumes/prune/", volume_views.volume_prune_confirm, name="volume_prune_confirm"
    ),
    path("volumes/prune/run/", volume_views.volume_prune, name="volume_prune"),
    path("volumes/<str:name>/", volume_views.volume_detail, name="volume"),
    path(
        "volumes/<str:name>/remove/", volume_views.volume_remove, name="volume_remove"
    ),
    path("volumes/<str:name>/files/", volume_views.volume_files, name="volume_files"),
    path(
        "volumes/<str:name>/download/",
        volume_views.volume_download,
        name="volume_download",
    ),
    path("networks/", network_views.network_list, name="networks"),
    path("networks/create/", network_views.network_create, name="network_create"),
    path("networks/<str:network_id>/", network_views.network_detail, name="network"),
    path(
        "networks/<str:network_id>/remove/",
        network_views.network_remove,
        name="network_remove",
    ),
    path(
        "networks/<str:network_id>/connect/",
        network_views.network_connect,
        name="network_connect",
    ),
    path(
        "networks/<str:network_id>/disconnect/",
        network_views.network_disconnect,
        name="network_disconnect",
    ),
]
