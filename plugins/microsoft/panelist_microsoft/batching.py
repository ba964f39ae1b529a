"""Single-event calls made at about the same moment go to Graph's JSON batch together
(core's `panelist.providers.batching.Coalescer`): one ``POST /$batch`` of at most 20 parts,
Graph's limit. A lone call is sent as itself. A part throttled inside a batch whose
Retry-After fits the budget is sent again on its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from panelist.errors import ProviderUnavailable
from panelist.providers.batching import Coalescer
from panelist_microsoft.config import PROVIDER
from panelist_microsoft.graph import BATCH_WINDOW, MAX_BATCH, RETRY_BUDGET, Graph, Reply


@dataclass
class _Part:
    method: str
    path: str
    body: Any
    where: str


class Batcher:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._core = Coalescer(self._send, max_parts=MAX_BATCH, provider=PROVIDER,
                               window=BATCH_WINDOW)  # fmt: skip
        self.batches = 0
        """Batch requests sent (for tests and the bench)."""

    async def call(self, method: str, path: str, where: str, body: Any = None) -> Any:
        """The JSON answer of one request on a single event (None for 204), or its error."""
        return await self._core.call(_Part(method, path, body, where))

    async def _send(self, chunk: list[_Part]) -> list[Any]:
        if len(chunk) == 1:
            return [await self._alone(chunk[0])]
        self.batches += 1
        answers = await self.graph.batch([(p.method, p.path, p.body, p.where) for p in chunk])
        pairs = zip(chunk, answers, strict=True)
        return list(await asyncio.gather(*(self._answer(part, a) for part, a in pairs)))

    async def _answer(self, part: _Part, answer: Reply | Exception) -> Any:
        if (
            isinstance(answer, ProviderUnavailable)
            and answer.retry_after is not None
            and answer.retry_after <= RETRY_BUDGET
        ):  # throttled inside the batch: once more on its own, after its Retry-After
            await asyncio.sleep(answer.retry_after)
            return await self._alone(part)
        return answer if isinstance(answer, Exception) else answer.body

    async def _alone(self, part: _Part) -> Any:
        try:
            return await self.graph.call(part.method, part.path, part.where, body=part.body)
        except Exception as exc:
            return exc
