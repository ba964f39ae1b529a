"""The Zoom plugin's settings and secret names.

Settings live in core's ``provider_settings`` under provider "zoom" (`panelist connect zoom`
writes them):

- ``account_id`` and ``client_id``: the Server-to-Server OAuth app of the Zoom account;
- ``reference_scope``: a random word `panelist connect zoom` picks once; it goes into the
  reference Panelist leaves in each meeting's agenda, so two Panelist databases on one Zoom
  account never take each other's meetings for their own;
- ``api_base`` (default ``https://api.zoom.us/v2``) and ``oauth_uri`` (default
  ``https://zoom.us/oauth/token``): the EU cloud, or a loopback fake in tests (plain http
  only on this machine);
- ``timeout``: seconds to wait for an answer (default 15).

The secret (environment ``PANELIST_ZOOM_CLIENT_SECRET`` or the keyring, service "panelist",
entry ``zoom:client_secret``) is never in the database, logs or messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from panelist.errors import ConfigurationError
from panelist.providers import ProviderOption, number_setting
from panelist.providers.urls import https_or_loopback

PROVIDER = "zoom"
DEFAULT_API_BASE = "https://api.zoom.us/v2"
DEFAULT_OAUTH_URI = "https://zoom.us/oauth/token"
DEFAULT_TIMEOUT = 15.0
SECRET_CLIENT = "client_secret"

SCOPES = (
    "meeting:write:meeting:admin",
    "meeting:update:meeting:admin",
    "meeting:delete:meeting:admin",
    "meeting:read:meeting:admin",
    "meeting:read:list_meetings:admin",
    "user:read:user:admin",
)
"""The Server-to-Server app's scopes (granular; the classic ones are meeting:write:admin,
meeting:read:admin and user:read:admin)."""

OPTIONS = (
    ProviderOption("account_id", "Account id", required=True, help="The Server-to-Server app's."),
    ProviderOption("client_id", "Client id", required=True, help="The Server-to-Server app's."),
    ProviderOption(
        "client_secret",
        "Client secret",
        kind="secret",
        help="Kept in the keyring (panelist / zoom:client_secret) or PANELIST_ZOOM_CLIENT_SECRET.",
    ),
    ProviderOption("api_base", "API base URL", kind="url", default=DEFAULT_API_BASE),
    ProviderOption("oauth_uri", "Token endpoint", kind="url", default=DEFAULT_OAUTH_URI),
    ProviderOption("timeout", "Timeout (seconds)", kind="int", default=str(int(DEFAULT_TIMEOUT))),
)


@dataclass(frozen=True)
class ZoomSettings:
    account_id: str | None
    client_id: str | None
    reference_scope: str
    api_base: str
    oauth_uri: str
    timeout: float

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> ZoomSettings:
        """Check the stored options; `ConfigurationError` says which one is wrong."""

        def text(name: str) -> str | None:
            return (settings.get(name) or "").strip() or None

        scope = text("reference_scope") or ""
        if any(c.isspace() or c == "/" for c in scope):
            raise ConfigurationError(f"Zoom: reference_scope {scope!r} must be one word")
        return cls(
            account_id=text("account_id"),
            client_id=text("client_id"),
            reference_scope=scope,
            api_base=safe_url(text("api_base") or DEFAULT_API_BASE, "api_base").rstrip("/"),
            oauth_uri=safe_url(text("oauth_uri") or DEFAULT_OAUTH_URI, "oauth_uri"),
            timeout=number_setting(text("timeout"), DEFAULT_TIMEOUT, "Zoom"),
        )

    def require(self) -> tuple[str, str]:
        """The account and client ids, or one line saying which setting is missing."""
        missing = [
            n for n, v in (("account_id", self.account_id), ("client_id", self.client_id)) if not v
        ]
        if missing:
            raise ConfigurationError(
                f"Zoom: setting {' and '.join(repr(m) for m in missing)} is not set; "
                "run `panelist connect zoom`"
            )
        assert self.account_id and self.client_id
        return self.account_id, self.client_id


def safe_url(url: str, setting: str) -> str:
    """`url` when it is https, or http on this machine (a test fake); else one clear line."""
    return https_or_loopback(url, setting, "Zoom")
