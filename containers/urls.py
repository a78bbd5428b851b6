from __future__ import annotations

from django.urls import path

from containers import views

app_name = "containers"

urlpatterns = [
    path("containers/", views.container_list, name="list"),
    path("containers/bulk/", views.container_bulk, name="bulk"),
    path("containers/<str:container_id>/", views.container_detail, name="detail"),
    path(
        "containers/<str:container_id>/inspect/",
        views.container_inspect,
        name="inspect",
    ),
    path(
        "containers/<str:container_id>/<str:action>/",
        views.container_action,
        name="action",
    ),
    path("images/", views.image_list, name="images"),
    path("images/remove/", views.image_remove, name="image_remove"),
]
