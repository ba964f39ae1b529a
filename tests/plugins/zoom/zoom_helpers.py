"""A `ZoomProvider` on the fake, as core makes one."""

from __future__ import annotations

from datetime import UTC, datetime

from panelist.clock import FrozenClock
from panelist.providers import ProviderContext
from panelist_zoom.provider import ZoomProvider
from panelist_zoom.testing import CLIENT_SECRET, FakeZoom

NOW = datetime(2026, 3, 23, tzinfo=UTC)


def zoom_provider(
    zoom: FakeZoom, secret: str | None = CLIENT_SECRET, **settings: str
) -> ZoomProvider:
    context = ProviderContext(
        database=None,
        clock=FrozenClock(NOW),
        settings=zoom.settings() | settings,
        secret_lookup=lambda provider, name: secret if name == "client_secret" else None,
    )
    return ZoomProvider(context)
