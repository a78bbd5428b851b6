"""Websocket consumers of the containers app."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from console.live import BerthConsumer
from containers.jobs import job_group
from containers.models import Job


class JobConsumer(BerthConsumer):
    """A job's progress and output, live: the snapshot first, then updates."""

    async def authorize(self, user: Any) -> bool:
        self.job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        return await database_sync_to_async(self._visible)(user)

    def _visible(self, user: Any) -> bool:
        from containers.job_views import visible_jobs

        return visible_jobs(user).filter(pk=self.job_id).exists()

    async def groups_for(self, user: Any) -> list[str]:
        return [job_group(self.job_id)]

    async def on_connected(self) -> None:
        job = await database_sync_to_async(Job.objects.get)(pk=self.job_id)
        await self.send_json(
            {"type": "snapshot", "job": job.snapshot(), "output": job.output}
        )

    async def job_update(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "update", "job": event["job"], "lines": event["lines"]}
        )
