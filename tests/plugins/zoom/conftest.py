"""The loopback fake Zoom, one per test: an account with two hosts, an unverified user and a
deactivated one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from zoom_account import ANA, BOB, CARL, DORA

from panelist_zoom.testing import FakeZoom


@pytest.fixture
def zoom() -> Iterator[FakeZoom]:
    with FakeZoom() as fake:
        fake.add_user(ANA, "Ana", "Jansen")
        fake.add_user(BOB, "Bob", "de Vries")
        fake.add_user(CARL, "Carl", "Smit", status="pending", verified=0)
        fake.add_user(DORA, "Dora", "Bakker", status="inactive")
        yield fake
        assert fake.internal_errors == [], "the fake itself failed:\n" + "\n".join(
            fake.internal_errors
        )
