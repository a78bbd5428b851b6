from __future__ import annotations

import re

from django import forms

from console.dockerapi import ContainerSummary, ImageSummary

STATES = ["running", "paused", "restarting", "created", "exited", "dead", "removing"]
STATE_ORDER = {state: index for index, state in enumerate(STATES)}
LABEL_FILTER = re.compile(r"^[^=\s]+(=.*)?$")


class ContainerFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={"placeholder": "name, image or id", "type": "search"}
        ),
    )
    state = forms.ChoiceField(
        required=False, choices=[("", "any state"), *((s, s) for s in STATES)]
    )
    label = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "label key or key=value"}),
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("name", "name"),
            ("-name", "name, Z→A"),
            ("state", "state"),
            ("-created", "newest first"),
            ("created", "oldest first"),
        ],
    )

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if label and not LABEL_FILTER.match(label):
            raise forms.ValidationError("Write a label key, or key=value.")
        return label

    def engine_filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {
            "state": self.cleaned_data["state"],
            "label": self.cleaned_data["label"],
        }

    def narrow(self, containers: list[ContainerSummary]) -> list[ContainerSummary]:
        """Text search and sort, done here since the engine cannot."""
        data = self.cleaned_data if self.is_valid() else {}
        text = (data.get("q") or "").strip().lower()
        if text:
            containers = [c for c in containers if _matches(c, text)]
        return sort_containers(containers, data.get("sort") or "name")


def _matches(container: ContainerSummary, text: str) -> bool:
    return (
        text in container.name.lower()
        or text in container.image.lower()
        or container.id.startswith(text)
    )


def _by_name(container: ContainerSummary) -> tuple:
    return (container.name.lower(),)


def _by_state(container: ContainerSummary) -> tuple:
    return STATE_ORDER.get(container.state, 99), container.name.lower()


def _by_created(container: ContainerSummary) -> tuple:
    return container.created.timestamp() if container.created else 0, container.name


SORT_KEYS = {"name": _by_name, "state": _by_state, "created": _by_created}


def sort_containers(
    containers: list[ContainerSummary], order: str
) -> list[ContainerSummary]:
    key = SORT_KEYS.get(order.lstrip("-"), _by_name)
    return sorted(containers, key=key, reverse=order.startswith("-"))


class ImageFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "tag or id", "type": "search"}),
    )
    dangling = forms.BooleanField(required=False, label="dangling only")
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-created", "newest first"),
            ("tag", "tag"),
            ("-size", "largest first"),
        ],
    )

    def narrow(self, images: list[ImageSummary]) -> list[ImageSummary]:
        data = self.cleaned_data if self.is_valid() else {}
        text = (data.get("q") or "").strip().lower()
        if text:
            images = [
                i
                for i in images
                if any(text in tag.lower() for tag in i.tags)
                or i.id.removeprefix("sha256:").startswith(text)
            ]
        order = data.get("sort") or "-created"
        if order == "tag":
            return sorted(images, key=lambda i: (not i.tags, i.tags[:1]))
        if order == "-size":
            return sorted(images, key=lambda i: i.size, reverse=True)
        return sorted(
            images,
            key=lambda i: i.created.timestamp() if i.created else 0,
            reverse=True,
        )


class ContainerActionForm(forms.Form):
    remove_volumes = forms.BooleanField(required=False)


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("start", "start"), ("stop", "stop"), ("remove", "remove")]
    )
    ids = forms.MultipleChoiceField(
        required=True,
        error_messages={"required": "Select at least one container first."},
    )
    remove_volumes = forms.BooleanField(required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        submitted = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        # Any id is a valid choice here: the engine is the judge of existence.
        self.fields["ids"].choices = [(i, i) for i in submitted]


class ImageRemoveForm(forms.Form):
    image = forms.CharField(max_length=512)
    force = forms.BooleanField(required=False)


class RunningFilterForm(forms.Form):
    """Filters of the admin's "Running now" page."""

    team = forms.ChoiceField(required=False)
    owner = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"placeholder": "owner"})
    )
    flag = forms.ChoiceField(required=False)
    state = forms.ChoiceField(
        required=False,
        choices=[("running", "running"), ("all", "all states")],
    )

    def __init__(self, *args: object, teams: list[str], flags: dict, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [
            ("", "any team"),
            ("-", "no team (unmanaged)"),
            *((t, t) for t in teams),
        ]
        self.fields["flag"].choices = [("", "any flag"), *flags.items()]

    @property
    def data_or_empty(self) -> dict:
        return self.cleaned_data if self.is_bound and self.is_valid() else {}
