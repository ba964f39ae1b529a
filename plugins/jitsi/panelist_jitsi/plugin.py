"""Entry point of the built-in Jitsi Meet provider (group ``panelist``, name ``jitsi``)."""

from __future__ import annotations

from collections.abc import Callable

from panelist import hookimpl
from panelist.providers import ConferenceProvider
from panelist_jitsi.provider import JitsiConferenceProvider


@hookimpl
def register_conference_providers(register: Callable[[type[ConferenceProvider]], None]) -> None:
    register(JitsiConferenceProvider)
