"""Forms for volumes and networks: parse and validate; services decide rights."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from django import forms

from console.dockerapi.types import OWNER_LABELS
from console.permissions import Access, can_use_driver_options, creatable_teams

# The engine's own rule for volume and network names.
NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
ALIAS = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,62})$")
LABEL_FILTER = re.compile(r"^[^=\s]+(=\S*)?$")
NAME_HELP = "Use letters, digits, '_', '.' and '-'; start with a letter or digit."
UNMANAGED_CHOICE = ("", "none (unmanaged: only admins act on it)")


def parse_key_values(text: str, *, what: str = "label") -> dict[str, str]:
    """`key=value` lines into a dict; a ValidationError names the bad line."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key or any(ch.isspace() for ch in key):
            raise forms.ValidationError(
                f"Line {number}: write one {what} per line as key=value."
            )
        pairs[key] = value.strip()
    return pairs


def clean_free_labels(text: str) -> dict[str, str]:
    labels = parse_key_values(text)
    reserved = sorted(set(labels) & set(OWNER_LABELS))
    if reserved:
        raise forms.ValidationError(
            f"{', '.join(reserved)} is set by Berth: choose the team above."
        )
    return labels


class OwnedCreateForm(forms.Form):
    """What volumes and networks share: a team, free labels."""

    team = forms.ChoiceField(required=False)
    labels = forms.CharField(
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "key=value, one a line"}
        ),
    )

    def __init__(self, *args: Any, access: Access, teams: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.access = access
        choices = [(team, team) for team in creatable_teams(access, teams)]
        if access.is_admin:
            choices.insert(0, UNMANAGED_CHOICE)
        self.fields["team"].choices = choices
        self.fields["team"].required = not access.is_admin

    def clean_labels(self) -> dict[str, str]:
        return clean_free_labels(self.cleaned_data["labels"])


class VolumeCreateForm(OwnedCreateForm):
    name = forms.CharField(
        required=False,
        max_length=128,
        help_text="Empty: the engine picks a name.",
    )
    driver = forms.CharField(max_length=64, initial="local")
    driver_options = forms.CharField(
        required=False,
        label="Driver options",
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "type=tmpfs\ndevice=tmpfs"}
        ),
        help_text="Admins only: options like o=bind,device=/ mount host paths.",
    )
    field_order = ["name", "team", "driver", "driver_options", "labels"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not can_use_driver_options(self.access):
            # Shown as fixed text; the service refuses anything else anyway.
            del self.fields["driver_options"]
            self.fields["driver"].disabled = True

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if name and not NAME.match(name):
            raise forms.ValidationError(NAME_HELP)
        return name

    def clean_driver(self) -> str:
        return self.cleaned_data["driver"].strip() or "local"

    def clean_driver_options(self) -> dict[str, str]:
        return parse_key_values(self.cleaned_data["driver_options"], what="option")


class NetworkCreateForm(OwnedCreateForm):
    name = forms.CharField(max_length=128)
    subnet = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "10.42.0.0/24"}),
    )
    gateway = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "10.42.0.1"}),
    )
    internal = forms.BooleanField(
        required=False, help_text="No route out: containers reach only each other."
    )
    field_order = ["name", "team", "subnet", "gateway", "internal", "labels"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not NAME.match(name):
            raise forms.ValidationError(NAME_HELP)
        return name

    def clean_subnet(self) -> str:
        subnet = self.cleaned_data["subnet"].strip()
        if not subnet:
            return ""
        try:
            return str(ipaddress.ip_network(subnet, strict=True))
        except ValueError:
            raise forms.ValidationError(
                "Write a subnet in CIDR form, host bits zero: like 10.42.0.0/24."
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        gateway = (data.get("gateway") or "").strip()
        subnet = data.get("subnet") or ""
        if gateway:
            try:
                address = ipaddress.ip_address(gateway)
            except ValueError:
                self.add_error("gateway", "Write an IP address, like 10.42.0.1.")
                return data
            if not subnet:
                self.add_error("gateway", "A gateway needs a subnet.")
            elif address not in ipaddress.ip_network(subnet):
                self.add_error("gateway", f"{gateway} is not inside {subnet}.")
            data["gateway"] = str(address)
        return data


class NetworkConnectForm(forms.Form):
    container = forms.ChoiceField()
    alias = forms.CharField(
        required=False,
        max_length=63,
        help_text="Another name the container answers to on this network.",
    )

    def __init__(self, *args: Any, containers: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["container"].choices = containers

    def clean_alias(self) -> str:
        alias = self.cleaned_data["alias"].strip()
        if alias and not ALIAS.match(alias):
            raise forms.ValidationError(
                "Use letters, digits, '_', '.' and '-' (a host name, up to 63)."
            )
        return alias


class VolumeFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={"placeholder": "name or label", "type": "search"}
        ),
    )
    usage = forms.ChoiceField(
        required=False,
        choices=[("", "all"), ("dangling", "dangling (unused)"), ("in-use", "in use")],
    )


class PruneForm(forms.Form):
    label = forms.CharField(
        required=False,
        max_length=256,
        help_text="Only volumes with this label (key or key=value); empty: all unused.",
    )

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if label and not LABEL_FILTER.match(label):
            raise forms.ValidationError("Write a label key, or key=value.")
        return label
