"""A background loop that runs one action every few seconds and once more when closed.

Used for write-behind work (buffered view events, recomputed recipe popularity): the action
must not raise for expected failures (it logs and keeps its work for the next round).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

# How long close() lets a running action finish before cancelling it.
CLOSE_GRACE_SECONDS = 10.0


class Periodic:
    def __init__(
        self, name: str, interval_seconds: float, action: Callable[[], Awaitable[Any]]
    ) -> None:
        self.name = name
        self.interval_seconds = interval_seconds
        self._action = action
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval_seconds)
            await self._action()

    def start(self) -> None:
        if not self.running:
            self._stop.clear()
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def close(self) -> None:
        """Stop the loop without interrupting a running action (a cancelled write could lose
        its work), then run the action a last time."""
        if self._task is not None:
            self._stop.set()
            done, _ = await asyncio.wait({self._task}, timeout=CLOSE_GRACE_SECONDS)
            if not done:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        await self._action()
