"""The Microsoft plugin's settings and secret names.

Settings live in core's ``provider_settings`` under provider "microsoft":

- ``tenant_id``: the Entra (Azure AD) tenant, a GUID or a domain;
- ``client_id``: the application (client) id of the app registration that has the
  application permissions Calendars.ReadWrite and Place.Read.All, with admin consent;
- ``auth``: ``secret`` (a client secret) or ``certificate`` (``certificate_path``, a PEM
  with the private key and certificate);
- ``booking_mailbox``: the mailbox rooms are booked from when a write names a room's
  calendar (a dedicated mailbox keeps those bookings out of a person's calendar);
- ``api_base`` (default ``https://graph.microsoft.com``) and ``authority`` (default
  ``https://login.microsoftonline.com``): national clouds, or a loopback fake in tests;
  plain http is allowed for ``api_base`` on this machine only, never for the authority
  (azure-identity takes https alone): ``ca_file`` names a CA bundle to trust for it;
- ``rooms``: room mailboxes (comma-separated), besides those the room list names;
- ``sync_days_back`` / ``sync_days_ahead``: the window Graph's calendarView delta follows
  (default 31 days back, 365 ahead);
- ``timeout``: seconds to wait for an answer (default 20).

Secrets (environment ``PANELIST_MICROSOFT_<NAME>`` or the keyring, service "panelist",
entry ``microsoft:<name>``), never in the database, logs or messages: ``client_secret``,
and ``certificate_password`` for an encrypted certificate.

Calendar ids are mailbox SMTP addresses (a person's, a room's).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from panelist.errors import ConfigurationError
from panelist.providers import ProviderOption, number_setting
from panelist.providers.urls import https_or_loopback

PROVIDER = "microsoft"
TEAMS = "teams"
"""Exchange makes a Teams meeting with an event that names it (`EventDraft.conference`)."""
AuthMode = Literal["secret", "certificate"]
AUTH_MODES: tuple[AuthMode, ...] = ("secret", "certificate")
DEFAULT_API_BASE = "https://graph.microsoft.com"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
DEFAULT_TIMEOUT = 20.0
DEFAULT_DAYS_BACK = 31
DEFAULT_DAYS_AHEAD = 365
SCOPE = "/.default"
"""Appended to the API base: client credentials ask for the app's granted permissions."""

SECRET_CLIENT = "client_secret"
SECRET_CERTIFICATE_PASSWORD = "certificate_password"
PERMISSIONS = ("Calendars.ReadWrite", "Place.Read.All", "User.Read.All")
"""Application permissions the app registration needs (admin consent)."""

OPTIONS = (
    ProviderOption("tenant_id", "Tenant id", required=True, help="A GUID or contoso.com."),
    ProviderOption(
        "client_id", "Application (client) id", required=True, help="The app registration."
    ),
    ProviderOption(
        "auth",
        "Credential",
        kind="choice",
        default="secret",
        choices=AUTH_MODES,
        help="secret: a client secret; certificate: a PEM with key and certificate.",
    ),
    ProviderOption(
        "client_secret",
        "Client secret",
        kind="secret",
        help="Kept in the keyring (panelist / microsoft:client_secret) or "
        "PANELIST_MICROSOFT_CLIENT_SECRET.",
    ),
    ProviderOption("certificate_path", "Certificate (PEM) path", help="auth = certificate."),
    ProviderOption(
        "booking_mailbox",
        "Mailbox rooms are booked from",
        help="A write on a room's calendar is made here, with the room invited.",
    ),
    ProviderOption(
        "rooms",
        "Room mailboxes",
        help="Comma-separated; the tenant's room list (Place.Read.All) names them too.",
    ),
    ProviderOption("sync_days_back", "Sync: days back", kind="int", default=str(DEFAULT_DAYS_BACK)),
    ProviderOption(
        "sync_days_ahead", "Sync: days ahead", kind="int", default=str(DEFAULT_DAYS_AHEAD)
    ),
    ProviderOption("api_base", "Graph base URL", kind="url", default=DEFAULT_API_BASE),
    ProviderOption("authority", "Sign-in authority", kind="url", default=DEFAULT_AUTHORITY),
    ProviderOption(
        "ca_file", "CA bundle for the authority", help="A private cloud's (or a test's)."
    ),
    ProviderOption("timeout", "Timeout (seconds)", kind="int", default=str(int(DEFAULT_TIMEOUT))),
)


@dataclass(frozen=True)
class MicrosoftSettings:
    tenant_id: str | None
    client_id: str | None
    auth: AuthMode
    certificate_path: str | None
    booking_mailbox: str | None
    api_base: str
    authority: str
    timeout: float
    ca_file: str | None
    days_back: int
    days_ahead: int
    rooms: frozenset[str] = frozenset()
    """Room mailboxes known from `list_rooms` (and ``rooms`` in the settings, comma-separated)."""

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> MicrosoftSettings:
        """Check the stored options; `ConfigurationError` says which one is wrong."""

        def text(name: str) -> str | None:
            return (settings.get(name) or "").strip() or None

        auth_text = (text("auth") or "secret").lower()
        auth = next((m for m in AUTH_MODES if m == auth_text), None)
        if auth is None:
            raise ConfigurationError(
                f"Microsoft: auth {auth_text!r} is not one of {', '.join(AUTH_MODES)} "
                "(setting 'auth')"
            )
        rooms = frozenset(
            r.strip().casefold() for r in (text("rooms") or "").split(",") if r.strip()
        )
        return cls(
            tenant_id=text("tenant_id"),
            client_id=text("client_id"),
            auth=auth,
            certificate_path=text("certificate_path"),
            booking_mailbox=(text("booking_mailbox") or "").casefold() or None,
            api_base=safe_url(text("api_base") or DEFAULT_API_BASE, "api_base").rstrip("/"),
            authority=_https(text("authority") or DEFAULT_AUTHORITY, "authority").rstrip("/"),
            ca_file=text("ca_file"),
            timeout=number_setting(text("timeout"), DEFAULT_TIMEOUT, "Microsoft"),
            days_back=int(
                number_setting(
                    text("sync_days_back"), DEFAULT_DAYS_BACK, "Microsoft", "sync_days_back", 3650
                )
            ),
            days_ahead=int(
                number_setting(
                    text("sync_days_ahead"),
                    DEFAULT_DAYS_AHEAD,
                    "Microsoft",
                    "sync_days_ahead",
                    3650,
                )
            ),
            rooms=rooms,
        )

    @property
    def graph_base(self) -> str:
        """Where the v1.0 API is: the request adapter's base URL."""
        return self.api_base + "/v1.0"

    @property
    def scope(self) -> str:
        """``<resource>/.default``: the national cloud's Graph, or Graph itself for a fake."""
        base = self.api_base if self.api_base.startswith("https://") else DEFAULT_API_BASE
        return base + SCOPE

    def require(self) -> tuple[str, str]:
        """The tenant and client ids, or one line saying which setting is missing."""
        missing = [
            n for n, v in (("tenant_id", self.tenant_id), ("client_id", self.client_id)) if not v
        ]
        if missing:
            raise ConfigurationError(
                f"Microsoft: setting {' and '.join(repr(m) for m in missing)} is not set; "
                "run `panelist connect microsoft`"
            )
        assert self.tenant_id and self.client_id
        return self.tenant_id, self.client_id


def safe_url(url: str, setting: str) -> str:
    """`url` when it is https, or http on this machine (a test fake); else one clear line."""
    return https_or_loopback(url, setting, "Microsoft")


_SMTP = re.compile(r"[^@\s/?#'\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def _https(url: str, setting: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    raise ConfigurationError(f"Microsoft: {url!r} is not an https URL (setting {setting!r})")


def calendar_id_problem(calendar_id: str) -> str | None:
    """Exchange calendar ids are mailbox SMTP addresses (a person's or a room's)."""
    text = calendar_id.strip()
    if not text:
        return "Microsoft: an empty calendar id"
    if not _SMTP.fullmatch(text):
        return (
            f"Microsoft: calendar id {calendar_id!r} is not a mailbox address such as "
            "ana@contoso.com or room.1@contoso.com"
        )
    return None
