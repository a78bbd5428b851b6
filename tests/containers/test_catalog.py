"""The service catalog: templates, launching one for real, who sees the
credentials, and managing it from "My services"."""

from __future__ import annotations

import json
import re
import socket
import time
from datetime import timedelta

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from console.dockerapi import PortBinding
from console.models import AuditEvent
from containers.catalog_services import (
    LaunchRequest,
    build_spec,
    connection_info,
    generate_secrets,
)
from containers.catalog_templates import CATALOG_DIR, load_catalog, parse_template
from containers.models import PortReservation, Service, ServiceTemplate
from tests.support.live import wait_for_job

REQUIRED = {
    "mongodb",
    "redis",
    "postgresql",
    "mariadb",
    "rabbitmq",
    "minio",
    "mailpit",
    "memcached",
    "nats",
}


@pytest.mark.django_db
def test_every_template_in_the_repository_loads_and_the_required_ones_are_there():
    report = load_catalog()
    assert {line.split(":")[0] for line in report} >= REQUIRED
    for template in ServiceTemplate.objects.all():
        assert template.tags and template.ports, template.slug
        assert template.connection, template.slug
        assert template.healthcheck["test"], template.slug
    assert set(load_catalog()) == {f"{slug}: unchanged" for slug in _slugs()}


def _slugs() -> set[str]:
    return {yaml.safe_load(p.read_text())["slug"] for p in CATALOG_DIR.glob("*.yaml")}


@pytest.mark.django_db
def test_a_template_edited_in_the_admin_is_not_overwritten(admin_client):
    load_catalog()
    redis = ServiceTemplate.objects.get(slug="redis")
    url = reverse("admin:containers_servicetemplate_change", args=[redis.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        name="Redis (ours)",
        tags=json.dumps(redis.tags),
        ports=json.dumps(redis.ports),
        secrets=json.dumps(redis.secrets),
        env=json.dumps(redis.env),
        entrypoint="[]",
        command=json.dumps(redis.command),
        healthcheck=json.dumps(redis.healthcheck),
        credentials=json.dumps(redis.credentials),
        links="{}",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert "redis: edited in the admin, left alone" in load_catalog()
    assert ServiceTemplate.objects.get(slug="redis").name == "Redis (ours)"


def test_a_secret_on_a_command_line_in_an_unmasked_env_or_unknown_is_refused():
    text = (CATALOG_DIR / "redis.yaml").read_text()
    data = yaml.safe_load(text)
    data["command"] = ["redis-server", "--requirepass", "{{ password }}"]
    with pytest.raises(ValueError, match="secrets only go in env"):
        parse_template(data, source="redis.yaml")
    data = yaml.safe_load(text)
    data["env"] = {"REDIS_ARGS": "--requirepass {{ password }}"}
    with pytest.raises(ValueError, match="REDIS_ARGS holds a secret"):
        parse_template(data, source="redis.yaml")
    data = yaml.safe_load(text)
    data["connection"] = "redis://{{ pasword }}@{{ host }}"
    with pytest.raises(ValueError, match="pasword"):
        parse_template(data, source="redis.yaml")


@pytest.mark.django_db
def test_load_catalog_command_reports_each_template():
    from io import StringIO

    out = StringIO()
    call_command("load_catalog", stdout=out)
    assert "redis: created" in out.getvalue()


@pytest.mark.django_db
def test_a_launch_gets_fresh_secrets_in_env_only_and_the_limits_and_labels():
    load_catalog()
    redis = ServiceTemplate.objects.get(slug="redis")
    ask = LaunchRequest(redis, "7.4", "cache-1", timedelta(hours=2), "blue")
    ports = (PortBinding(6379, "tcp", "127.0.0.1", "20123"),)
    first = build_spec(
        ask, owner="otto", ports=ports, values=generate_secrets(["password"])
    )
    second = build_spec(
        ask, owner="otto", ports=ports, values=generate_secrets(["password"])
    )
    assert first.env != second.env
    (env,) = first.env
    password = env.removeprefix("REDIS_PASSWORD=")
    assert len(password) == 24 and password.isalnum()
    assert password not in " ".join(first.command) + str(first.healthcheck)
    assert first.image == "redis:7.4" and first.memory_bytes == 256 * 1024**2
    assert first.healthcheck["interval"] == 10 * 10**9
    assert first.labels["berth.template"] == "redis"
    assert first.labels["berth.expires-at"].endswith("Z")
    assert first.mounts[0].source == "cache-1-data"


# --- a real launch from the catalog (Redis stand-in, worker, engine) ---


def launch_redis(client, **fields) -> Service:
    data = {"redis-tag": "7.4", "redis-ttl": "2h", "redis-team": "blue"}
    data.update({f"redis-{k}": v for k, v in fields.items()})
    response = client.post(reverse("containers:catalog_launch", args=["redis"]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    service = Service.objects.latest("id")
    job = wait_for_job(service.job_id, timeout=60)
    assert job.status == "succeeded", job.error
    service.refresh_from_db()
    return service


def redis_says(port: int, password: str) -> bytes:
    """AUTH and PING over the published port, as any Redis client would."""
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(f"AUTH {password}\r\nPING\r\nQUIT\r\n".encode())
                data = b""
                while chunk := sock.recv(1024):
                    data += chunk
                if data:
                    return data
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing answers on {port}")
        time.sleep(0.2)


@pytest.mark.engine
@pytest.mark.django_db(transaction=True)
def test_an_operator_launches_redis_and_connects_with_the_shown_password(
    celery_worker,
    redis_standin,
    operator_client,
    viewer_client,
    outsider_client,
    engine,
    settings,
):
    load_catalog()
    service = launch_redis(operator_client, name="cache-otto")
    assert service.status == "active" and service.container_id
    body = operator_client.get(service.get_absolute_url()).content.decode()
    (port,) = [p["host_port"] for p in service.ports]
    low, high = settings.BERTH_PORT_RANGE
    assert low <= port <= high
    password = json.loads(_unsealed(service))["password"]
    assert f"redis://:{password}@127.0.0.1:{port}/0" in body
    assert redis_says(port, password) == b"+OK\r\n+PONG\r\n+OK\r\n"
    assert b"WRONGPASS" in redis_says(port, "guess")
    # Sealed at rest: neither the service row nor the finished job holds it.
    raw = Service.objects.filter(pk=service.pk).values().get()
    assert password not in json.dumps(raw, default=str)
    assert password not in json.dumps(service.job.params) + service.job.output
    container = engine.inspect_container(service.container_id)
    labels = container["Config"]["Labels"]
    assert labels["berth.owner"] == "otto" and labels["berth.team"] == "blue"
    assert labels["berth.template"] == "redis" and "berth.expires-at" in labels
    binding = container["HostConfig"]["PortBindings"]["6379/tcp"][0]
    assert binding == {"HostIp": "127.0.0.1", "HostPort": str(port)}
    volume = engine.inspect_volume("cache-otto-data")
    assert volume["Labels"]["berth.team"] == "blue"
    # Viewers of the team see the service, never its secrets; others not at all.
    seen = viewer_client.get(service.get_absolute_url()).content.decode()
    assert "cache-otto" in seen and password not in seen
    assert "operators and admins only" in seen
    assert outsider_client.get(service.get_absolute_url()).status_code == 404
    listed = viewer_client.get(reverse("containers:services")).content.decode()
    assert "cache-otto" in listed and password not in listed
    assert re.search(r'id="service-health">(starting|healthy)<', body)


def _unsealed(service: Service) -> str:
    from console.crypto import unseal

    return unseal(service.credentials_sealed)


@pytest.mark.engine
@pytest.mark.django_db(transaction=True)
def test_my_services_extend_stop_start_and_remove_keeping_or_dropping_data(
    celery_worker, redis_standin, operator_client, engine
):
    load_catalog()
    kept = launch_redis(operator_client, ttl="1h")
    dropped = launch_redis(operator_client, ttl="1h")
    listed = operator_client.get(reverse("containers:services")).content.decode()
    assert kept.name in listed and dropped.name in listed and "59 min" in listed
    operator_client.post(
        reverse("containers:service_extend", args=[kept.pk]), {"by": "3h"}
    )
    kept.refresh_from_db()
    assert timedelta(hours=3, minutes=58) < kept.expires_at - kept.created
    operator_client.post(reverse("containers:service_action", args=[kept.pk, "stop"]))
    assert engine.inspect_container(kept.container_id)["State"]["Status"] == "exited"
    operator_client.post(reverse("containers:service_action", args=[kept.pk, "start"]))
    assert engine.inspect_container(kept.container_id)["State"]["Running"]
    unanswered = operator_client.post(
        reverse("containers:service_remove", args=[kept.pk]), {}
    )
    assert unanswered.status_code == 302 and Service.objects.get(pk=kept.pk).is_live
    operator_client.post(
        reverse("containers:service_remove", args=[kept.pk]), {"volume": "keep"}
    )
    operator_client.post(
        reverse("containers:service_remove", args=[dropped.pk]), {"volume": "remove"}
    )
    for service in (kept, dropped):
        assert not engine.containers(all=True, filters={"id": service.container_id})
        assert not PortReservation.objects.filter(container_id=service.container_id)
        assert Service.objects.get(pk=service.pk).status == "removed"
    volumes = {v["Name"] for v in engine.volumes()["Volumes"] or []}
    assert kept.volume_name in volumes and dropped.volume_name not in volumes
    engine.remove_volume(kept.volume_name)
    actions = set(
        AuditEvent.objects.filter(target_id=kept.container_id).values_list(
            "action", "outcome"
        )
    )
    assert {
        ("service.extend", "success"),
        ("container.stop", "success"),
        ("container.start", "success"),
        ("service.remove", "success"),
    } <= actions


@pytest.mark.django_db
def test_viewers_cannot_launch_from_the_catalog(viewer_client):
    load_catalog()
    response = viewer_client.post(
        reverse("containers:catalog_launch", args=["redis"]),
        {"redis-tag": "7.4", "redis-team": "blue"},
    )
    assert response.status_code == 403 and not Service.objects.exists()
    page = viewer_client.get(reverse("containers:catalog")).content.decode()
    assert "Redis" in page and "data-launch" not in page


@pytest.mark.django_db
def test_connection_info_fills_every_placeholder():
    load_catalog()
    rabbit = ServiceTemplate.objects.get(slug="rabbitmq")
    service = Service(
        name="mq",
        ports=[
            {"container_port": 5672, "host_port": 20001},
            {"container_port": 15672, "host_port": 20002},
        ],
        credentials_sealed=_seal({"password": "pw"}),
        connection_template=rabbit.connection,
        credentials_template=rabbit.credentials,
        links_template=rabbit.links,
    )
    info = connection_info(service, "10.0.0.5")
    assert info.connection == "amqp://berth:pw@10.0.0.5:20001/"
    assert ("management UI", "http://10.0.0.5:20002/") in info.links
    assert ("password", "pw") in info.credentials


def _seal(values: dict) -> str:
    from console.crypto import seal

    return seal(json.dumps(values))


@pytest.mark.parametrize(
    ("publish_ip", "request_host", "expected"),
    [
        ("127.0.0.1", "berth.example.com:8000", "127.0.0.1"),
        ("::1", "berth.example.com", "[::1]"),
        ("0.0.0.0", "berth.example.com:8000", "berth.example.com"),
        ("0.0.0.0", "[fd00::5]:8000", "[fd00::5]"),
    ],
)
def test_connection_strings_name_the_publish_address_or_the_consoles_host(
    settings, publish_ip, request_host, expected
):
    from containers.catalog_services import service_host

    settings.BERTH_PUBLISH_IP = publish_ip
    assert service_host(request_host) == expected
