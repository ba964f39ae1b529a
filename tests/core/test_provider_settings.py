"""What providers share for settings: `number_setting` (every timeout, Microsoft's sync days)
and `ProviderContext.trying` (a connection tried with typed secrets before any is kept)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from panelist.clock import FrozenClock
from panelist.errors import ConfigurationError
from panelist.providers import ProviderContext, number_setting


def test_empty_is_the_default_and_a_number_is_read() -> None:
    assert number_setting(None, 20.0, "Zoom") == 20.0
    assert number_setting("  ", 20.0, "Zoom") == 20.0
    assert number_setting("7.5", 20.0, "Zoom") == 7.5


@pytest.mark.parametrize(
    ("text", "words"),
    [("soon", "'soon' is not a number"), ("0", "between 0 and 600"), ("601", "between 0 and 600")],
)
def test_bad_values_are_one_line_naming_provider_and_setting(text: str, words: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        number_setting(text, 20.0, "GoTo Meeting")
    message = str(caught.value)
    assert message.startswith("GoTo Meeting: timeout ") and words in message


def test_another_setting_with_its_own_limit() -> None:
    assert number_setting("3650", 31, "Microsoft", "sync_days_back", 3650) == 3650
    with pytest.raises(ConfigurationError, match="sync_days_back '3651' must be between 0"):
        number_setting("3651", 31, "Microsoft", "sync_days_back", 3650)


def test_a_tried_context_puts_typed_secrets_before_its_own() -> None:
    kept = {("zoom", "client_secret"): "kept", ("zoom", "other"): "other"}
    base = ProviderContext(
        None,
        FrozenClock(datetime(2026, 1, 1, tzinfo=UTC)),
        {"a": "1"},
        lambda p, n: kept.get((p, n)),
    )
    tried = base.trying({"b": "2"}, {"client_secret": "typed", "unused": None})
    assert tried.settings == {"b": "2"} and base.settings == {"a": "1"}
    assert tried.secret("zoom", "client_secret") == "typed"
    assert tried.secret("zoom", "other") == "other"  # not typed: the context's own
    assert base.secret("zoom", "client_secret") == "kept"
    assert base.trying({}, {"client_secret": None}).secret("zoom", "client_secret") == "kept"
