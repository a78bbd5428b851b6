"""Forms that start jobs: launch, pull, build, push, prune.

Each validates every field on its own (errors shown beside the field, input
kept) and turns the text into typed values; checks that need the engine
(name taken, host port taken) are made by the view before anything starts.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from django import forms
from django.conf import settings

from console.dockerapi import ContainerSpec
from console.permissions import Access
from containers import launch
from containers.ports import parse_port_specs
from containers.references import normalize_image_reference, split_image_reference

RESTART_POLICIES = [
    ("no", "no"),
    ("unless-stopped", "unless-stopped"),
    ("always", "always"),
    ("on-failure", "on-failure"),
]
TAG_SPLIT = re.compile(r"[\s,]+")
NAMESPACE_MODE = re.compile(r"^(host|private|shareable|none|container:[\w.\-]+)$")
ADVANCED_FIELDS = (
    "privileged",
    "cap_add",
    "devices",
    "sysctls",
    "security_opt",
    "pid_mode",
    "ipc_mode",
    "network_mode",
    "uts_mode",
    "userns_mode",
    "cgroupns_mode",
    "volumes_from",
)


def _words(text: str) -> list[str]:
    return [word for word in TAG_SPLIT.split(text) if word]


def _text(label: str, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.TextInput(attrs=attrs)
    )


def _area(label: str, rows: int = 3, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows, **attrs}),
    )


class ImageField(forms.CharField):
    """An image reference, checked against distribution/reference."""

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return value
        try:
            normalize_image_reference(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return split_image_reference(value).familiar


class LaunchForm(forms.Form):
    image = ImageField(
        label="Image",
        widget=forms.TextInput(
            attrs={"placeholder": "mongo, redis:7, registry.example.com/team/app:1.2"}
        ),
    )
    name = _text("Name", placeholder="optional; Docker picks one")
    ports = _area("Ports", 2, placeholder="27017:27017\n127.0.0.1::8080")
    command = _text("Command", placeholder="optional, e.g. redis-server --save ''")
    entrypoint = _text("Entrypoint", placeholder="optional")
    env = _area(
        "Environment", 4, placeholder="KEY=VALUE, one per line (paste an env file)"
    )
    volumes = _area("Volumes", 2, placeholder="name:/path or name:/path:ro")
    labels = _area("Labels", 2, placeholder="key=value, one per line")
    restart_policy = forms.ChoiceField(choices=RESTART_POLICIES, initial="no")
    restart_max_retries = forms.IntegerField(
        min_value=0, max_value=1000, required=False
    )
    memory = _text("Memory limit", placeholder="e.g. 512m, 2g")
    cpus = _text("CPU limit", placeholder="e.g. 0.5, 2")
    pids = forms.IntegerField(label="PIDs limit", min_value=0, required=False)
    network = _text("Network", placeholder="optional: an existing network")
    team = forms.ChoiceField(required=False, choices=())
    # Host-level power: shown to admins only, refused by the policy for others.
    privileged = forms.BooleanField(label="Privileged", required=False)
    cap_add = _text("Add capabilities", placeholder="NET_ADMIN SYS_TIME")
    devices = _area("Devices", 2, placeholder="/dev/fuse or /dev/sda:/dev/xvda:rwm")
    sysctls = _area("Sysctls", 2, placeholder="net.ipv4.ip_forward=1")
    security_opt = _area("Security options", 2, placeholder="seccomp=unconfined")
    pid_mode = _text("PID namespace", placeholder="host or container:NAME")
    ipc_mode = _text("IPC namespace", placeholder="host, shareable, container:NAME")
    network_mode = _text("Network mode", placeholder="host, none, container:NAME")
    uts_mode = _text("UTS namespace", placeholder="host")
    userns_mode = _text("User namespace", placeholder="host")
    cgroupns_mode = _text("Cgroup namespace", placeholder="host or private")
    volumes_from = _text("Volumes from", placeholder="container[:ro] ...")
    pull = forms.BooleanField(label="Pull if missing", required=False, initial=True)
    start = forms.BooleanField(label="Start after create", required=False, initial=True)
    keep = forms.BooleanField(label="Keep it if it fails to start", required=False)

    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access = access
        teams = sorted(access.teams)
        if access.is_admin:
            from console.models import Team

            teams = list(Team.objects.values_list("name", flat=True))
            self.fields["team"].choices = [("", "none (unmanaged)")] + [
                (t, t) for t in teams
            ]
        else:
            self.fields["team"].choices = [(t, t) for t in teams]
            self.fields["team"].required = True
        self.fields["memory"].initial = f"{settings.BERTH_DEFAULT_MEMORY_MB}m"
        self.fields["cpus"].initial = f"{settings.BERTH_DEFAULT_CPUS:g}"
        self.fields["pids"].initial = settings.BERTH_DEFAULT_PIDS

    def _parsed(self, field: str, parser: Any) -> Any:
        try:
            return parser(self.cleaned_data[field])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if name and not launch.CONTAINER_NAME.match(name):
            raise forms.ValidationError(
                "Use letters, digits, _ . and - (starting with a letter or digit)."
            )
        return name.lstrip("/")

    def clean_ports(self) -> list:
        return self._parsed("ports", parse_port_specs)

    def clean_command(self) -> tuple[str, ...]:
        return self._parsed("command", launch.parse_command)

    def clean_entrypoint(self) -> tuple[str, ...] | None:
        if not self.cleaned_data["entrypoint"].strip():
            return None
        return self._parsed("entrypoint", launch.parse_command)

    def clean_env(self) -> list[str]:
        return self._parsed("env", launch.parse_env)

    def clean_volumes(self) -> list:
        return self._parsed("volumes", launch.parse_volumes)

    def clean_labels(self) -> dict[str, str]:
        labels = self._parsed("labels", launch.parse_labels)
        reserved = [key for key in labels if key.startswith("berth.")]
        if reserved and not self.access.is_admin:
            raise forms.ValidationError(
                f"Labels starting with berth. are Berth's own ({', '.join(reserved)})."
            )
        return labels

    def clean_cap_add(self) -> tuple[str, ...]:
        return tuple(word.upper() for word in _words(self.cleaned_data["cap_add"]))

    def clean_devices(self) -> tuple[str, ...]:
        return launch.parse_list(self.cleaned_data["devices"])

    def clean_sysctls(self) -> dict[str, str]:
        return self._parsed("sysctls", launch.parse_labels)

    def clean_security_opt(self) -> tuple[str, ...]:
        return launch.parse_list(self.cleaned_data["security_opt"])

    def clean_volumes_from(self) -> tuple[str, ...]:
        return tuple(_words(self.cleaned_data["volumes_from"]))

    def _mode(self, field: str) -> str:
        mode = self.cleaned_data[field].strip()
        if mode and not NAMESPACE_MODE.match(mode):
            raise forms.ValidationError(
                "Write host, private, shareable, none or container:NAME."
            )
        return mode

    def clean_pid_mode(self) -> str:
        return self._mode("pid_mode")

    def clean_ipc_mode(self) -> str:
        return self._mode("ipc_mode")

    def clean_network_mode(self) -> str:
        return self._mode("network_mode")

    def clean_uts_mode(self) -> str:
        return self._mode("uts_mode")

    def clean_userns_mode(self) -> str:
        return self._mode("userns_mode")

    def clean_cgroupns_mode(self) -> str:
        return self._mode("cgroupns_mode")

    def clean_memory(self) -> int:
        if not self.cleaned_data["memory"].strip():
            return 0
        return self._parsed("memory", launch.parse_memory)

    def clean_cpus(self) -> int:
        if not self.cleaned_data["cpus"].strip():
            return 0
        return self._parsed("cpus", launch.parse_cpus)

    def spec(self, owner: str) -> ContainerSpec:
        """The container this valid form asks for, with Berth's own labels.

        For non-admins, empty limits become the defaults from the settings
        and ports without an address are published on BERTH_PUBLISH_IP.
        """
        data = self.cleaned_data
        labels = dict(data["labels"])
        labels["berth.owner"] = owner
        if data.get("team"):
            labels["berth.team"] = data["team"]
        return ContainerSpec(
            image=data["image"],
            name=data["name"],
            command=data["command"],
            entrypoint=data["entrypoint"],
            env=tuple(data["env"]),
            ports=self._bindings(),
            mounts=tuple(data["volumes"]),
            labels=labels,
            restart_policy=data["restart_policy"],
            restart_max_retries=data.get("restart_max_retries") or 0,
            network=data["network"].strip(),
            **self._limits(),
            **self._host_power(),
        )

    def _bindings(self) -> tuple:
        ports = launch.bindings(self.cleaned_data["ports"])
        if self.access.is_admin:
            return ports
        return tuple(
            replace(p, host_ip=p.host_ip or settings.BERTH_PUBLISH_IP) for p in ports
        )

    def _limits(self) -> dict[str, int]:
        data = self.cleaned_data
        limits = {
            "memory_bytes": data["memory"],
            "nano_cpus": data["cpus"],
            "pids_limit": data.get("pids") or 0,
        }
        if not self.access.is_admin:
            limits["memory_bytes"] = limits["memory_bytes"] or (
                settings.BERTH_DEFAULT_MEMORY_MB * 1024**2
            )
            limits["nano_cpus"] = limits["nano_cpus"] or int(
                settings.BERTH_DEFAULT_CPUS * 1e9
            )
            limits["pids_limit"] = limits["pids_limit"] or settings.BERTH_DEFAULT_PIDS
        return limits

    def _host_power(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ADVANCED_FIELDS}

    def options(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data[key]) for key in ("pull", "start", "keep")}


class PullForm(forms.Form):
    reference = ImageField(
        label="Image",
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. registry.example.com/team/app:1.2"}
        ),
    )


class BuildForm(forms.Form):
    tags = forms.CharField(
        label="Tags",
        widget=forms.TextInput(attrs={"placeholder": "myapp:dev, myapp:latest"}),
    )
    dockerfile = _area("Dockerfile", 8, placeholder="FROM alpine\nRUN ...")
    context = forms.FileField(
        label="or a build context (.tar / .tar.gz)", required=False
    )

    def clean_tags(self) -> list[str]:
        tags = [t for t in TAG_SPLIT.split(self.cleaned_data["tags"]) if t]
        if not tags:
            raise forms.ValidationError("Give at least one tag.")
        try:
            return [
                split_image_reference(t).familiar
                for t in tags
                if normalize_image_reference(t)
            ]
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_context(self) -> Any:
        upload = self.cleaned_data.get("context")
        if upload and upload.size > settings.BERTH_MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"The context is larger than {settings.BERTH_MAX_UPLOAD_MB} MB."
            )
        if upload and not upload.name.endswith((".tar", ".tar.gz", ".tgz")):
            raise forms.ValidationError("Upload a .tar or .tar.gz file.")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("dockerfile", "").strip() and not data.get("context"):
            raise forms.ValidationError("Type a Dockerfile or upload a build context.")
        return data


class PushForm(forms.Form):
    image = forms.CharField(widget=forms.HiddenInput)
    target = ImageField(
        label="Push as",
        widget=forms.TextInput(
            attrs={"placeholder": "registry.example.com/team/app:1.2"}
        ),
    )
    username = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    # A registered registry: its stored credentials are used, and a target
    # without a host is pushed to it.
    registry = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="typed credentials"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from registry_browser.models import Registry

        super().__init__(*args, **kwargs)
        self.fields["registry"].queryset = Registry.objects.all()


class PruneForm(forms.Form):
    containers = forms.BooleanField(
        label="stopped containers", required=False, initial=True
    )
    images = forms.BooleanField(label="dangling images", required=False, initial=True)
    label = forms.CharField(
        required=False,
        label="only objects with this label",
        widget=forms.TextInput(attrs={"placeholder": "key=value"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("containers") and not data.get("images"):
            raise forms.ValidationError("Choose what to prune.")
        return data
