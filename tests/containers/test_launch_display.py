"""The launch form shows the canonical reading of what was typed."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_canonical_port_spec_is_shown_back(operator_client):
    response = operator_client.post(
        reverse("containers:launch"),
        {
            "image": "Bad Image",
            "ports": "27017 : 27017\n[::1] : 8080 : 80 / UDP",
            "restart_policy": "no",
            "team": "blue",
        },
    )
    body = response.content.decode()
    assert "Read as:" in body
    assert "<code>27017:27017</code>" in body
    assert "<code>[::1]:8080:80/udp</code>" in body
