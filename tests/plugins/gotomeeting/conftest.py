"""The loopback fake GoTo, one per test, with a company's OAuth client and four organisers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from goto_helpers import NOW, Company, company

from panelist_gotomeeting.testing import FakeGoTo


@pytest.fixture
def goto() -> Iterator[FakeGoTo]:
    with FakeGoTo(now=NOW) as fake:
        yield fake
        assert fake.internal_errors == [], "the fake itself failed:\n" + "\n".join(
            fake.internal_errors
        )


@pytest.fixture
def acme(goto: FakeGoTo) -> Company:
    return company(goto)
