from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from console import health, views
from host import views as host_views

urlpatterns = [
    path("", host_views.overview, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="console/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_list, name="audit"),
    path(
        "audit/containers/<str:container_id>/",
        views.container_timeline,
        name="timeline",
    ),
    path("admin/", admin.site.urls),
    path("", include("containers.urls")),
    path("", include("registry_browser.urls")),
    path("", include("host.urls")),
]
