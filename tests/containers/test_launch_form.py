"""The launch form: every field checked, errors beside it, input kept, and
nothing created when the engine or the policy says no."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.models import AuditEvent
from containers import launch
from containers.models import Job

pytestmark = pytest.mark.django_db


def test_env_accepts_an_env_file_with_comments_export_and_quotes():
    text = "# db\nexport DB_USER=app\nDB_PASSWORD='s3 cret'\n\nEMPTY=\nURL=\"a=b\"\n"
    assert launch.parse_env(text) == [
        "DB_USER=app",
        "DB_PASSWORD=s3 cret",
        "EMPTY=",
        "URL=a=b",
    ]


@pytest.mark.parametrize("text", ["NOEQUALS", "1BAD=x", "A B=c"])
def test_env_lines_that_are_not_assignments_are_refused_with_their_line(text):
    with pytest.raises(ValueError, match="Line 1"):
        launch.parse_env(text)


def test_volumes_are_named_volumes_or_host_paths():
    mounts = launch.parse_volumes("data:/data\ncache:/cache:ro\n/srv/x:/x")
    assert [(m.source, m.target, m.read_only, m.kind) for m in mounts] == [
        ("data", "/data", False, "volume"),
        ("cache", "/cache", True, "volume"),
        ("/srv/x", "/x", False, "bind"),
    ]
    for bad in ("data", "data:relative", "da ta:/x", "a:/b:rx"):
        with pytest.raises(ValueError):
            launch.parse_volumes(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("512m", 512 * 1024**2),
        ("2g", 2 * 1024**3),
        ("1.5 GiB", int(1.5 * 1024**3)),
        ("256", 256 * 1024**2),
        ("64k", 64 * 1024),
    ],
)
def test_memory_sizes(text, expected):
    assert launch.parse_memory(text) == expected


def post_launch(client, **fields):
    data = {
        "image": "berth-test/busybox",
        "restart_policy": "no",
        "team": "blue",
        "memory": "128m",
        "cpus": "0.5",
        "pids": "100",
        "pull": "on",
        "start": "on",
    }
    data.update(fields)
    return client.post(reverse("containers:launch"), data)


def test_each_bad_field_is_explained_beside_it_and_input_is_kept(operator_client):
    response = post_launch(
        operator_client,
        image="Bad/Image",
        ports="70000:80",
        env="oops",
        memory="lots",
        name="-x",
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "repository names must be lowercase" in body
    assert "70000" in body and "out of range" in body
    assert "Line 1: write KEY=VALUE" in body
    assert "Write a size such as 512m" in body
    assert 'value="Bad/Image"' in body and "oops</textarea>" in body
    assert not Job.objects.exists()


def test_viewers_cannot_open_the_launch_form(viewer_client):
    assert viewer_client.get(reverse("containers:launch")).status_code == 403


def test_the_form_is_prefilled_from_the_query(operator_client):
    response = operator_client.get(
        reverse("containers:launch"), {"image": "registry:5000/app:1", "ports": "8080"}
    )
    body = response.content.decode()
    assert 'value="registry:5000/app:1"' in body and "8080</textarea>" in body


def test_operators_cannot_bind_mount_host_paths(operator_client):
    response = post_launch(operator_client, volumes="/etc:/host-etc:ro")
    assert response.status_code == 400
    assert "Mounting the host path /etc is for admins only" in response.content.decode()
    event = AuditEvent.objects.get(action="container.launch")
    assert event.outcome == "denied" and event.params == {"rules": ["bind-mounts"]}
    assert not Job.objects.exists()


def test_operators_cannot_plant_berth_labels(operator_client):
    response = post_launch(operator_client, labels="berth.team=red")
    assert "Labels starting with berth. are Berth" in response.content.decode()


@pytest.mark.engine
def test_a_host_port_published_by_another_container_is_refused_with_its_name(
    operator_client, make_container
):
    holder = make_container(team="blue", publish={80: ("127.0.0.1", None)})
    port = holder["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
    response = post_launch(operator_client, ports=f"127.0.0.1:{port}:80")
    body = response.content.decode()
    assert response.status_code == 400
    assert (
        f"Host port 127.0.0.1:{port}/tcp is already taken by container "
        f"{holder['Name'].lstrip('/')}" in body
    )
    assert not Job.objects.exists()


@pytest.mark.engine
def test_a_host_port_bound_by_a_process_is_refused_with_the_process(operator_client):
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        response = post_launch(operator_client, ports=f"127.0.0.1:{port}:80")
    body = response.content.decode()
    assert f"Host port 127.0.0.1:{port}/tcp is already taken by python" in body
    assert not Job.objects.exists()


@pytest.mark.engine
def test_a_taken_name_and_a_missing_network_are_refused(
    operator_client, make_container
):
    existing = make_container(team="blue", start=False)
    response = post_launch(
        operator_client,
        name=existing["Name"].lstrip("/"),
        network="no-such-network-here",
    )
    body = response.content.decode()
    assert "already exists" in body and "There is no network called" in body


def test_an_unreachable_engine_keeps_the_form_and_says_why(
    operator_client, tmp_path, settings
):
    settings.DOCKER_HOST = f"unix://{tmp_path}/gone.sock"
    response = post_launch(operator_client, name="kept-name", env="A=1")
    body = response.content.decode()
    assert response.status_code == 503
    assert "is not reachable" in body and "nothing was launched" in body
    assert 'value="kept-name"' in body and "A=1</textarea>" in body
    assert not Job.objects.exists()
