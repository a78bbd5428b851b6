from __future__ import annotations

from django.urls import path

from registry_browser import views

app_name = "registry_browser"

# Repository names contain slashes; "/-/" cannot be part of one, so it
# separates the name from what follows.
urlpatterns = [
    path("registries/", views.registry_list, name="list"),
    path("registries/add/", views.registry_edit, name="add"),
    path("registries/<int:pk>/edit/", views.registry_edit, name="edit"),
    path("registries/<int:pk>/remove/", views.registry_remove, name="remove"),
    path("registries/<int:pk>/refresh/", views.catalog_refresh, name="refresh"),
    path("registries/<str:key>/", views.catalog, name="catalog"),
    path(
        "registries/<str:key>/<path:repository>/-/tags/",
        views.repository,
        name="repository",
    ),
    path(
        "registries/<str:key>/<path:repository>/-/tags/<str:tag>/",
        views.tag,
        name="tag",
    ),
    path("registries/<str:key>/<path:repository>/-/pull/", views.tag_pull, name="pull"),
    path(
        "registries/<str:key>/<path:repository>/-/delete/",
        views.tag_delete,
        name="delete",
    ),
]
