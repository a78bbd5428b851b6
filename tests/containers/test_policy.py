"""The launch policy, tried through every path that creates a container.

Each bypass is posted to the launch form, asked of the catalog where the
catalog can express it, and written straight into a launch job's row (as a
replayed or crafted job would be): as an operator it is refused by name
with a "denied" audit event and nothing is created; as an admin it goes
through.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils.html import escape

from console.dockerapi import ContainerSpec, MountSpec, PortBinding
from console.models import AuditEvent, Team
from containers import launch, policy
from containers.catalog_templates import load_catalog
from containers.jobs import run_job
from containers.models import Job, Service, ServiceTemplate
from tests.support.engine import run_labels, unique_name
from tests.support.live import free_port_in_range

pytestmark = pytest.mark.django_db

# Launch form fields an operator may not use, and the rule that says so.
FORM_BYPASSES = [
    ({"privileged": "on"}, "privileged"),
    ({"cap_add": "NET_ADMIN SYS_ADMIN"}, "capabilities"),
    ({"devices": "/dev/fuse"}, "devices"),
    ({"sysctls": "net.ipv4.ip_forward=1"}, "sysctls"),
    ({"security_opt": "seccomp=unconfined"}, "security-opt"),
    ({"pid_mode": "host"}, "namespaces"),
    ({"ipc_mode": "host"}, "namespaces"),
    ({"network_mode": "host"}, "namespaces"),
    ({"uts_mode": "host"}, "namespaces"),
    ({"userns_mode": "host"}, "namespaces"),
    ({"cgroupns_mode": "host"}, "namespaces"),
    ({"pid_mode": "container:someone-else"}, "namespaces"),
    ({"network": "host"}, "namespaces"),
    ({"volumes_from": "someone-else"}, "volumes-from"),
    ({"volumes": "/:/host"}, "bind-mounts"),
    ({"ports": "0.0.0.0:25000:80"}, "publish-ip"),
    ({"ports": "127.0.0.1:30777:80"}, "port-range"),
    ({"ports": "127.0.0.1:30000-30010:80"}, "port-range"),
    ({"image": "evil.example.com/miner:1"}, "registry"),
    ({"memory": "4g"}, "limits"),
]


@pytest.fixture
def rules(settings):
    settings.BERTH_ALLOWED_REGISTRIES = ["docker.io", "127.0.0.1:5000"]
    blue, _ = Team.objects.get_or_create(name="blue")
    blue.max_container_memory_mb = 1024
    blue.save()
    return settings


def post_launch(client, **fields):
    data = {
        "image": "berth-test/busybox",
        "restart_policy": "no",
        "team": "blue",
        "memory": "64m",
        "cpus": "0.5",
        "pids": "64",
        "start": "on",
    }
    data.update(fields)
    return client.post(reverse("containers:launch"), data)


@pytest.mark.parametrize(("fields", "rule"), FORM_BYPASSES)
def test_the_launch_form_refuses_each_bypass_for_operators_by_rule(
    rules, operator_client, fields, rule
):
    response = post_launch(operator_client, **fields)
    assert response.status_code == 400
    event = AuditEvent.objects.get(action="container.launch")
    assert event.outcome == "denied" and rule in event.params["rules"]
    assert escape(event.error) in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize(("fields", "rule"), FORM_BYPASSES)
def test_the_launch_form_lets_admins_use_each_of_them(
    rules, admin_client, fields, rule
):
    response = post_launch(admin_client, **fields)
    assert response.status_code == 302, response.content.decode()[-2000:]
    job = Job.objects.get()
    assert job.params["spec"]["labels"]["berth.owner"] == "ada"
    assert not AuditEvent.objects.filter(outcome="denied").exists()


def test_the_advanced_section_is_shown_to_admins_only(admin_client, operator_client):
    url = reverse("containers:launch")
    assert "Advanced (admins)" in admin_client.get(url).content.decode()
    assert "Advanced (admins)" not in operator_client.get(url).content.decode()


def test_operator_ports_without_an_address_or_number_are_pinned_and_allocated(
    operator_client, settings
):
    settings.BERTH_CHECK_HOST_PORTS = True
    response = post_launch(operator_client, ports="80")
    assert response.status_code == 302, response.content.decode()[-2000:]
    (port,) = Job.objects.get().params["spec"]["ports"]
    low, high = settings.BERTH_PORT_RANGE
    assert port["host_ip"] == "127.0.0.1" and low <= int(port["host_port"]) <= high


def test_empty_limits_become_the_defaults_for_operators(operator_client, settings):
    response = post_launch(operator_client, memory="", cpus="", pids="")
    assert response.status_code == 302
    spec = Job.objects.get().params["spec"]
    assert spec["memory_bytes"] == settings.BERTH_DEFAULT_MEMORY_MB * 1024**2
    assert spec["nano_cpus"] == int(settings.BERTH_DEFAULT_CPUS * 1e9)
    assert spec["pids_limit"] == settings.BERTH_DEFAULT_PIDS


def test_the_environment_is_sealed_in_the_job_row(operator_client):
    post_launch(operator_client, env="DB_PASSWORD=hunter2")
    job = Job.objects.get()
    assert "hunter2" not in str(job.params)
    spec = launch.spec_from_params(job.params["spec"])
    assert spec.env == ("DB_PASSWORD=hunter2",)


# --- volumes whose driver options hide a bind mount (needs the engine) ---


@pytest.fixture
def hidden_bind_volume(engine, tmp_path):
    """A local volume that is really a bind mount of a host directory."""
    name = unique_name("hidden")
    engine.create_volume(
        name,
        driver="local",
        driver_opts={"type": "none", "o": "bind", "device": str(tmp_path)},
        labels=run_labels(**{"berth.team": "blue"}),
    )
    yield name
    engine.remove_volume(name, force=True)


@pytest.fixture
def red_volume(engine):
    name = unique_name("redvol")
    engine.create_volume(name, labels=run_labels(**{"berth.team": "red"}))
    yield name
    engine.remove_volume(name, force=True)


@pytest.mark.engine
def test_a_volume_hiding_a_bind_mount_is_refused_in_the_form(
    operator_client, hidden_bind_volume
):
    response = post_launch(operator_client, volumes=f"{hidden_bind_volume}:/x")
    assert response.status_code == 400
    assert "mounts a host path through its driver options" in response.content.decode()
    assert AuditEvent.objects.get(action="container.launch").params["rules"] == [
        "bind-mounts"
    ]


@pytest.mark.engine
def test_another_teams_volume_is_refused_and_a_new_one_is_fine(
    operator_client, red_volume
):
    response = post_launch(operator_client, volumes=f"{red_volume}:/data")
    assert "belongs to red" in response.content.decode()
    response = post_launch(operator_client, volumes=f"{unique_name('new')}:/data")
    assert response.status_code == 302


# --- the catalog ---


def catalog_post(client, slug="redis", **fields):
    data = {f"{slug}-tag": "7.4", f"{slug}-ttl": "1h", f"{slug}-team": "blue"}
    data.update({f"{slug}-{k}": v for k, v in fields.items()})
    return client.post(reverse("containers:catalog_launch", args=[slug]), data)


@pytest.fixture
def catalog(db):
    load_catalog()
    return ServiceTemplate.objects.get(slug="redis")


def test_the_catalog_refuses_a_tag_the_template_does_not_offer(
    catalog, operator_client
):
    response = catalog_post(operator_client, tag="latest")
    assert response.status_code == 400 and not Service.objects.exists()


def test_the_catalog_refuses_another_team_and_a_ttl_past_the_maximum(
    catalog, operator_client, settings
):
    Team.objects.create(name="red")
    assert catalog_post(operator_client, team="red").status_code == 400
    settings.BERTH_MAX_TTL_HOURS = 24
    response = catalog_post(operator_client, ttl="3d")
    assert "expire within 24 hours" in response.content.decode()
    response = catalog_post(operator_client, ttl="never")
    assert response.status_code == 400
    assert list(
        AuditEvent.objects.filter(action="service.launch").values_list(
            "outcome", flat=True
        )
    ) == ["denied", "denied"]
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"image": "evil.example.com/redis"}, "registry"),
        ({"memory_mb": 4096}, "limits"),
    ],
)
def test_the_catalog_applies_the_policy_to_what_a_template_would_launch(
    catalog, rules, operator_client, admin_client, change, rule
):
    ServiceTemplate.objects.filter(pk=catalog.pk).update(**change)
    response = catalog_post(operator_client)
    assert response.status_code == 400
    event = AuditEvent.objects.get(action="service.launch")
    assert event.outcome == "denied" and rule in event.params["rules"]
    assert not Service.objects.exists()
    response = catalog_post(admin_client)
    assert response.status_code == 302
    assert (
        Service.objects.get()
        .job.params["spec"]["image"]
        .startswith(change.get("image", "redis"))
    )


@pytest.mark.engine
def test_a_catalog_name_landing_on_a_hidden_bind_volume_is_refused(
    catalog, operator_client, admin_client, engine, tmp_path
):
    name = unique_name("trap")
    engine.create_volume(
        f"{name}-data",
        driver="local",
        driver_opts={"type": "none", "o": "bind", "device": str(tmp_path)},
        labels=run_labels(**{"berth.team": "blue"}),
    )
    try:
        response = catalog_post(operator_client, name=name)
        assert response.status_code == 400
        assert "mounts a host path" in response.content.decode()
        assert catalog_post(admin_client, name=name).status_code == 302
    finally:
        engine.remove_volume(f"{name}-data", force=True)


# --- crafted or replayed jobs: the job itself checks again ---


def crafted_job(user, spec: ContainerSpec, *, start: bool = True) -> Job:
    return Job.objects.create(
        kind=Job.Kind.LAUNCH,
        target=spec.name,
        team=spec.labels.get("berth.team", ""),
        started_by=user,
        params={"spec": launch.spec_to_params(spec), "options": {"start": start}},
    )


def base_spec(owner: str, team: str = "blue") -> ContainerSpec:
    return ContainerSpec(
        image="berth-test/busybox",
        name=unique_name("crafted"),
        command=("sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"),
        labels={"berth.owner": owner, "berth.team": team, **run_labels()},
        memory_bytes=64 * 1024**2,
        nano_cpus=500_000_000,
        pids_limit=64,
    )


JOB_BYPASSES = [
    ({"privileged": True}, "privileged"),
    ({"cap_add": ("SYS_ADMIN",)}, "capabilities"),
    ({"devices": ("/dev/null:/dev/xnull",)}, "devices"),
    ({"sysctls": {"net.ipv4.ip_forward": "1"}}, "sysctls"),
    ({"security_opt": ("apparmor=unconfined",)}, "security-opt"),
    ({"pid_mode": "host"}, "namespaces"),
    ({"network_mode": "host"}, "namespaces"),
    ({"mounts": (MountSpec("/", "/host", kind="bind"),)}, "bind-mounts"),
    ({"volumes_from": ("anything",)}, "volumes-from"),
    ({"ports": (PortBinding(80, "tcp", "", ""),)}, "publish-ip"),
    ({"ports": (PortBinding(80, "tcp", "127.0.0.1", ""),)}, "port-range"),
    ({"memory_bytes": 0}, "limits"),
    ({"labels": {"berth.owner": "otto", "berth.team": "red"}}, "team"),
    ({"labels": {"berth.owner": "ada", "berth.team": "blue"}}, "owner"),
    ({"image": "evil.example.com/miner:1"}, "registry"),
]


@pytest.mark.engine
@pytest.mark.parametrize(("change", "rule"), JOB_BYPASSES)
def test_a_crafted_job_is_refused_by_the_job_itself(
    rules, operator_user, engine, change, rule
):
    spec = replace(base_spec("otto"), **change)
    job = crafted_job(operator_user, spec)
    run_job(job.pk, launch.container_launch)
    job.refresh_from_db()
    assert job.status == "failed" and "Refused by the launch policy" in job.error
    denied = AuditEvent.objects.get(action="container.launch", outcome="denied")
    assert rule in denied.params["rules"] and denied.target_id == str(job.pk)
    assert not engine.containers(all=True, filters={"name": spec.name})


@pytest.mark.engine
def test_a_crafted_job_within_the_policy_runs_for_operators(
    rules, operator_user, engine
):
    spec = replace(
        base_spec("otto"),
        ports=(PortBinding(80, "tcp", "127.0.0.1", str(free_port_in_range())),),
    )
    job = crafted_job(operator_user, spec)
    run_job(job.pk, launch.container_launch)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert not AuditEvent.objects.filter(outcome="denied").exists()
    engine.remove_container(job.result["container_id"], force=True)


@pytest.mark.engine
def test_a_crafted_job_by_an_admin_gets_its_host_power(
    rules, admin_user, engine, make_container, tmp_path
):
    Team.objects.get_or_create(name="blue")
    donor = make_container()
    spec = replace(
        base_spec("ada"),
        privileged=True,
        cap_add=("NET_ADMIN",),
        devices=("/dev/null:/dev/xnull",),
        sysctls={"net.ipv4.ip_forward": "1"},
        security_opt=("apparmor=unconfined",),
        pid_mode="host",
        ipc_mode="host",
        uts_mode="host",
        cgroupns_mode="host",
        volumes_from=(donor["Id"],),
        mounts=(MountSpec(str(tmp_path), "/host", kind="bind"),),
        memory_bytes=0,
    )
    # Created, not started: the engine under the tests may itself run without
    # the capabilities a privileged container needs; creating it is what
    # proves the policy let every field through.
    job = crafted_job(admin_user, spec, start=False)
    run_job(job.pk, launch.container_launch)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    host = engine.inspect_container(job.result["container_id"])["HostConfig"]
    assert host["Privileged"] and host["CapAdd"] == ["NET_ADMIN"]
    assert host["PidMode"] == "host" and host["UTSMode"] == "host"
    assert host["Sysctls"] == {"net.ipv4.ip_forward": "1"}
    assert host["VolumesFrom"] == [donor["Id"]]
    assert {"Type": "bind", "Source": str(tmp_path), "Target": "/host"}.items() <= (
        host["Mounts"][0].items()
    )
    engine.remove_container(job.result["container_id"], force=True)


def test_the_policy_needs_a_launching_role():
    from console.permissions import NOBODY

    found = policy.violations(base_spec("nobody"), NOBODY)
    assert [v.rule for v in found] == ["role"]


@pytest.mark.engine
def test_a_job_whose_starter_is_gone_is_refused(rules, engine):
    spec = base_spec("otto")
    job = crafted_job(None, spec)
    run_job(job.pk, launch.container_launch)
    job.refresh_from_db()
    assert job.status == "failed" and "launch containers" in job.error
    assert not engine.containers(all=True, filters={"name": spec.name})
