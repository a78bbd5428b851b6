"""Websocket routes; each consumer checks the user's rights in connect()."""

from __future__ import annotations

websocket_urlpatterns: list = []
