"""What every provider shares: identity, declared options and the context it runs in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from panelist.errors import ConfigurationError
from panelist.secrets import get_secret

if TYPE_CHECKING:
    from panelist.clock import Clock

OptionKind = Literal["text", "secret", "url", "int", "bool", "choice"]
CheckStatus = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class ProviderOption:
    """A setting a provider needs, declared so the CLI and TUI can render it generically.

    Options of kind "secret" are never stored in the database: they are read
    from the OS keyring or the environment (see `ProviderContext.secret`).
    """

    name: str
    label: str
    kind: OptionKind = "text"
    required: bool = False
    default: str | None = None
    help: str = ""
    choices: tuple[str, ...] = ()


def number_setting(
    text: str | None, default: float, provider: str, setting: str = "timeout", limit: float = 600
) -> float:
    """A provider's numeric setting (a timeout in seconds, a number of days): more than 0
    and at most `limit`; empty or missing: `default`. Else one line naming the setting."""
    if not text or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(f"{provider}: {setting} {text!r} is not a number") from None
    if not 0 < value <= limit:
        raise ConfigurationError(f"{provider}: {setting} {text!r} must be between 0 and {limit:g}")
    return value


@dataclass(frozen=True)
class Check:
    """One line of ``panelist doctor``: what was checked, how it went, in one line.

    `status` "fail" makes doctor exit 1; "warn" is shown but does not. A line about one of
    the calendars the provider was asked about sets `calendar_id`, and doctor names the
    employees and rooms it belongs to; `writable` False there says Panelist cannot add
    events to it (a failure for a room, which must take bookings).
    """

    name: str
    status: CheckStatus
    detail: str
    calendar_id: str | None = None
    writable: bool | None = None


@dataclass
class ProviderContext:
    """Everything a provider may use from its host application.

    `database` is the Panelist sqlite-utils Database, for providers that keep
    data locally (the built-in local calendar); remote providers should not need it.
    `settings` holds the provider's non-secret options.
    """

    database: Any
    clock: Clock
    settings: Mapping[str, str] = field(default_factory=dict)
    secret_lookup: Callable[[str, str], str | None] = get_secret

    def secret(self, provider_id: str, name: str) -> str | None:
        """``PANELIST_<PROVIDER>_<NAME>`` from the environment, else the OS keyring."""
        return self.secret_lookup(provider_id, name)

    def trying(
        self, settings: Mapping[str, str], secrets: Mapping[str, str | None]
    ) -> ProviderContext:
        """This context with `settings`, and `secrets` (those given) before its own lookup:
        ``panelist connect`` tries a connection with what was typed before keeping any."""
        typed = {name: value for name, value in secrets.items() if value}
        own = self.secret_lookup

        def lookup(provider_id: str, name: str) -> str | None:
            return typed.get(name) or own(provider_id, name)

        return replace(self, settings=settings, secret_lookup=lookup)


class Provider:
    """Identity shared by calendar and conference providers."""

    id: ClassVar[str]
    """Unique, stable, lower-case id (used in the database and config): "local", "google"."""

    display_name: ClassVar[str]
    """Shown to people: "Google Calendar", "Zoom"."""

    options: ClassVar[tuple[ProviderOption, ...]] = ()

    settings_id: ClassVar[str | None] = None
    """Whose settings (`provider_settings`) the context carries: this provider's own id by
    default. Providers of one plugin that share one connection name the same one (Google
    Meet reads "google", which `panelist connect google` writes)."""

    def __init__(self, context: ProviderContext) -> None:
        self.context = context

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        """``panelist doctor``'s lines for this provider: settings, secrets, the server, and
        each of `calendar_ids` (the calendars employees and rooms are mapped to; empty for a
        conference provider). Answer problems as lines, not exceptions. Default: no lines."""
        return []

    async def aclose(self) -> None:
        """Release connections. Called once when the host is done with the provider."""
