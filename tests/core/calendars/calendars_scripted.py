"""A scripted calendar provider (the provider side of the sync contract), as a real plugin.

Each calendar id has a script: answers handed out one per `sync` call in order (a
`SyncResult`, anything else a provider might return, or an exception to raise),
the last one repeated. `free_busy` answers from `BUSY`. Every call is recorded with
its cursor, and `delay`/`gate` let a test hold calls to watch how many overlap.
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from panelist import hookimpl
from panelist.errors import EventNotFound
from panelist.providers import (
    BusyInterval,
    CalendarCapability,
    CalendarEvent,
    CalendarProvider,
    SyncResult,
)


class ScriptedCalendar(CalendarProvider):
    id = "scripted"
    display_name = "Scripted Calendar"
    capabilities = CalendarCapability.INCREMENTAL_SYNC | CalendarCapability.FREE_BUSY

    scripts: ClassVar[dict[str, list[Any]]] = defaultdict(list)
    busy: ClassVar[dict[str, Any]] = {}
    calls: ClassVar[list[tuple[str, str, str | None]]] = []
    """(provider id, calendar id, cursor) of every sync call."""
    free_busy_calls: ClassVar[list[tuple[str, datetime, datetime]]] = []
    delay: ClassVar[float] = 0.0
    gate: ClassVar[asyncio.Event | None] = None
    in_flight: ClassVar[dict[str, int]] = defaultdict(int)
    max_in_flight: ClassVar[dict[str, int]] = defaultdict(int)

    @classmethod
    def reset(cls) -> None:
        ScriptedCalendar.scripts = defaultdict(list)
        ScriptedCalendar.busy = {}
        ScriptedCalendar.calls = []
        ScriptedCalendar.free_busy_calls = []
        ScriptedCalendar.delay = 0.0
        ScriptedCalendar.gate = None
        ScriptedCalendar.in_flight = defaultdict(int)
        ScriptedCalendar.max_in_flight = defaultdict(int)

    async def sync(self, calendar_id: str, cursor: str | None) -> SyncResult:
        ScriptedCalendar.calls.append((self.id, calendar_id, cursor))
        ScriptedCalendar.in_flight[self.id] += 1
        ScriptedCalendar.max_in_flight[self.id] = max(
            ScriptedCalendar.max_in_flight[self.id], ScriptedCalendar.in_flight[self.id]
        )
        try:
            if ScriptedCalendar.gate is not None:
                await ScriptedCalendar.gate.wait()
            if ScriptedCalendar.delay:
                await asyncio.sleep(ScriptedCalendar.delay)
        finally:
            ScriptedCalendar.in_flight[self.id] -= 1
        script = ScriptedCalendar.scripts[calendar_id]
        answer = script.pop(0) if len(script) > 1 else script[0]
        if callable(answer) and not isinstance(answer, type):
            answer = answer(cursor)
        if isinstance(answer, BaseException):
            raise answer
        return answer  # type: ignore[no-any-return]

    async def free_busy(
        self, calendar_ids: list[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        ScriptedCalendar.free_busy_calls.append((calendar_ids[0], start, end))
        answer = ScriptedCalendar.busy[calendar_ids[0]]
        if isinstance(answer, BaseException):
            raise answer
        return {calendar_ids[0]: answer}

    async def list_events(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[CalendarEvent]:
        raise AssertionError("the sync engine never lists events")

    async def get_event(self, calendar_id: str, uid: str) -> CalendarEvent:
        raise EventNotFound(f"no event {uid!r}", provider=self.id)


class OtherScriptedCalendar(ScriptedCalendar):
    """A second provider id on the same scripts, to see that bounds are per provider."""

    id = "scripted-b"
    display_name = "Other Scripted Calendar"


@hookimpl
def register_calendar_providers(register: Callable[[type[CalendarProvider]], None]) -> None:
    register(ScriptedCalendar)
    register(OtherScriptedCalendar)


def plugin() -> Any:
    """This module, as `build_registry(extra_plugins=[("calendars-test", plugin())])` takes it."""
    return sys.modules[__name__]
