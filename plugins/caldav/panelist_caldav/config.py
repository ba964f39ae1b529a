"""The CalDAV provider's settings, and how a calendar id becomes a calendar URL.

Settings live in core's ``provider_settings`` table (provider "caldav"):

- ``url``: the server's base URL, e.g. ``https://dav.example.com/remote.php/dav/``;
- ``username``: the account Panelist logs in with;
- ``auth_type``: ``basic`` (default), ``digest``, ``bearer`` (the password is the
  token) or ``none``;
- ``timeout``: seconds to wait for an answer (default 20);
- ``verify_tls``: ``true`` (default) or ``false`` for a self-signed test server.

The password is never a setting: `ProviderContext.secret("caldav", "password")`
reads ``PANELIST_CALDAV_PASSWORD`` or the keyring entry "caldav:password" of
service "panelist".

Calendar ids (``employees.calendar_id``, ``rooms.calendar_id``) are paths
relative to ``url`` (``alice/interviews/``), or absolute URLs on the same
scheme, host and port: the credentials are never sent to another host (core's
`join_on_origin` checks every id and every href the server answers with). A
path that starts with "/" is taken from the server's root, as in an href.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit

from panelist.errors import ConfigurationError, ForeignOrigin
from panelist.providers import ProviderOption, number_setting
from panelist.providers.urls import join_on_origin

AuthType = Literal["basic", "digest", "bearer", "none"]
AUTH_TYPES: tuple[AuthType, ...] = ("basic", "digest", "bearer", "none")
DEFAULT_TIMEOUT = 20.0
_NO_SERVER = "https://server.invalid/"

OPTIONS = (
    ProviderOption(
        name="url",
        label="CalDAV server URL",
        kind="url",
        required=True,
        help="Base URL of the server; calendar ids are paths relative to it.",
    ),
    ProviderOption(
        name="username",
        label="Username",
        help="The account Panelist logs in with; it needs write access to every mapped calendar.",
    ),
    ProviderOption(
        name="password",
        label="Password",
        kind="secret",
        help="Kept in the OS keyring (panelist / caldav:password) or PANELIST_CALDAV_PASSWORD.",
    ),
    ProviderOption(
        name="auth_type",
        label="Authentication",
        kind="choice",
        default="basic",
        choices=AUTH_TYPES,
        help="bearer sends the password as a token; none sends no credentials.",
    ),
    ProviderOption(
        name="timeout",
        label="Timeout (seconds)",
        kind="int",
        default=str(int(DEFAULT_TIMEOUT)),
    ),
    ProviderOption(
        name="verify_tls",
        label="Verify TLS certificates",
        kind="bool",
        default="true",
    ),
)


@dataclass(frozen=True)
class CalDAVSettings:
    url: str
    username: str | None
    auth_type: AuthType
    timeout: float
    verify_tls: bool

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> CalDAVSettings:
        """Check the stored options; `ConfigurationError` says which one is wrong."""
        url = settings.get("url", "").strip()
        if not url:
            raise ConfigurationError("CalDAV: no server URL is set (setting 'url')")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"CalDAV: {url!r} is not an http(s) URL (setting 'url')")
        if parts.username or parts.password:
            raise ConfigurationError(
                "CalDAV: put the username in setting 'username' and the password in the "
                "keyring, not in the URL"
            )
        return cls(
            url=url if url.endswith("/") else url + "/",
            username=settings.get("username", "").strip() or None,
            auth_type=_auth_type(settings.get("auth_type", "")),
            timeout=number_setting(settings.get("timeout", ""), DEFAULT_TIMEOUT, "CalDAV"),
            verify_tls=_flag(settings.get("verify_tls", "true"), "verify_tls"),
        )

    def calendar_url(self, calendar_id: str) -> str:
        """The collection URL of a calendar id, always ending in "/"; never on another server."""
        text = calendar_id.strip()
        if not text:
            raise ConfigurationError("CalDAV: an empty calendar id")
        reference = text if "://" in text else quote(text, safe="/@:%~+\\")
        try:
            absolute = join_on_origin(self.url, reference, what="calendar id")
        except ForeignOrigin as exc:
            raise ForeignOrigin(f"CalDAV: {exc}") from None
        return absolute if absolute.endswith("/") else absolute + "/"


def calendar_id_problem(settings: Mapping[str, str], calendar_id: str) -> str | None:
    """Why `calendar_id` cannot be used with these settings, or None when it can."""
    try:
        CalDAVSettings.from_mapping(settings).calendar_url(calendar_id)
    except ForeignOrigin as exc:
        return str(exc)
    except ConfigurationError as exc:  # no usable server URL yet: only a plain path is safe
        try:
            CalDAVSettings.from_mapping({"url": _NO_SERVER}).calendar_url(calendar_id)
        except ConfigurationError:
            reason = str(exc).removeprefix("CalDAV: ")
            return f"CalDAV: calendar id {calendar_id!r} cannot be checked: {reason}"
    return None


def object_url(calendar_url: str, uid: str) -> str:
    """Where Panelist puts the event with this uid: ``<calendar>/<uid>.ics``."""
    return calendar_url + quote(uid, safe="@-_.~") + ".ics"


def _auth_type(text: str) -> AuthType:
    wanted = text.strip().lower() or "basic"
    for auth_type in AUTH_TYPES:
        if auth_type == wanted:
            return auth_type
    raise ConfigurationError(f"CalDAV: auth_type {text!r} is not one of {', '.join(AUTH_TYPES)}")


def _flag(text: str, name: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"CalDAV: {name} {text!r} is neither true nor false")
