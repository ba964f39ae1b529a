"""The Google plugin's settings, scopes and secret names.

Settings live in core's ``provider_settings`` table under provider "google" (`panelist
connect google` writes them):

- ``mode``: ``service_account`` (a company-wide service account with domain-wide
  delegation; calls act as each employee) or ``oauth`` (each person connects their own
  account; an installed-app OAuth client);
- ``key_file``: path of the service account's JSON key (service_account mode); the key
  itself may instead be given as the secret ``service_account_key`` (its JSON text);
- ``admin_email``: the Workspace user the service account acts as for the directory
  (rooms, users) and for calendars that belong to no employee (rooms' calendars);
- ``customer``: the Workspace customer id for the directory (default ``my_customer``);
- ``client_id``: the OAuth client's id (oauth mode; its secret is a secret);
- ``booking_account``: the user whose calendar rooms are invited from (default
  ``admin_email``, in oauth mode ``oauth_account``); a dedicated mailbox keeps those
  bookings out of a person's calendar;
- ``oauth_account``: in oauth mode, the account whose grant reads calendars that have
  no grant of their own (rooms, shared calendars);
- ``api_base``: where Google's APIs are (default ``https://www.googleapis.com/``);
  ``token_uri`` and ``auth_uri`` for OAuth. Tests point them at a loopback fake; plain
  http is refused for any other host, so no credential ever travels unencrypted.
- ``timeout``: seconds to wait for an answer (default 20).

Secrets (environment ``PANELIST_GOOGLE_<NAME>`` or the keyring, service "panelist", entry
``google:<name>``), never in the database, logs or messages: ``client_secret``,
``refresh_token:<email>`` (one per connected person, keyring only) or ``refresh_token``
(the default account, e.g. ``PANELIST_GOOGLE_REFRESH_TOKEN``), ``service_account_key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from panelist.errors import ConfigurationError
from panelist.providers import ProviderOption, number_setting
from panelist.providers.urls import https_or_loopback

PROVIDER = "google"
MEET_PROVIDER = "google_meet"
"""The Meet conference provider (`panelist_google.meet`); Google Calendar also makes a Meet
with an event that names it (`EventDraft.conference`)."""
Mode = Literal["service_account", "oauth"]
MODES: tuple[Mode, ...] = ("service_account", "oauth")
DEFAULT_API_BASE = "https://www.googleapis.com/"
DEFAULT_ADMIN_BASE = "https://admin.googleapis.com/"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
DEFAULT_AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
DEFAULT_TIMEOUT = 20.0

SCOPE_EVENTS = "https://www.googleapis.com/auth/calendar.events"
SCOPE_FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy"
SCOPE_ROOMS = "https://www.googleapis.com/auth/admin.directory.resource.calendar.readonly"
SCOPE_USERS = "https://www.googleapis.com/auth/admin.directory.user.readonly"

CALENDAR_SCOPES = (SCOPE_EVENTS, SCOPE_FREEBUSY)
"""What a person grants in oauth mode: their events (read, write) and free/busy reads."""
SERVICE_ACCOUNT_SCOPES = (*CALENDAR_SCOPES, SCOPE_ROOMS, SCOPE_USERS)
"""What the Workspace admin grants the service account's client id (domain-wide delegation):
events (list, sync, insert, patch, delete; PROVIDERS.md §1: events.insert accepts
calendar.events), free/busy (freeBusy accepts calendar.freebusy), room resources (Directory
resources.calendars.list) and users (whether a Meet host is an active user)."""

SECRET_CLIENT = "client_secret"
SECRET_KEY = "service_account_key"
SECRET_REFRESH = "refresh_token"

# Calendars that belong to no user: the service account reads them as the admin.
_NOT_A_PERSON = ("resource.calendar.google.com", "group.calendar.google.com", "group.v.calendar")

OPTIONS = (
    ProviderOption(
        "mode",
        "Connection",
        kind="choice",
        default="service_account",
        choices=MODES,
        help="service_account: domain-wide delegation; oauth: each person connects.",
    ),
    ProviderOption("key_file", "Service account key file", help="Path of the JSON key."),
    ProviderOption(
        "admin_email", "Workspace admin email", help="Who the directory is read as (rooms)."
    ),
    ProviderOption("customer", "Workspace customer id", default="my_customer"),
    ProviderOption("client_id", "OAuth client id", help="An installed-app (Desktop) client."),
    ProviderOption(
        "client_secret",
        "OAuth client secret",
        kind="secret",
        help="Kept in the keyring (panelist / google:client_secret) or "
        "PANELIST_GOOGLE_CLIENT_SECRET.",
    ),
    ProviderOption("oauth_account", "Account that reads shared and room calendars"),
    ProviderOption(
        "booking_account",
        "Account rooms are invited from",
        help="Default: admin_email (oauth: oauth_account). A dedicated mailbox is best.",
    ),
    ProviderOption("api_base", "Google API base URL", kind="url", default=DEFAULT_API_BASE),
    ProviderOption("timeout", "Timeout (seconds)", kind="int", default=str(int(DEFAULT_TIMEOUT))),
)


@dataclass(frozen=True)
class GoogleSettings:
    mode: Mode
    key_file: str | None
    admin_email: str | None
    customer: str
    client_id: str | None
    oauth_account: str | None
    booking_account: str | None
    api_base: str
    token_uri: str
    auth_uri: str
    timeout: float

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> GoogleSettings:
        """Check the stored options; `ConfigurationError` says which one is wrong."""

        def text(name: str) -> str | None:
            return settings.get(name, "").strip() or None

        mode_text = (text("mode") or "service_account").lower()
        mode = next((m for m in MODES if m == mode_text), None)
        if mode is None:
            raise ConfigurationError(
                f"Google: mode {mode_text!r} is not one of {', '.join(MODES)} (setting 'mode')"
            )
        base = safe_url(text("api_base") or DEFAULT_API_BASE, "api_base")
        return cls(
            mode=mode,
            key_file=text("key_file"),
            admin_email=text("admin_email"),
            customer=text("customer") or "my_customer",
            client_id=text("client_id"),
            oauth_account=(text("oauth_account") or "").casefold() or None,
            booking_account=(text("booking_account") or "").casefold() or None,
            api_base=base if base.endswith("/") else base + "/",
            token_uri=safe_url(text("token_uri") or DEFAULT_TOKEN_URI, "token_uri"),
            auth_uri=safe_url(text("auth_uri") or DEFAULT_AUTH_URI, "auth_uri"),
            timeout=number_setting(text("timeout"), DEFAULT_TIMEOUT, "Google"),
        )

    @property
    def calendar_endpoint(self) -> str:
        return self.api_base + "calendar/v3/"

    @property
    def batch_uri(self) -> str:
        return self.api_base + "batch/calendar/v3"

    @property
    def directory_endpoint(self) -> str:
        """The Admin SDK's root (its paths start with ``admin/directory/v1/``)."""
        return DEFAULT_ADMIN_BASE if self.api_base == DEFAULT_API_BASE else self.api_base

    def is_room(self, calendar_id: str) -> bool:
        """A Workspace room (resource) calendar: booked by invitation, never written to."""
        return calendar_id.casefold().endswith("@resource.calendar.google.com")

    def is_person(self, calendar_id: str) -> bool:
        """Whether the calendar id is a person's primary calendar (their email)."""
        domain = calendar_id.rpartition("@")[2].casefold()
        return "@" in calendar_id and not domain.endswith(_NOT_A_PERSON)


def safe_url(url: str, setting: str) -> str:
    """`url` when it is https, or http on this machine (a test fake); else one clear line."""
    return https_or_loopback(url, setting, "Google")


def calendar_id_problem(calendar_id: str) -> str | None:
    """Google calendar ids are emails or ``…@group.calendar.google.com`` style ids."""
    text = calendar_id.strip()
    if not text:
        return "Google: an empty calendar id"
    if text != "primary" and ("@" not in text or any(c.isspace() or c in "/?#" for c in text)):
        return (
            f"Google: calendar id {calendar_id!r} is neither an email nor a calendar id "
            "such as c_…@group.calendar.google.com"
        )
    return None
