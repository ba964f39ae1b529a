"""Core's coalescer (panelist.providers.batching): calls of one moment go out together, in
chunks, and each caller gets its own answer or error, whatever happens to the others."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from panelist.errors import ProviderConflict, ProviderError
from panelist.providers.batching import Coalescer

pytestmark = pytest.mark.anyio


async def test_calls_of_one_moment_go_together_in_chunks_each_with_its_own_answer() -> None:
    sent: list[list[int]] = []

    async def send(chunk: list[int]) -> list[Any]:
        sent.append(chunk)
        return [ProviderConflict(f"{n} exists") if n == 3 else n * 10 for n in chunk]

    coalescer: Coalescer[int] = Coalescer(send, max_parts=2, provider="test")
    answers = await asyncio.gather(*(coalescer.call(n) for n in range(5)), return_exceptions=True)
    assert sorted(map(len, sent)) == [1, 2, 2]  # 5 calls at once: chunks of at most 2
    assert answers[:3] == [0, 10, 20] and answers[4] == 40
    assert isinstance(answers[3], ProviderConflict)  # only its caller sees it

    later = await coalescer.call(7)  # another moment: alone
    assert later == 70 and sent[-1] == [7]


async def test_a_failed_request_fails_its_chunk_and_a_broken_send_leaves_nobody_waiting() -> None:
    async def down(chunk: list[int]) -> list[Any]:
        raise ProviderError("the batch endpoint is down")

    coalescer: Coalescer[int] = Coalescer(down, max_parts=10, provider="test")
    answers = await asyncio.gather(coalescer.call(1), coalescer.call(2), return_exceptions=True)
    assert [str(a) for a in answers] == ["the batch endpoint is down"] * 2

    async def short(chunk: list[int]) -> list[Any]:
        return chunk[:1]  # a bug: one answer for two parts

    broken: Coalescer[int] = Coalescer(short, max_parts=10, provider="test")
    answers = await asyncio.wait_for(
        asyncio.gather(broken.call(1), broken.call(2), return_exceptions=True), timeout=5
    )
    assert [str(a) for a in answers] == ["1 answers to 2 requests (a bug in the batching)"] * 2
