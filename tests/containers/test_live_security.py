"""Every websocket checks, in connect(), the Origin, the login and the right
on that container: 4401 not logged in, 4403 not allowed."""

from __future__ import annotations

import pytest

from console.models import AuditEvent
from tests.support.sockets import close_code, communicator, open_socket, session_cookie

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def blue(make_container):
    return make_container(team="blue")


async def test_a_foreign_origin_is_refused_before_the_handshake(blue, admin_user):
    cookie = await _cookie(admin_user)
    for path in ("logs", "stats", "terminal"):
        socket = communicator(
            f"/ws/containers/{blue['Id']}/{path}/", cookie, origin="http://evil.test"
        )
        connected, _ = await socket.connect(timeout=10)
        assert not connected
    socket = communicator("/ws/containers/", cookie, origin="http://evil.test")
    assert not (await socket.connect(timeout=10))[0]


async def test_an_anonymous_socket_is_closed_with_4401(blue):
    for path in (
        f"/ws/containers/{blue['Id']}/logs/",
        f"/ws/containers/{blue['Id']}/stats/",
        f"/ws/containers/{blue['Id']}/terminal/",
        f"/ws/logs/?ids={blue['Id']}",
        "/ws/containers/",
    ):
        socket = await open_socket(path)
        assert await close_code(socket) == 4401, path


async def test_a_viewer_asking_for_a_terminal_gets_4403_and_it_is_audited(
    blue, viewer_user
):
    cookie = await _cookie(viewer_user)
    socket = await open_socket(f"/ws/containers/{blue['Id']}/terminal/", cookie)
    assert await close_code(socket) == 4403
    event = await _last_event(blue["Id"])
    assert (event.action, event.outcome, event.actor_name) == (
        "container.terminal",
        "denied",
        "vera",
    )


async def test_another_team_gets_4403_for_logs_stats_and_terminal(blue, outsider_user):
    cookie = await _cookie(outsider_user)
    for path in ("logs", "stats", "terminal"):
        socket = await open_socket(f"/ws/containers/{blue['Id']}/{path}/", cookie)
        assert await close_code(socket) == 4403, path
    socket = await open_socket(f"/ws/logs/?ids={blue['Id']}", cookie)
    assert await close_code(socket) == 4403


async def _cookie(user):
    from asgiref.sync import sync_to_async

    return await sync_to_async(session_cookie)(user)


async def _last_event(container_id):
    from asgiref.sync import sync_to_async

    return await sync_to_async(
        lambda: AuditEvent.objects.filter(target_id=container_id).first()
    )()
