"""The gotomeeting plugin's settings and secret names.

Settings live in core's ``provider_settings`` under provider "gotomeeting":

- ``client_id``: the OAuth client made at developer.goto.com (grant: authorisation code;
  scope: the GoToMeeting one), with ``redirect_uri`` registered on it;
- ``redirect_uri`` (default ``http://127.0.0.1:53682/``): where GoTo sends the browser
  after consent. Nothing needs to listen there: the person copies the address the browser
  ends on and pastes it into ``panelist connect gotomeeting`` (so it works over SSH);
- ``auth_base`` (default ``https://authentication.logmeininc.com``) and ``api_base``
  (default ``https://api.getgo.com/G2M/rest``): a loopback fake in tests; plain http only
  on this machine;
- ``join_base`` (default ``https://global.gotomeeting.com/join/``): GoTo's join links are
  this and the meeting id, which a meeting found again after a crash is given;
- ``audio``: ``conferencecallinfo`` of new meetings (default ``VoIP``);
- ``timeout``: seconds to wait for an answer (default 20).

Secrets (environment ``PANELIST_GOTOMEETING_<NAME>`` or the keyring, service "panelist",
entry ``gotomeeting:<name>``), never in the database, logs or messages:
``client_secret``, and one ``refresh_token:<email>`` per connected host. GoTo's API makes a
meeting for the organiser whose token it is, so every host connects their own account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from panelist.errors import ConfigurationError
from panelist.providers import ProviderOption, number_setting
from panelist.providers.urls import https_or_loopback

PROVIDER = "gotomeeting"
DISPLAY = "GoTo Meeting"
DEFAULT_AUTH_BASE = "https://authentication.logmeininc.com"
DEFAULT_API_BASE = "https://api.getgo.com/G2M/rest"
DEFAULT_JOIN_BASE = "https://global.gotomeeting.com/join/"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:53682/"
DEFAULT_TIMEOUT = 20.0
AUDIO_CHOICES = ("VoIP", "Hybrid", "Free", "PSTN")
MEETING_PRODUCT = "G2M"

SECRET_CLIENT = "client_secret"
SECRET_REFRESH = "refresh_token"


def refresh_token_name(email: str) -> str:
    return f"{SECRET_REFRESH}:{email.strip().casefold()}"


OPTIONS = (
    ProviderOption("client_id", "OAuth client id", required=True, help="From developer.goto.com."),
    ProviderOption(
        "client_secret",
        "OAuth client secret",
        kind="secret",
        help="Kept in the keyring (panelist / gotomeeting:client_secret) or "
        "PANELIST_GOTOMEETING_CLIENT_SECRET.",
    ),
    ProviderOption(
        "redirect_uri",
        "Redirect URI",
        kind="url",
        default=DEFAULT_REDIRECT_URI,
        help="Registered on the OAuth client; nothing needs to listen there.",
    ),
    ProviderOption(
        "audio",
        "Audio",
        kind="choice",
        default="VoIP",
        choices=AUDIO_CHOICES,
        help="conferencecallinfo of new meetings.",
    ),
    ProviderOption("auth_base", "Sign-in server", kind="url", default=DEFAULT_AUTH_BASE),
    ProviderOption("api_base", "GoToMeeting API base URL", kind="url", default=DEFAULT_API_BASE),
    ProviderOption("join_base", "Join link prefix", kind="url", default=DEFAULT_JOIN_BASE),
    ProviderOption("timeout", "Timeout (seconds)", kind="int", default=str(int(DEFAULT_TIMEOUT))),
)


@dataclass(frozen=True)
class GoToSettings:
    client_id: str | None
    redirect_uri: str
    auth_base: str
    api_base: str
    join_base: str
    audio: str
    timeout: float

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> GoToSettings:
        """Check the stored options; `ConfigurationError` says which one is wrong."""

        def text(name: str) -> str | None:
            return (settings.get(name) or "").strip() or None

        audio = text("audio") or "VoIP"
        if audio not in AUDIO_CHOICES:
            raise ConfigurationError(
                f"GoTo Meeting: audio {audio!r} is not one of {', '.join(AUDIO_CHOICES)} "
                "(setting 'audio')"
            )
        timeout = number_setting(text("timeout"), DEFAULT_TIMEOUT, "GoTo Meeting")
        join_base = safe_url(text("join_base") or DEFAULT_JOIN_BASE, "join_base")
        return cls(
            client_id=text("client_id"),
            redirect_uri=text("redirect_uri") or DEFAULT_REDIRECT_URI,
            auth_base=safe_url(text("auth_base") or DEFAULT_AUTH_BASE, "auth_base").rstrip("/"),
            api_base=safe_url(text("api_base") or DEFAULT_API_BASE, "api_base").rstrip("/"),
            join_base=join_base if join_base.endswith("/") else join_base + "/",
            audio=audio,
            timeout=timeout,
        )

    @property
    def token_url(self) -> str:
        return self.auth_base + "/oauth/token"

    @property
    def authorize_url(self) -> str:
        return self.auth_base + "/oauth/authorize"

    def require_client(self) -> str:
        if not self.client_id:
            raise ConfigurationError(
                "GoTo Meeting: setting 'client_id' is not set; an Admin runs "
                "'panelist connect gotomeeting --client-id ID' first"
            )
        return self.client_id


def safe_url(url: str, setting: str) -> str:
    """`url` when it is https, or http on this machine (a test fake); else one clear line."""
    return https_or_loopback(url, setting, DISPLAY)
