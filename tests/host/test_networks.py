"""Networks against the real engine: create, connect, disconnect, refuse, remove."""

from __future__ import annotations

import ipaddress

import pytest
from django.test import override_settings
from django.urls import reverse

from bench.engine_proxy import EngineProxy
from console.models import AuditEvent
from tests.host.conftest import free_subnet
from tests.support.engine import RUN_ID, RUN_LABEL, unique_name

pytestmark = [pytest.mark.django_db, pytest.mark.engine]


@pytest.fixture
def removed_after(engine):
    names: list[str] = []
    yield names
    for name in names:
        for row in engine.networks(names=[name]):
            for container in engine.containers(
                all=True, filters={"network": row["Id"]}
            ):
                engine.disconnect_container_from_network(
                    container["Id"], row["Id"], force=True
                )
            engine.remove_network(row["Id"])


def test_an_operator_creates_an_internal_network_with_a_subnet(
    operator_client, engine, removed_after
):
    name = unique_name("net")
    removed_after.append(name)
    subnet = free_subnet(engine)
    gateway = str(next(ipaddress.ip_network(subnet).hosts()))
    response = operator_client.post(
        reverse("host:network_create"),
        {
            "name": name,
            "team": "blue",
            "subnet": subnet,
            "gateway": gateway,
            "internal": "on",
            "labels": f"{RUN_LABEL}={RUN_ID}",
        },
        follow=True,
    )
    body = response.content.decode()
    assert f"Created network {name}." in body
    (network,) = engine.networks(names=[name])
    assert network["Driver"] == "bridge" and network["Internal"] is True
    assert network["IPAM"]["Config"] == [{"Subnet": subnet, "Gateway": gateway}]
    assert network["Labels"]["berth.team"] == "blue"
    assert network["Labels"]["berth.owner"] == "otto"
    assert f"{subnet} · {gateway}" in body  # the list shows subnet and gateway
    assert AuditEvent.objects.get(action="network.create").outcome == "success"


def test_a_gateway_outside_the_subnet_is_refused_beside_the_field(operator_client):
    response = operator_client.post(
        reverse("host:network_create"),
        {
            "name": "berth-test-x",
            "team": "blue",
            "subnet": "10.9.8.0/24",
            "gateway": "10.1.1.1",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "10.1.1.1 is not inside 10.9.8.0/24." in body
    assert 'value="10.9.8.0/24"' in body  # input kept


def test_connect_with_an_alias_then_disconnect(
    operator_client, engine, make_network, make_container
):
    network = make_network(team="blue")
    container = make_container(team="blue")
    name = container["Name"].lstrip("/")
    url = reverse("host:network_connect", args=[network["Id"]])
    response = operator_client.post(
        url, {"container": container["Id"], "alias": "cache"}, follow=True
    )
    assert f"Connected {name} to {network['Name']}." in response.content.decode()
    endpoint = engine.inspect_container(container["Id"])["NetworkSettings"]["Networks"][
        network["Name"]
    ]
    assert "cache" in endpoint["Aliases"]
    body = operator_client.get(reverse("host:networks")).content.decode()
    assert f'{name} <span class="mono">{endpoint["IPAddress"]}</span>' in body
    detail = operator_client.get(reverse("host:network", args=[network["Id"]]))
    assert endpoint["MacAddress"] in detail.content.decode()

    response = operator_client.post(
        reverse("host:network_disconnect", args=[network["Id"]]),
        {"container": container["Id"]},
        follow=True,
    )
    assert f"Disconnected {name} from {network['Name']}." in response.content.decode()
    networks = engine.inspect_container(container["Id"])["NetworkSettings"]["Networks"]
    assert network["Name"] not in networks
    events = AuditEvent.objects.filter(action__startswith="network.").order_by("id")
    actions = list(events.values_list("action", "outcome"))
    assert actions == [
        ("network.connect", "success"),
        ("network.disconnect", "success"),
    ]


def test_removal_is_refused_while_containers_are_attached_even_stopped(
    operator_client, engine, make_network, make_container
):
    network = make_network(team="blue")
    container = make_container(team="blue", start=False)
    engine.connect_container_to_network(container["Id"], network["Id"])
    url = reverse("host:network_remove", args=[network["Id"]])
    response = operator_client.post(url, follow=True)
    name = container["Name"].lstrip("/")
    assert (
        f"Network {network['Name']} is in use by {name}." in response.content.decode()
    )
    engine.inspect_network(network["Id"])
    engine.disconnect_container_from_network(container["Id"], network["Id"])
    response = operator_client.post(url, follow=True)
    assert f"Removed network {network['Name']}." in response.content.decode()
    assert not engine.networks(ids=[network["Id"]])
    outcomes = list(
        AuditEvent.objects.filter(action="network.remove").values_list(
            "outcome", flat=True
        )
    )
    assert sorted(outcomes) == ["failure", "success"]


@pytest.mark.parametrize("name", ["bridge", "host", "none"])
def test_the_engines_default_networks_are_never_removed(admin_client, engine, name):
    (network,) = engine.networks(names=[name])
    response = admin_client.post(
        reverse("host:network_remove", args=[network["Id"]]), follow=True
    )
    body = response.content.decode()
    assert f"{name} is one of the engine&#x27;s default networks: it stays." in body
    assert engine.inspect_network(network["Id"])
    assert AuditEvent.objects.get(action="network.remove").outcome == "denied"


def test_operators_connect_only_their_containers_to_their_networks(
    operator_client, outsider_client, engine, make_network, make_container
):
    blue_net = make_network(team="blue")
    red_container = make_container(team="red")
    blue_container = make_container(team="blue")
    red_net = make_network(team="red")
    # Otto (blue) may not move a red container onto his network...
    response = operator_client.post(
        reverse("host:network_connect", args=[blue_net["Id"]]),
        {"container": red_container["Id"]},
        follow=True,
    )
    assert "You may not connect" in response.content.decode()
    # ...nor his container onto a red network (he cannot even see it).
    response = operator_client.post(
        reverse("host:network_connect", args=[red_net["Id"]]),
        {"container": blue_container["Id"]},
        follow=True,
    )
    assert "You may not connect network" in response.content.decode()
    assert (
        operator_client.get(reverse("host:network", args=[red_net["Id"]])).status_code
        == 404
    )
    for container in (red_container, blue_container):
        nets = engine.inspect_container(container["Id"])["NetworkSettings"]["Networks"]
        assert set(nets) == {"bridge"}
    assert set(
        AuditEvent.objects.filter(action="network.connect").values_list(
            "outcome", flat=True
        )
    ) == {"denied"}
    # The outsider's own container on his own network is fine.
    response = outsider_client.post(
        reverse("host:network_connect", args=[red_net["Id"]]),
        {"container": red_container["Id"]},
        follow=True,
    )
    assert "Connected" in response.content.decode()


def test_viewers_see_networks_but_cannot_act(
    viewer_client, make_network, make_container
):
    network = make_network(team="blue")
    body = viewer_client.get(reverse("host:networks")).content.decode()
    assert network["Name"] in body
    assert reverse("host:network_remove", args=[network["Id"]]) not in body
    detail = viewer_client.get(
        reverse("host:network", args=[network["Id"]])
    ).content.decode()
    assert "Connect a container" not in detail
    response = viewer_client.post(
        reverse("host:network_remove", args=[network["Id"]]), follow=True
    )
    assert "You may not remove network" in response.content.decode()


def test_unmanaged_networks_are_acted_on_by_admins_only(
    operator_client, admin_client, engine, make_network
):
    network = make_network()
    url = reverse("host:network_remove", args=[network["Id"]])
    assert (
        "You may not remove" in operator_client.post(url, follow=True).content.decode()
    )
    assert "Removed network" in admin_client.post(url, follow=True).content.decode()


def test_the_list_costs_two_engine_requests(viewer_client, tmp_path, make_network):
    make_network(team="blue")
    proxy = EngineProxy(str(tmp_path / "engine.sock")).start()
    try:
        with override_settings(DOCKER_HOST=proxy.docker_host):
            viewer_client.get(reverse("host:networks"))  # makes the client
            proxy.reset()
            assert viewer_client.get(reverse("host:networks")).status_code == 200
            assert proxy.count == 2, proxy.requests
            ends = sorted(path.split("/", 2)[-1] for path in proxy.paths())
            assert ends == ["containers/json", "networks"], proxy.requests
    finally:
        proxy.stop()
