"""Calls to Zoom through zoomus, with what zoomus leaves out (PROVIDERS.md §3).

zoomus fetches the token in `ZoomClient`'s constructor (so the client is made on first use,
in a worker thread), keeps only the access token, refreshes nothing on 401, raises nothing
and retries nothing: it hands back the raw `requests.Response`. Here each call:

- gets a new token once on 401 (code 124: expired or revoked) and tries again;
- turns 429 into `ProviderUnavailable` with ``retry_after`` (Zoom's Retry-After when it is
  sent, else `DEFAULT_RETRY_AFTER`), which core's retries honour within their budget;
- turns 5xx and dropped connections or timeouts into `ProviderUnavailable`, and other
  refusals into one line naming what was asked for (the host's meeting, …) and Zoom's
  own message and code.

zoomus's token request has no timeout and says nothing when refused (the token is None):
a refused token is asked again here, with a timeout, to say why.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from panelist.errors import (
    AuthenticationFailed,
    EventNotFound,
    ProviderError,
    ProviderUnavailable,
)
from panelist_zoom.config import PROVIDER, SECRET_CLIENT, ZoomSettings

if TYPE_CHECKING:
    import requests
    from zoomus import ZoomClient

DEFAULT_RETRY_AFTER = 2.0
"""Seconds to wait after a 429 that names no Retry-After (Zoom often sends none)."""

CODE_INVALID_TOKEN = 124
CODE_NO_USER = 1001
CODE_NO_MEETING = 3001


@dataclass
class ZoomAnswer:
    status: int
    body: Any


class ZoomFailure(ProviderError):
    """Zoom refused a call: `status` and Zoom's `code` say how."""

    def __init__(self, message: str, status: int, code: int | None) -> None:
        super().__init__(message, provider=PROVIDER)
        self.status = status
        self.code = code


class ZoomNotFound(ZoomFailure, EventNotFound):
    """404: no such user (1001) or meeting (3001)."""


class ZoomWire:
    """One zoomus client per provider, made on first use; calls are synchronous (threads)."""

    def __init__(self, settings: ZoomSettings, secret: Callable[[], str | None]) -> None:
        self.settings = settings
        self._secret = secret
        self._client: ZoomClient | None = None
        self._lock = threading.Lock()

    def client(self) -> ZoomClient:
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            return self._client

    def _credentials(self) -> tuple[str, str, str]:
        account_id, client_id = self.settings.require()
        secret = self._secret()
        if not secret:
            raise AuthenticationFailed(
                "Zoom: no client secret; run `panelist connect zoom` or set "
                "PANELIST_ZOOM_CLIENT_SECRET",
                provider=PROVIDER,
            )
        return account_id, client_id, secret

    def _connect(self) -> ZoomClient:
        import requests
        from zoomus import ZoomClient

        account_id, client_id, secret = self._credentials()
        try:
            client = ZoomClient(
                client_id,
                secret,
                account_id,
                timeout=int(self.settings.timeout),
                base_uri=self.settings.api_base,
                oauth_uri=self.settings.oauth_uri,
            )
        except ValueError:  # not JSON (requests' JSONDecodeError): a proxy's page, an outage
            raise ProviderUnavailable(
                "Zoom: the token endpoint did not answer with a token", provider=PROVIDER
            ) from None
        except requests.RequestException as exc:
            raise _unreachable(exc, "the token endpoint") from None
        for component in client.components.values():  # zoomus gives them 15 s whatever is asked
            component.timeout = int(self.settings.timeout)
        if not client.config.get("token"):
            client.config["token"] = self.fetch_token()  # says why, or got one after all
        return client

    def fetch_token(self) -> str:
        """A new access token (account credentials grant), or one line saying why not."""
        import requests

        account_id, client_id, secret = self._credentials()
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
        try:
            response = requests.post(
                self.settings.oauth_uri,
                data={"grant_type": "account_credentials", "account_id": account_id},
                headers={"Authorization": f"Basic {basic}"},
                timeout=self.settings.timeout,
            )
        except requests.RequestException as exc:
            raise _unreachable(exc, "the token endpoint") from None
        body = _json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code == 200 and isinstance(token, str) and token:
            return token
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(
                f"Zoom: the token endpoint answered {response.status_code}",
                provider=PROVIDER,
                retry_after=_retry_after(response),
            )
        reason = body.get("reason") or body.get("error") if isinstance(body, dict) else None
        raise AuthenticationFailed(
            f"Zoom refused the account id, client id or secret: {reason or response.status_code}",
            provider=PROVIDER,
        )

    def call(self, what: str, send: Callable[[ZoomClient], requests.Response]) -> ZoomAnswer:
        """`send` through zoomus; a 401 gets a new token once. `what` names the thing asked
        for ("the meeting 123 of ana@…"), for the error's one line."""
        import requests

        client = self.client()
        for attempt in (1, 2):
            try:
                response = send(client)
            except requests.RequestException as exc:
                raise _unreachable(exc, what) from None
            if response.status_code == 401 and attempt == 1:
                client.config["token"] = self.fetch_token()
                continue
            break
        return _answer(response, what)


def _answer(response: requests.Response, what: str) -> ZoomAnswer:
    status = response.status_code
    body = _json(response)
    if status < 300:
        return ZoomAnswer(status, body)
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    detail = f"{message or response.reason or status}" + (f" (code {code})" if code else "")
    if status == 429:
        raise ProviderUnavailable(
            f"Zoom: too many requests for {what}; {detail}",
            provider=PROVIDER,
            retry_after=_retry_after(response),
        )
    if status >= 500:
        raise ProviderUnavailable(f"Zoom: {what}: {detail}", provider=PROVIDER)
    if status == 401:
        raise AuthenticationFailed(
            f"Zoom refused the token for {what}: {detail}", provider=PROVIDER
        )
    if status == 404:
        raise ZoomNotFound(f"Zoom: {what}: {detail}", status, code)
    raise ZoomFailure(f"Zoom refused {what}: {detail}", status, code)


def _json(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _retry_after(response: requests.Response) -> float:
    text = (response.headers.get("Retry-After") or "").strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    if text:  # an HTTP date
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER
        from datetime import UTC, datetime

        return max(0.0, (moment - datetime.now(UTC)).total_seconds())
    return DEFAULT_RETRY_AFTER


def _unreachable(exc: Exception, what: str) -> ProviderUnavailable:
    import requests

    kind = "timed out" if isinstance(exc, requests.Timeout) else "the connection failed"
    return ProviderUnavailable(f"Zoom: {what}: {kind} ({type(exc).__name__})", provider=PROVIDER)


__all__ = [
    "CODE_INVALID_TOKEN",
    "CODE_NO_MEETING",
    "CODE_NO_USER",
    "DEFAULT_RETRY_AFTER",
    "SECRET_CLIENT",
    "ZoomAnswer",
    "ZoomFailure",
    "ZoomNotFound",
    "ZoomWire",
]
