"""Calls made at about the same moment, sent together: the machinery behind a provider's
batch endpoint (Google's multipart batch, Microsoft Graph's ``$batch``).

Core's executor works off outboxes concurrently (`asyncio.gather`): resuming a dozen
interviews after an outage asks a provider for a dozen event writes at once. Each
`Coalescer.call` waits `window` seconds; whatever arrived meanwhile goes to the provider's
`send` in chunks of at most `max_parts`. `send` answers each part on its own, a value or
an exception, so an error inside a batch (a 409, a 429) reaches only its caller, as the
error a single call would give, and idempotency and core's retries work part by part.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from panelist.errors import ProviderError

P = TypeVar("P")

Send = Callable[[list[P]], Awaitable[Sequence[Any]]]
"""Sends a chunk of parts (one part: as a single call); an answer or an exception each, in
order. Raising fails every part of the chunk with that error."""


class Coalescer(Generic[P]):
    def __init__(
        self, send: Send[P], *, max_parts: int, provider: str, window: float = 0.01
    ) -> None:
        self.send = send
        self.max_parts = max_parts
        self.provider = provider
        self.window = window
        self._waiting: dict[asyncio.AbstractEventLoop, list[tuple[P, asyncio.Future[Any]]]] = {}
        self._flushes: set[asyncio.Task[None]] = set()

    async def call(self, part: P) -> Any:
        """`part`'s answer once it was sent with the others of its moment; or its error."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        waiting = self._waiting.setdefault(loop, [])
        waiting.append((part, answer))
        if len(waiting) == 1:
            flush = loop.create_task(self._flush_soon(loop))
            self._flushes.add(flush)
            flush.add_done_callback(self._flushes.discard)
        return await answer

    async def _flush_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        await asyncio.sleep(self.window)
        waiting = self._waiting.pop(loop, [])
        try:
            chunks = [
                waiting[i : i + self.max_parts] for i in range(0, len(waiting), self.max_parts)
            ]
            await asyncio.gather(*(self._send(chunk) for chunk in chunks))
        finally:  # whatever went wrong, no caller waits forever
            unsent = ProviderError(
                "the request was not sent (an error in Panelist's batching)",
                provider=self.provider,
            )
            for _, answer in waiting:
                _settle(answer, unsent)

    async def _send(self, chunk: list[tuple[P, asyncio.Future[Any]]]) -> None:
        try:
            answers: Sequence[Any] = await self.send([part for part, _ in chunk])
            if len(answers) != len(chunk):
                raise ProviderError(
                    f"{len(answers)} answers to {len(chunk)} requests (a bug in the batching)",
                    provider=self.provider,
                )
        except Exception as exc:  # the whole request failed: every part with it
            answers = [exc] * len(chunk)
        for (_, future), answer in zip(chunk, answers, strict=True):
            _settle(future, answer)


def _settle(future: asyncio.Future[Any], answer: Any) -> None:
    if future.done():  # answered already, or its caller gave up (a timeout)
        return
    if isinstance(answer, BaseException):
        future.set_exception(answer)
    else:
        future.set_result(answer)
