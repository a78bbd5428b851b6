"""Registries an admin registered, and what Berth keeps of them.

A registry's password or token is sealed (console/crypto.py) and never shown
back. Its catalog is cached one row per repository, so a registry with tens
of thousands of repositories pages and searches from the database instead of
the registry; a refresh job replaces the rows. Manifests and config blobs are
content-addressed and immutable, so those fetched by digest are kept too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import models
from django.urls import reverse
from django.utils import timezone

from console.crypto import unseal


class Registry(models.Model):
    name = models.CharField(max_length=64, unique=True)
    url = models.CharField(
        max_length=255, help_text="e.g. https://registry.example.com"
    )
    username = models.CharField(max_length=255, blank=True)
    password_sealed = models.TextField(blank=True)
    verify_tls = models.BooleanField(default=True)
    # Hosts (beyond the registry's own) its bearer-token realm may be on;
    # credentials go to no other host.
    token_realm_hosts = models.CharField(max_length=512, blank=True)
    catalog_refreshed = models.DateTimeField(null=True, blank=True)
    catalog_count = models.PositiveIntegerField(default=0)
    catalog_error = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "registries"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry_browser:catalog", args=[str(self.pk)])

    @property
    def key(self) -> str:
        return str(self.pk)

    @property
    def host(self) -> str:
        """host[:port], as it appears in image references."""
        return urlsplit(self.url).netloc

    @property
    def has_password(self) -> bool:
        return bool(self.password_sealed)

    def password(self) -> str:
        return unseal(self.password_sealed)

    def realm_hosts(self) -> tuple[str, ...]:
        parts = self.token_realm_hosts.replace(",", " ").split()
        return tuple(part.strip().lower() for part in parts if part.strip())


class Repository(models.Model):
    """One repository in a registry's cached catalog."""

    registry = models.ForeignKey(
        Registry, on_delete=models.CASCADE, related_name="repositories"
    )
    name = models.CharField(max_length=255)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "name"], name="repository_unique_per_registry"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CachedDocument(models.Model):
    """A manifest or config blob fetched by digest (verified), kept for reuse."""

    source = models.CharField(max_length=32)  # a registry's key, or "hub"
    digest = models.CharField(max_length=135)
    media_type = models.CharField(max_length=255, blank=True)
    body = models.BinaryField()
    fetched = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "digest"], name="document_unique_per_source"
            )
        ]
