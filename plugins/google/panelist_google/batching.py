"""Single-event calls made at about the same moment go to Google's batch endpoint together
(core's `panelist.providers.batching.Coalescer`), at most `MAX_PARTS` a request, each part
carrying its own subject's Authorization header (the service account acts as each
calendar's owner). A lone call is sent as itself. googleapiclient is synchronous: a chunk
is sent from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio

from panelist.providers.batching import Coalescer as CoreCoalescer
from panelist_google.config import PROVIDER
from panelist_google.google_api import Wire, mapped

MAX_PARTS = 50


@dataclass
class _Part:
    subject: str
    make: Callable[[], Any]
    where: str


class Coalescer:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self._core = CoreCoalescer(self._send, max_parts=MAX_PARTS, provider=PROVIDER)

    async def call(self, subject: str, make: Callable[[], Any], where: str) -> Any:
        """`make()` builds the request (in a worker thread); its answer, or its mapped error."""
        return await self._core.call(_Part(subject, make, where))

    async def _send(self, chunk: list[_Part]) -> list[Any]:
        return await anyio.to_thread.run_sync(self._send_now, chunk)

    def _send_now(self, chunk: list[_Part]) -> list[Any]:
        """In a worker thread: one call as itself, several as one batch."""
        if len(chunk) == 1:
            part = chunk[0]
            try:
                return [self.wire.execute(part.make(), part.subject, part.where)]
            except Exception as exc:
                return [exc]
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
        return [_answer(answers.get(str(i), (None, None)), part) for i, part in enumerate(chunk)]


def _answer(answer: tuple[Any, Any], part: _Part) -> Any:
    result, error = answer
    return result if error is None else mapped(error, part.where, part.subject)
