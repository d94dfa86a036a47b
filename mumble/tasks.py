"""Background tasks of the app: started by the lifespan, cancelled and awaited at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any


def start(work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
    """Run `work` in the background of the running loop."""
    return asyncio.create_task(work, name=name)


async def stop(task: asyncio.Task[None] | None) -> None:
    """Cancel the task (if any) and wait for it to end."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
