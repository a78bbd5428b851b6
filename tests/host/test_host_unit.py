"""Pure parts of the host pages: df summaries, forms and object permissions."""

from __future__ import annotations

import pytest

from console.dockerapi import DiskUsage, NetworkSummary, VolumeSummary
from console.permissions import (
    ACT,
    VIEW,
    Access,
    can_on_object,
    creatable_teams,
    object_scope,
)
from host.forms import NetworkCreateForm, parse_key_values

DF = {
    "LayersSize": 1000,
    "Images": [
        {"Containers": 1, "Size": 600, "SharedSize": 100},
        {"Containers": 0, "Size": 400, "SharedSize": 100},
    ],
    "Containers": [
        {"State": "running", "SizeRw": 10},
        {"State": "exited", "SizeRw": 30},
        {"State": "paused", "SizeRw": 5},
    ],
    "Volumes": [
        {"Name": "used", "UsageData": {"Size": 50, "RefCount": 2}},
        {"Name": "idle", "UsageData": {"Size": 70, "RefCount": 0}},
        {"Name": "remote", "UsageData": {"Size": -1, "RefCount": 0}},
    ],
    "BuildCache": [
        {"Size": 20, "InUse": True, "Shared": False},
        {"Size": 30, "InUse": False, "Shared": False},
        {"Size": 40, "InUse": False, "Shared": True},
    ],
    "BuilderSize": 50,
}


def test_disk_usage_follows_the_docker_cli_formulas():
    usage = DiskUsage.from_engine(DF)
    assert (usage.images.total, usage.images.active) == (2, 1)
    assert (usage.images.size, usage.images.reclaimable) == (1000, 500)
    assert usage.containers.size == 45 and usage.containers.reclaimable == 30
    assert usage.containers.active == 2  # running and paused
    assert (usage.volumes.total, usage.volumes.active) == (3, 1)
    assert (usage.volumes.size, usage.volumes.reclaimable) == (120, 70)
    assert usage.volume_sizes == {"used": 50, "idle": 70}  # unknown sizes left out
    assert (usage.build_cache.size, usage.build_cache.reclaimable) == (50, 30)
    assert usage.images.reclaimable_percent == 50


def test_reclaimable_percent_is_truncated_like_the_cli():
    usage = DiskUsage.from_engine({"LayersSize": 3, "Images": [{"Containers": 0}]})
    assert usage.images.reclaimable_percent == 100
    usage = DiskUsage.from_engine(
        {"LayersSize": 1000, "Images": [{"Containers": 1, "Size": 1, "SharedSize": 0}]}
    )
    assert usage.images.reclaimable_percent == 99  # 99.9 % shown as 99 %


def test_disk_usage_survives_the_json_round_trip():
    usage = DiskUsage.from_engine(DF)
    assert DiskUsage.from_json(usage.to_json()) == usage


def test_an_empty_engine_gives_zeros():
    usage = DiskUsage.from_engine({})
    assert all(line.total == line.size == 0 for line in usage.lines)


def test_key_value_lines_name_the_bad_line():
    assert parse_key_values("a=1\n\n b = two words \nc=") == {
        "a": "1",
        "b": "two words",
        "c": "",
    }
    with pytest.raises(Exception, match="Line 2"):
        parse_key_values("a=1\nno equals sign")


ADMIN = Access(role="admin", teams=frozenset(), assignments={})
OPERATOR = Access(role="operator", teams=frozenset({"blue"}), assignments={})
VIEWER = Access(role="viewer", teams=frozenset({"blue"}), assignments={})


def volume(team: str = "") -> VolumeSummary:
    labels = {"berth.team": team} if team else {}
    return VolumeSummary("v", "local", "/x", None, "local", labels)


@pytest.mark.parametrize(
    ("access", "team", "view", "act"),
    [
        (ADMIN, "red", True, True),
        (ADMIN, "", True, True),
        (OPERATOR, "blue", True, True),
        (OPERATOR, "red", False, False),
        (OPERATOR, "", True, False),
        (VIEWER, "blue", True, False),
        (VIEWER, "red", False, False),
        (VIEWER, "", True, False),
    ],
)
def test_objects_follow_the_container_matrix(access, team, view, act):
    assert can_on_object(access, VIEW, volume(team)) is view
    assert can_on_object(access, ACT, volume(team)) is act


def test_scope_reads_only_the_label():
    assert object_scope(OPERATOR, volume("blue")) == "own team"
    assert object_scope(OPERATOR, volume()) == "unmanaged"


def test_who_may_stamp_which_team():
    teams = ["blue", "red"]
    assert creatable_teams(ADMIN, teams) == teams
    assert creatable_teams(OPERATOR, teams) == ["blue"]
    assert creatable_teams(VIEWER, teams) == []


def test_default_networks_are_recognised():
    row = {
        "Id": "x" * 64,
        "Name": "bridge",
        "IPAM": {"Config": [{"Subnet": "1.0.0.0/8"}]},
    }
    network = NetworkSummary.from_engine(row)
    assert network.is_default and network.ipam[0].subnet == "1.0.0.0/8"
    assert not NetworkSummary.from_engine(row | {"Name": "mine"}).is_default


@pytest.mark.parametrize(
    ("subnet", "gateway", "error"),
    [
        ("10.0.0.1/24", "", "host bits zero"),
        ("not-a-net", "", "CIDR"),
        ("", "10.0.0.1", "needs a subnet"),
        ("10.0.0.0/24", "10.0.1.1", "not inside"),
        ("10.0.0.0/24", "nope", "Write an IP address"),
    ],
)
def test_network_form_checks_subnet_and_gateway(subnet, gateway, error):
    form = NetworkCreateForm(
        {"name": "n1", "team": "blue", "subnet": subnet, "gateway": gateway},
        access=OPERATOR,
        teams=["blue"],
    )
    assert not form.is_valid()
    assert error in str(form.errors)


def test_network_form_accepts_a_good_subnet_and_gateway():
    form = NetworkCreateForm(
        {"name": "n1", "team": "blue", "subnet": "10.0.0.0/24", "gateway": "10.0.0.1"},
        access=OPERATOR,
        teams=["blue"],
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026-11-27T20:06:31Z", "2026-11-27T20:06:31+00:00"),
        ("2026-11-27T20:06:31+01:00", "2026-11-27T20:06:31+01:00"),
        ("2026-11-27T20:06:31.123456789Z", "2026-11-27T20:06:31.123456+00:00"),
    ],
)
def test_volume_and_network_times_are_read(text, iso):
    volume = VolumeSummary.from_engine({"Name": "v", "CreatedAt": text})
    assert volume.created.isoformat() == iso
