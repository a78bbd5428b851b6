"""Forms of the service catalog: launch, extend, remove."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django import forms

from console.models import Team
from console.permissions import Access
from containers import launch
from containers.catalog_services import LaunchRequest, default_name
from containers.models import ServiceTemplate

DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 3600}
NO_EXPIRY = ("0", "never", "none")


def parse_duration(text: str) -> timedelta | None:
    """ "90m", "24h", "2d", "30s" or a bare number of hours; None for 0/never."""
    if text.strip().lower() in NO_EXPIRY:
        return None
    match = DURATION.match(text)
    if not match:
        raise ValueError("Write a duration such as 30m, 24h or 3d (0 for never).")
    seconds = float(match.group(1)) * UNIT_SECONDS[match.group(2).lower()]
    if seconds < 1:
        raise ValueError("Give at least one second.")
    return timedelta(seconds=seconds)


class CatalogLaunchForm(forms.Form):
    tag = forms.ChoiceField(label="Version")
    name = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"placeholder": "optional"})
    )
    ttl = forms.CharField(
        label="Expires after",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. 8h, 3d"}),
    )
    team = forms.ChoiceField(required=False)

    def __init__(
        self,
        *args: Any,
        template: ServiceTemplate,
        access: Access,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", template.slug)
        super().__init__(*args, **kwargs)
        self.template, self.access = template, access
        self.fields["tag"].choices = [(t, t) for t in template.tags]
        self.fields["tag"].initial = template.default_tag
        hours = template.default_ttl_hours
        self.fields["ttl"].initial = f"{hours}h" if hours else "never"
        teams = sorted(access.teams)
        if access.is_admin:
            teams = list(Team.objects.values_list("name", flat=True))
            self.fields["team"].choices = [("", "none")] + [(t, t) for t in teams]
            self.fields["team"].initial = min(access.teams) if access.teams else ""
        else:
            self.fields["team"].choices = [(t, t) for t in teams]
            self.fields["team"].required = True

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if name and not launch.CONTAINER_NAME.match(name):
            raise forms.ValidationError(
                "Use letters, digits, _ . and - (starting with a letter or digit)."
            )
        return name.lstrip("/")

    def clean_ttl(self) -> timedelta | None:
        text = self.cleaned_data["ttl"].strip()
        if not text:
            hours = self.template.default_ttl_hours
            return timedelta(hours=hours) if hours else None
        try:
            return parse_duration(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def launch_request(self, owner: str) -> LaunchRequest:
        data = self.cleaned_data
        return LaunchRequest(
            template=self.template,
            tag=data["tag"],
            name=data["name"] or default_name(self.template, owner),
            ttl=data["ttl"],
            team=data.get("team") or "",
        )


class ExtendForm(forms.Form):
    by = forms.CharField(initial="24h")

    def clean_by(self) -> timedelta:
        try:
            duration = parse_duration(self.cleaned_data["by"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if duration is None:
            raise forms.ValidationError("Give a duration such as 8h.")
        return duration


class RemoveServiceForm(forms.Form):
    volume = forms.ChoiceField(
        choices=[("keep", "keep the data volume"), ("remove", "remove the data too")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether to keep the data volume."},
    )
