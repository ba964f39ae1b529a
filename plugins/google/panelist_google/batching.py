"""Single-event calls made at about the same moment go to Google's batch endpoint together.

An interview on Google is one write (its panel event, `panelist.scheduling.panel`), but
core's executor works off outboxes concurrently (`asyncio.gather`): resuming a dozen
interviews after an outage asks for a dozen event writes at once. Each call waits here for
`WINDOW` seconds; whatever arrived meanwhile is sent as one multipart request (at most
`MAX_PARTS` parts), each part carrying its own subject's Authorization header (the
service account acts as each calendar's owner). Every part keeps its own answer: a 409 or
429 inside the batch reaches only its caller, as the same error a single call would give,
so idempotency and core's retries work part by part. A lone call is sent as itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio

from panelist.errors import ProviderError
from panelist_google.config import PROVIDER
from panelist_google.google_api import Wire, mapped

WINDOW = 0.01
_UNSENT = "Google: the request was not sent (an error in Panelist's batching)"
MAX_PARTS = 50


@dataclass
class _Part:
    subject: str
    make: Callable[[], Any]
    where: str
    answer: asyncio.Future[Any]


class Coalescer:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self._waiting: dict[asyncio.AbstractEventLoop, list[_Part]] = {}
        self._flushes: set[asyncio.Task[None]] = set()

    async def call(self, subject: str, make: Callable[[], Any], where: str) -> Any:
        """`make()` builds the request (in a worker thread); its answer, or its mapped error."""
        loop = asyncio.get_running_loop()
        part = _Part(subject, make, where, loop.create_future())
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
            for index in range(0, len(parts), MAX_PARTS):
                chunk = parts[index : index + MAX_PARTS]
                try:
                    answers = await anyio.to_thread.run_sync(self._send, chunk)
                except Exception as exc:  # the whole request failed: every part with it
                    answers = [(None, exc)] * len(chunk)
                for part, (result, error) in zip(chunk, answers, strict=True):
                    _settle(part.answer, result, error)
        finally:  # whatever went wrong, no caller waits forever
            for part in parts:
                _settle(part.answer, None, ProviderError(_UNSENT, provider=PROVIDER))

    def _send(self, chunk: list[_Part]) -> list[tuple[Any, Exception | None]]:
        """In a worker thread: one call as itself, several as one batch."""
        if len(chunk) == 1:
            part = chunk[0]
            try:
                return [(self.wire.execute(part.make(), part.subject, part.where), None)]
            except Exception as exc:
                return [(None, exc)]
        answers: dict[str, tuple[Any, Exception | None]] = {}

        def collect(request_id: str, response: Any, exception: Any) -> None:
            answers[request_id] = (response, exception)

        batch, outer = self.wire.batch(collect), None
        for index, part in enumerate(chunk):
            try:
                request = part.make()
                request.http = self.wire.authorized(part.subject)  # this part's own token
            except Exception as exc:  # e.g. a grant refused for this subject only
                answers[str(index)] = (None, exc)
                continue
            batch.add(request, request_id=str(index))
            outer = outer or part.subject
        if outer is not None:
            self.wire.execute_batch(batch, outer, "a batch of calendar writes")
        return [_mapped(answers.get(str(i), (None, None)), part) for i, part in enumerate(chunk)]


def _settle(answer: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if answer.done():  # answered already, or its caller gave up (a timeout)
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(result)


def _mapped(answer: tuple[Any, Any], part: _Part) -> tuple[Any, Exception | None]:
    result, error = answer
    if error is None:
        return result, None
    return None, mapped(error, part.where, part.subject)
