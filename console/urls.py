from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from console import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="containers:list"), name="home"),
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
]
