"""Single-event calls made at about the same moment go to Graph's JSON batch together.

Core's executor works off outboxes concurrently (`asyncio.gather`): resuming a dozen
interviews after an outage asks for a dozen event writes at once. Each call waits here for
`WINDOW` seconds; whatever arrived meanwhile is sent as one ``POST /$batch`` (at most 20
parts, Graph's limit). Every part keeps its own answer: a 404 or 429 inside the batch
reaches only its caller, as the error the single call would give, so transactionId
idempotency and core's retries work part by part. A lone call is sent as itself. A part
throttled inside a batch whose Retry-After fits the budget is sent again on its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from panelist.errors import ProviderError, ProviderUnavailable
from panelist_microsoft.config import PROVIDER
from panelist_microsoft.graph import BATCH_WINDOW, MAX_BATCH, RETRY_BUDGET, Graph, Reply

WINDOW = BATCH_WINDOW
_UNSENT = "Microsoft: the request was not sent (an error in Panelist's batching)"


@dataclass
class _Part:
    method: str
    path: str
    body: Any
    where: str
    answer: asyncio.Future[Any]


class Batcher:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._waiting: dict[asyncio.AbstractEventLoop, list[_Part]] = {}
        self._flushes: set[asyncio.Task[None]] = set()
        self.batches = 0
        """Batch requests sent (for tests and the bench)."""

    async def call(self, method: str, path: str, where: str, body: Any = None) -> Any:
        """The JSON answer of one request on a single event (None for 204), or its error."""
        loop = asyncio.get_running_loop()
        part = _Part(method, path, body, where, loop.create_future())
        waiting = self._waiting.setdefault(loop, [])
        waiting.append(part)
        if len(waiting) == 1:
            flush = loop.create_task(self._flush_soon(loop))
            self._flushes.add(flush)
            flush.add_done_callback(self._flushes.discard)
        return await part.answer

    async def _flush_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        await asyncio.sleep(WINDOW)
        parts = self._waiting.pop(loop, [])
        try:
            chunks = [parts[i : i + MAX_BATCH] for i in range(0, len(parts), MAX_BATCH)]
            await asyncio.gather(*(self._send(chunk) for chunk in chunks))
        finally:  # whatever went wrong, no caller waits forever
            for part in parts:
                _settle(part.answer, None, ProviderError(_UNSENT, provider=PROVIDER))

    async def _send(self, chunk: list[_Part]) -> None:
        if len(chunk) == 1:
            part = chunk[0]
            try:
                result = await self.graph.call(part.method, part.path, part.where, body=part.body)
            except Exception as exc:
                _settle(part.answer, None, exc)
            else:
                _settle(part.answer, result, None)
            return
        self.batches += 1
        try:
            answers = await self.graph.batch([(p.method, p.path, p.body, p.where) for p in chunk])
        except Exception as exc:  # the whole request failed: every part with it
            for part in chunk:
                _settle(part.answer, None, exc)
            return
        retries = []
        for part, answer in zip(chunk, answers, strict=True):
            if (
                isinstance(answer, ProviderUnavailable)
                and answer.retry_after is not None
                and answer.retry_after <= RETRY_BUDGET
            ):
                retries.append(self._again(part, answer.retry_after))
            elif isinstance(answer, Exception):
                _settle(part.answer, None, answer)
            else:
                assert isinstance(answer, Reply)
                _settle(part.answer, answer.body, None)
        await asyncio.gather(*retries)

    async def _again(self, part: _Part, delay: float) -> None:
        """A part throttled inside a batch: once more on its own, after its Retry-After."""
        await asyncio.sleep(delay)
        try:
            result = await self.graph.call(part.method, part.path, part.where, body=part.body)
        except Exception as exc:
            _settle(part.answer, None, exc)
        else:
            _settle(part.answer, result, None)


def _settle(answer: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if answer.done():  # answered already, or its caller gave up (a timeout)
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(result)
