"""Bounded retries: timeouts, 429/5xx and dropped connections are tried again, with backoff.

Used for provider and mail calls (scheduling) and for calendar syncs (panelist.calendars).

Waiting honours a provider's Retry-After (`ProviderError.retry_after`) when it
fits in the budget; when the budget is spent the last error is raised, and the
outbox keeps the work for a later run. Elapsed time is measured with the
monotonic clock: it is about real waiting, not about the calendar's "now".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from panelist.errors import ProviderError, ProviderUnavailable

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    budget_seconds: float = 30.0
    """How long one side effect may keep trying before it is reported (and left pending)."""
    call_timeout_seconds: float = 20.0
    """One provider call that takes longer counts as "did not answer"."""
    first_backoff_seconds: float = 0.25
    max_backoff_seconds: float = 8.0

    def backoff(self, failures: int) -> float:
        return float(
            min(self.max_backoff_seconds, self.first_backoff_seconds * 2 ** (failures - 1))
        )


def is_retryable(error: BaseException) -> bool:
    """Whether trying again may help: the provider's or mail server's verdict, or the network's."""
    if isinstance(error, TimeoutError | ConnectionError):
        return True
    return bool(getattr(error, "retryable", False))


def as_provider_error(error: BaseException, provider: str) -> BaseException:
    """Timeouts and dropped connections, which no provider wrapped, as `ProviderUnavailable`."""
    if isinstance(error, TimeoutError):
        return ProviderUnavailable("timed out", provider=provider)
    if isinstance(error, ConnectionError):
        return ProviderUnavailable(f"connection lost ({type(error).__name__})", provider=provider)
    return error


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    provider: str = "",
    own_timeout: bool = False,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """`await call()` until it succeeds, a permanent error occurs or the budget is spent.

    `own_timeout`: the call enforces its own time limit (SMTP does). It is then not cut
    short here, because a call abandoned while it still runs could deliver after its retry.
    """
    deadline = time.monotonic() + policy.budget_seconds
    failures = 0
    while True:
        remaining = deadline - time.monotonic()
        limit = None if own_timeout else max(0.001, min(policy.call_timeout_seconds, remaining))
        try:
            return await asyncio.wait_for(call(), timeout=limit)
        except Exception as exc:
            error = as_provider_error(exc, provider)
            failures += 1
            wait = _wait(error, policy, failures)
            if not is_retryable(error) or time.monotonic() + wait >= deadline:
                if error is exc:
                    raise
                raise error from exc
            await sleep(wait)


def _wait(error: BaseException, policy: RetryPolicy, failures: int) -> float:
    retry_after = error.retry_after if isinstance(error, ProviderError) else None
    if retry_after is not None and retry_after >= 0:
        return float(retry_after)
    return policy.backoff(failures)
