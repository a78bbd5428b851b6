"""Forms of the registry browser: registering a registry, searching, acting."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django import forms

from registry_browser.models import Registry

HOST_ENTRY = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
TAG = re.compile(r"^[\w][\w.-]{0,127}$")


class RegistryForm(forms.Form):
    name = forms.CharField(max_length=64)
    url = forms.CharField(
        label="URL",
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": "https://registry.example.com"}),
    )
    username = forms.CharField(
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label="Password or token",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted; never shown again. Leave empty to keep it.",
    )
    clear_password = forms.BooleanField(
        label="Forget the stored password", required=False
    )
    verify_tls = forms.BooleanField(label="Verify TLS", required=False, initial=True)
    token_realm_hosts = forms.CharField(
        label="Token realm hosts",
        required=False,
        max_length=512,
        widget=forms.TextInput(attrs={"placeholder": "auth.example.com"}),
        help_text="Other hosts this registry's bearer-token service may live on; "
        "credentials go to no host but the registry's own and these.",
    )

    def __init__(self, *args: Any, instance: Registry | None = None, **kwargs: Any):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "url": instance.url,
                "username": instance.username,
                "verify_tls": instance.verify_tls,
                "token_realm_hosts": instance.token_realm_hosts,
            }
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Registry.objects.filter(name=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(f"A registry called {name} exists already.")
        return name

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip().rstrip("/")
        if "://" not in url:
            url = f"https://{url}"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise forms.ValidationError("Give an http:// or https:// address.")
        if parts.path not in ("", "/", "/v2") or parts.query or parts.fragment:
            raise forms.ValidationError(
                "Give the registry's address only (the API lives at /v2/ on it)."
            )
        if parts.username or parts.password:
            raise forms.ValidationError("Put credentials in their own fields.")
        return f"{parts.scheme}://{parts.netloc}"

    def clean_token_realm_hosts(self) -> str:
        entries = self.cleaned_data["token_realm_hosts"].replace(",", " ").split()
        for entry in entries:
            if not HOST_ENTRY.match(entry):
                raise forms.ValidationError(
                    f"{entry} is not a host name (host or host:port, no scheme)."
                )
        return " ".join(entry.lower() for entry in entries)

    def password_change(self) -> str | None:
        """None keeps the stored password, "" forgets it, text replaces it."""
        if self.cleaned_data["password"]:
            return self.cleaned_data["password"]
        return "" if self.cleaned_data["clear_password"] else None

    def registry_data(self) -> dict[str, Any]:
        keys = ("name", "url", "username", "verify_tls", "token_realm_hosts")
        return {key: self.cleaned_data[key] for key in keys}


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=255,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "search repositories"}
        ),
    )

    def query(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class TagActionForm(forms.Form):
    tag = forms.RegexField(regex=TAG, max_length=128)
    digest = forms.RegexField(regex=DIGEST, max_length=135, required=False)
