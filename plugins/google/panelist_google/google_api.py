"""The wire: google-api-python-client services, per-thread HTTP, and Google's errors mapped
to core's `ProviderError` family.

googleapiclient is synchronous and its httplib2 transport is not thread-safe: the provider
runs every call in a worker thread, and each thread keeps its own authorised HTTP object per
subject. The discovery document ships in the library (nothing is fetched). Retries are left
to core (`panelist.retry`), which honours Retry-After; `execute(num_retries=…)` would not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from panelist.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ProviderError,
    ProviderUnavailable,
)
from panelist_google.auth import Grants
from panelist_google.config import PROVIDER, GoogleSettings

RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})


class GoogleError(ProviderError):
    """Google answered with an HTTP error; `status` and `reasons` say which."""

    def __init__(self, message: str, status: int, reasons: list[str]) -> None:
        super().__init__(message, provider=PROVIDER)
        self.status = status
        self.reasons = reasons


class Wire:
    """One per provider instance: the services (built once) and the per-thread transports."""

    def __init__(self, settings: GoogleSettings, grants: Grants) -> None:
        self.settings = settings
        self.grants = grants
        self._lock = threading.Lock()
        self._services: dict[str, Any] = {}
        self._local = threading.local()
        self.requests = 0
        self.http_seconds = 0.0

    def service(self, name: str) -> Any:
        """ "calendar" or "directory", built from the discovery document in the library."""
        with self._lock:
            if name not in self._services:
                self._services[name] = self._build(name)
            return self._services[name]

    def _build(self, name: str) -> Any:
        import httplib2
        from googleapiclient.discovery import build

        api, version, endpoint = {
            "calendar": ("calendar", "v3", self.settings.calendar_endpoint),
            "directory": ("admin", "directory_v1", self.settings.directory_endpoint),
        }[name]
        # Built without credentials: every call carries its subject's authorised HTTP.
        return build(
            api,
            version,
            http=httplib2.Http(timeout=self.settings.timeout),
            client_options={"api_endpoint": endpoint},
            cache_discovery=False,
            static_discovery=True,
        )

    def http(self, subject: str) -> Any:
        """This thread's authorised HTTP for `subject`."""
        cache: dict[str, Any] | None = getattr(self._local, "http", None)
        if cache is None:
            cache = self._local.http = {}
        if subject not in cache:
            import google_auth_httplib2
            import httplib2

            cache[subject] = google_auth_httplib2.AuthorizedHttp(
                self.grants.credentials(subject), http=httplib2.Http(timeout=self.settings.timeout)
            )
        return cache[subject]

    def authorized(self, subject: str) -> Any:
        """`http(subject)` with a valid token, for a batch part (which carries its own)."""
        http = self.http(subject)
        credentials = http.credentials
        if not credentials.valid:
            import google_auth_httplib2
            import httplib2

            transport = google_auth_httplib2.Request(httplib2.Http(timeout=self.settings.timeout))
            try:
                credentials.refresh(transport)
            except Exception as exc:
                raise mapped(exc, f"the grant of {subject}", subject) from None
        return http

    def execute(self, request: Any, subject: str, where: str) -> Any:
        """Run one request as `subject`; errors come back as `ProviderError`s naming `where`."""
        started = time.monotonic()
        self.requests += 1
        try:
            return request.execute(http=self.http(subject))
        except Exception as exc:
            raise mapped(exc, where, subject) from None
        finally:
            self.http_seconds += time.monotonic() - started

    def batch(self, callback: Callable[[str, Any, Any], None]) -> Any:
        from googleapiclient.http import BatchHttpRequest

        return BatchHttpRequest(callback=callback, batch_uri=self.settings.batch_uri)

    def execute_batch(self, batch: Any, subject: str, where: str) -> None:
        started = time.monotonic()
        self.requests += 1
        try:
            batch.execute(http=self.http(subject))
        except Exception as exc:
            raise mapped(exc, where, subject) from None
        finally:
            self.http_seconds += time.monotonic() - started


def mapped(exc: BaseException, where: str, subject: str) -> Exception:
    """Google's, google-auth's and the network's errors as one line naming `where`."""
    if isinstance(exc, ProviderError | ConfigurationError):
        return exc
    kind = type(exc)
    module = kind.__module__
    if kind.__name__ == "HttpError" and module.startswith("googleapiclient"):
        return _http_error(exc, where)
    if kind.__name__ == "RefreshError" and module.startswith("google.auth"):
        return _refresh_error(exc, subject)
    if module.startswith(("google.auth", "httplib2")) or isinstance(exc, OSError):
        return ProviderUnavailable(
            f"Google could not be reached for {where} ({kind.__name__})", provider=PROVIDER
        )
    return ProviderError(
        f"Google: {where} failed unexpectedly ({kind.__name__})", provider=PROVIDER
    )


def reasons_of(exc: Any) -> list[str]:
    details = getattr(exc, "error_details", None)
    if isinstance(details, list):
        return [str(d.get("reason")) for d in details if isinstance(d, dict) and d.get("reason")]
    return []


def _http_error(exc: Any, where: str) -> Exception:
    status = int(getattr(exc.resp, "status", 0) or 0)
    reasons = reasons_of(exc)
    why = f"HTTP {status}" + (f" {', '.join(reasons)}" if reasons else "")
    if status == 429 or status >= 500 or (status == 403 and RATE_REASONS & set(reasons)):
        error: GoogleError = _Unavailable(f"Google is busy for {where} ({why})", status, reasons)
        error.retry_after = retry_after(exc.resp.get("retry-after"))
        return error
    if status == 401:
        return AuthenticationFailed(
            f"Google refused the credentials for {where} ({why}): connect again "
            "(panelist connect google)",
            provider=PROVIDER,
        )
    if status == 403:
        hint = (
            ": a scope Panelist needs was not granted"
            if {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"} & set(reasons)
            else ": not shared with Panelist's account?"
        )
        return GoogleError(f"Google refused access to {where} ({why}){hint}", status, reasons)
    return GoogleError(f"Google refused the request for {where} ({why})", status, reasons)


class _Unavailable(GoogleError, ProviderUnavailable):
    retryable = True


def _refresh_error(exc: BaseException, subject: str) -> Exception:
    code = _oauth_code(exc)
    who = subject or "the connected account"
    if code == "unauthorized_client":
        text = (
            f"Google would not let the service account act as {who} ({code}): the Workspace "
            "admin has not granted Panelist's scopes to its client id (domain-wide delegation)"
        )
    elif code == "invalid_grant":
        text = (
            f"Google no longer accepts the grant for {who} ({code}): it was revoked or has "
            "expired, or the user does not exist; connect again (panelist connect google)"
        )
    elif code == "invalid_scope":
        text = f"Google refused Panelist's scopes for {who} ({code})"
    else:
        text = f"Google refused the credentials of {who} ({code or type(exc).__name__})"
    return AuthenticationFailed(text, provider=PROVIDER)


def _oauth_code(exc: BaseException) -> str | None:
    """The OAuth error code ("invalid_grant"): the only part of a token error we repeat."""
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, dict) and isinstance(arg.get("error"), str):
            return str(arg["error"])
    first = str(exc.args[0]) if getattr(exc, "args", None) else ""
    code = first.split(":", 1)[0].strip()
    return code if code.replace("_", "").isalpha() and len(code) < 40 else None


def retry_after(value: Any) -> float | None:
    """Seconds from a Retry-After header: a number, or an HTTP date."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
