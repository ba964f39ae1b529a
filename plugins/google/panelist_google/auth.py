"""Credentials: a service account acting as each employee, or each person's own OAuth grant.

Nothing here writes a secret anywhere but the OS keyring, and no message quotes one: errors
name the setting, the file or the person, and Google's error code (``invalid_grant``).
google-auth and google-auth-oauthlib are imported on first use.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from panelist.errors import AuthenticationFailed, ConfigurationError, ProviderUnavailable
from panelist.providers.urls import is_loopback
from panelist_google.config import (
    CALENDAR_SCOPES,
    PROVIDER,
    SECRET_CLIENT,
    SECRET_KEY,
    SECRET_REFRESH,
    SERVICE_ACCOUNT_SCOPES,
    GoogleSettings,
    safe_url,
)

REDIRECT_URI = "http://127.0.0.1:53682/"
"""Where Google sends the browser after consent. Nothing listens there (Panelist may run on
another machine, over SSH): the person copies the address the browser shows, or its code."""

Secret = Callable[[str], str | None]

_REQUIRED_KEY_FIELDS = ("client_email", "private_key", "token_uri")


def refresh_token_name(email: str) -> str:
    return f"{SECRET_REFRESH}:{email.strip().casefold()}"


# ---------------------------------------------------------------------- service account


def service_account_info(text: str, where: str) -> dict[str, Any]:
    """The parsed key, or `ConfigurationError` in one line saying why `where` is not one."""
    try:
        info = json.loads(text)
    except ValueError:
        raise ConfigurationError(
            f"Google: {where} is not JSON, so not a service account key"
        ) from None
    if not isinstance(info, dict):
        raise ConfigurationError(f"Google: {where} is not a service account key (not an object)")
    kind = info.get("type")
    if kind != "service_account":
        hint = (
            " (it is an OAuth client file: use 'panelist connect google oauth')"
            if ("installed" in info or "web" in info)
            else ""
        )
        raise ConfigurationError(
            f"Google: {where} is not a service account key (its type is {kind!r}){hint}"
        )
    missing = [name for name in _REQUIRED_KEY_FIELDS if not info.get(name)]
    if missing:
        raise ConfigurationError(
            f"Google: the service account key {where} lacks {', '.join(missing)}"
        )
    safe_url(str(info["token_uri"]), f"token_uri in {where}")
    try:
        from google.oauth2 import service_account

        service_account.Credentials.from_service_account_info(info)
    except (ValueError, TypeError) as exc:
        reason = type(exc).__name__
        raise ConfigurationError(
            f"Google: the private key in {where} cannot be read ({reason})"
        ) from None
    return info


def read_key_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigurationError(f"Google: cannot read the key file {path}: {reason}") from None
    return service_account_info(text, f"key file {path}")


# ---------------------------------------------------------------------- per-request credentials


class Grants:
    """Which credentials reach which calendar, made once per subject and shared by threads."""

    def __init__(self, settings: GoogleSettings, secret: Secret) -> None:
        self.settings = settings
        self.secret = secret
        self._lock = threading.Lock()
        self._made: dict[str, Any] = {}
        self._key: dict[str, Any] | None = None
        self._own: dict[str, bool] = {}

    def subject_for(self, calendar_id: str) -> str:
        """Who a calendar is read and written as: its owner, else the admin (oauth: the
        reading account)."""
        if self.settings.is_person(calendar_id) and (
            self.settings.mode == "service_account" or self._has_own_grant(calendar_id)
        ):
            return calendar_id.casefold()
        fallback = (
            self.settings.admin_email
            if self.settings.mode == "service_account"
            else self.settings.oauth_account
        )
        return (fallback or "").casefold()

    def booking_account(self) -> str:
        """The user whose calendar rooms are invited from."""
        settings = self.settings
        fallback = (
            settings.admin_email if settings.mode == "service_account" else settings.oauth_account
        )
        account = settings.booking_account or fallback
        if not account:
            raise ConfigurationError(
                "Google: rooms are booked from an account's calendar: set 'booking_account' "
                "(or 'admin_email')"
            )
        return account.casefold()

    def directory_subject(self) -> str:
        if self.settings.mode != "service_account" or not self.settings.admin_email:
            raise ConfigurationError(
                "Google: reading the Workspace directory needs the service account mode "
                "and setting 'admin_email' (panelist connect google service-account)"
            )
        return self.settings.admin_email.casefold()

    def credentials(self, subject: str) -> Any:
        with self._lock:
            if subject not in self._made:
                self._made[subject] = self._make(subject)
            return self._made[subject]

    def _make(self, subject: str) -> Any:
        if self.settings.mode == "service_account":
            from google.oauth2 import service_account

            if not subject:
                raise ConfigurationError(
                    "Google: setting 'admin_email' is needed for calendars that belong to no "
                    "employee (rooms)"
                )
            base = service_account.Credentials.from_service_account_info(
                self._key_info(), scopes=list(SERVICE_ACCOUNT_SCOPES)
            )
            return base.with_subject(subject)
        return self._oauth(subject)

    def _key_info(self) -> dict[str, Any]:
        if self._key is None:
            text = self.secret(SECRET_KEY)
            if text:
                self._key = service_account_info(text, "the secret service_account_key")
            elif self.settings.key_file:
                self._key = read_key_file(Path(self.settings.key_file).expanduser())
            else:
                raise ConfigurationError(
                    "Google: no service account key (setting 'key_file', or the secret "
                    "service_account_key); run 'panelist connect google service-account'"
                )
        return self._key

    def _has_own_grant(self, email: str) -> bool:
        """Asked once per person and instance: the keyring is not asked on every call."""
        key = email.casefold()
        with self._lock:
            if key not in self._own:
                self._own[key] = bool(self.secret(refresh_token_name(key)))
            return self._own[key]

    def _oauth(self, subject: str) -> Any:
        from google.oauth2.credentials import Credentials

        settings = self.settings
        token = (self.secret(refresh_token_name(subject)) if subject else None) or self.secret(
            SECRET_REFRESH
        )
        if not token:
            who = subject or "the reading account (setting 'oauth_account')"
            raise AuthenticationFailed(
                f"Google: {who} has not connected a Google account; they run "
                "'panelist connect google oauth'",
                provider=PROVIDER,
            )
        client_secret = self.secret(SECRET_CLIENT)
        if not settings.client_id or not client_secret:
            raise ConfigurationError(
                "Google: the OAuth client is not set up (setting 'client_id' and the secret "
                "client_secret); run 'panelist connect google oauth --client-secrets FILE'"
            )
        return Credentials(
            token=None,
            refresh_token=token,
            token_uri=settings.token_uri,
            client_id=settings.client_id,
            client_secret=client_secret,
            scopes=list(CALENDAR_SCOPES),
        )


# ---------------------------------------------------------------------- OAuth, installed app


def client_config_from_file(path: Path) -> dict[str, Any]:
    """The "installed" part of a downloaded OAuth client file, checked."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not JSON"
        raise ConfigurationError(
            f"Google: cannot read the OAuth client file {path}: {reason}"
        ) from None
    if not isinstance(data, dict) or "installed" not in data:
        kind = (
            "a service account key"
            if isinstance(data, dict) and data.get("type")
            else (
                "a web client" if isinstance(data, dict) and "web" in data else "not a client file"
            )
        )
        raise ConfigurationError(
            f"Google: {path} is not an OAuth client of type Desktop app ({kind})"
        )
    installed = data["installed"]
    missing = [k for k in ("client_id", "client_secret") if not installed.get(k)]
    if missing:
        raise ConfigurationError(f"Google: the OAuth client file {path} lacks {', '.join(missing)}")
    return dict(installed)


def client_config(settings: GoogleSettings, client_secret: str) -> dict[str, Any]:
    return {
        "installed": {
            "client_id": settings.client_id,
            "client_secret": client_secret,
            "auth_uri": settings.auth_uri,
            "token_uri": settings.token_uri,
            "redirect_uris": [REDIRECT_URI],
        }
    }


def start_consent(config: Mapping[str, Any], email: str | None) -> tuple[Any, str, str]:
    """The flow, the URL the person opens, and the state the answer must carry back."""
    from google_auth_oauthlib.flow import Flow

    flow = Flow.from_client_config(
        dict(config),
        scopes=list(CALENDAR_SCOPES),
        redirect_uri=REDIRECT_URI,
        autogenerate_code_verifier=True,
    )
    extra = {"login_hint": email} if email else {}
    try:
        with _plain_http_on_loopback(str(config["installed"]["auth_uri"])):
            url, state = flow.authorization_url(
                access_type="offline", prompt="consent", include_granted_scopes="true", **extra
            )
    except Exception as exc:  # oauthlib's checks of the client: named by kind only
        raise ConfigurationError(
            f"Google: the OAuth client cannot start a consent ({type(exc).__name__})"
        ) from None
    return flow, url, state


_CODE = re.compile(r"[0-9A-Za-z/_.\-~]{10,2048}")


def code_from_paste(text: str, state: str) -> str:
    """The authorisation code in what the person pasted: the redirected URL, or the code."""
    pasted = text.strip().strip("'\"<>")
    if not pasted:
        raise ConfigurationError("Google: nothing was pasted")
    if "://" in pasted or pasted.startswith(("?", "/")) or "code=" in pasted:
        query = parse_qs(pasted.split("?", 1)[1] if "?" in pasted else pasted)
        if "error" in query:
            raise AuthenticationFailed(
                f"Google: consent was not given ({query['error'][0][:60]})", provider=PROVIDER
            )
        codes = query.get("code", [])
        if not codes or not codes[0]:
            raise ConfigurationError("Google: the pasted address holds no 'code'")
        if query.get("state", [state])[0] != state:
            raise ConfigurationError(
                "Google: the pasted address belongs to another attempt (its state differs); "
                "open the newest link"
            )
        pasted = codes[0]
    if not _CODE.fullmatch(pasted):
        raise ConfigurationError("Google: that is neither the redirected address nor a code")
    return pasted


def finish_consent(flow: Any, code: str) -> str:
    """Trade the code for tokens; the refresh token, which the caller keeps in the keyring."""
    token_uri = flow.client_config["token_uri"]
    try:
        with _plain_http_on_loopback(token_uri):
            flow.fetch_token(code=code)
    except Exception as exc:  # oauthlib, requests: named by kind and code only
        raise _token_error(exc) from None
    token = flow.credentials.refresh_token
    if not token:
        raise AuthenticationFailed(
            "Google: no refresh token came back; remove Panelist at "
            "myaccount.google.com/permissions and connect again",
            provider=PROVIDER,
        )
    return str(token)


def _token_error(exc: Exception) -> Exception:
    code = getattr(exc, "error", None)
    if isinstance(code, str) and code:
        return AuthenticationFailed(f"Google: the code was refused ({code})", provider=PROVIDER)
    if type(exc).__module__.startswith(("requests", "urllib3")):
        return ProviderUnavailable(
            f"Google: the token endpoint could not be reached ({type(exc).__name__})",
            provider=PROVIDER,
        )
    return AuthenticationFailed(
        f"Google: the code could not be traded for a token ({type(exc).__name__})",
        provider=PROVIDER,
    )


@contextlib.contextmanager
def _plain_http_on_loopback(url: str) -> Iterator[None]:
    """oauthlib refuses http; a loopback test server is the one place it is allowed."""
    if not url.startswith("http://") or not is_loopback(urlsplit(url).hostname):
        yield
        return
    name = "OAUTHLIB_INSECURE_TRANSPORT"
    before = os.environ.get(name)
    os.environ[name] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
