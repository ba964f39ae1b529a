"""GoTo's OAuth token endpoint and the GoToMeeting REST API (G2M v1), over httpx.

One `GoToAPI` serves every connected host: each call names the account whose token it
uses (GoTo makes a meeting for the organiser whose token it is). Access tokens live an
hour and are kept in memory; refresh tokens come from the keyring (or the environment),
and when GoTo answers a refresh with a new one the new one is kept there at once (GoTo
has answered both ways: the same token for its 30 days, or a new one each use). A 401 is
answered by refreshing once and trying again; 429 and 5xx become `ProviderUnavailable`
with a wait (GoTo does not always send Retry-After) for core's bounded retries.

httpx is imported on first use, not when the plugin loads.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from panelist.errors import (
    AuthenticationFailed,
    ConfigurationError,
    EventNotFound,
    ProviderError,
    ProviderUnavailable,
)
from panelist_gotomeeting.config import DISPLAY, PROVIDER, GoToSettings, refresh_token_name

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 2.0
"""Seconds to wait after a 429 that named no Retry-After."""
EARLY = 60.0
"""An access token is renewed this many seconds before GoTo says it expires."""

SecretLookup = Callable[[str], "str | None"]
SecretKeeper = Callable[[str, str], None]


@dataclass
class _Access:
    token: str
    expires: float
    organizer_key: str | None


class GoToAPI:
    def __init__(
        self, settings: GoToSettings, secret: SecretLookup, keep: SecretKeeper | None = None
    ) -> None:
        self.settings = settings
        self._secret = secret
        self._keep = keep
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def client(self) -> httpx.AsyncClient:
        """The HTTP client of the running event loop. Core may run one provider under
        several loops (a worker's rounds, each `asyncio.run`): a client, and the locks,
        belong to the loop they were made in, so a new loop gets new ones."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import httpx

            self._client = httpx.AsyncClient(timeout=self.settings.timeout)
            self._loop, self._locks = loop, {}
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()

    def adopt(self, account: str, answer: Mapping[str, Any]) -> str:
        """Hold a token answer got elsewhere (``panelist connect``'s code exchange); the
        refresh token in it."""
        refresh = str(answer.get("refresh_token") or "")
        if not refresh:
            raise ProviderError(f"{DISPLAY} sent no refresh token", provider=PROVIDER)
        self._refresh[account] = refresh
        self._hold(account, answer)
        return refresh

    def current_refresh_token(self, account: str) -> str | None:
        return self._refresh.get(account) or self._secret(refresh_token_name(account))

    def connected(self, account: str) -> bool:
        return bool(self._refresh.get(account) or self._secret(refresh_token_name(account)))

    async def organizer_key(self, account: str) -> str | None:
        """The organiser key GoTo sent with the account's token (None if it sent none)."""
        await self._token(account)
        return self._access[account].organizer_key

    # ------------------------------------------------------------------ calls

    async def call(
        self,
        account: str,
        method: str,
        path: str,
        what: str,
        *,
        body: Any = None,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        """`method path` as `account`; the JSON answer (None for 204). `what` names the
        object in messages ("the meeting 123 of ana@…")."""
        token = await self._token(account)
        response = await self._send(method, path, token, body, query, what)
        if response.status_code == 401:  # expired or revoked early: refresh once, try again
            token = await self._token(account, stale=token)
            response = await self._send(method, path, token, body, query, what)
            if response.status_code == 401:
                raise AuthenticationFailed(
                    f"{DISPLAY} refused the token of {account} for {what} "
                    f"({_message(response)}); they run 'panelist connect gotomeeting' again",
                    provider=PROVIDER,
                )
        return _answer(response, what)

    async def _send(
        self,
        method: str,
        path: str,
        token: str,
        body: Any,
        query: Mapping[str, str] | None,
        what: str,
    ) -> httpx.Response:
        import httpx

        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            return await self.client().request(
                method,
                self.settings.api_base + path,
                headers=headers,
                json=body,
                params=dict(query or {}),
            )
        except httpx.TimeoutException:
            raise ProviderUnavailable(
                f"{DISPLAY} did not answer in time about {what}", provider=PROVIDER
            ) from None
        except httpx.TransportError as exc:
            raise ProviderUnavailable(
                f"{DISPLAY}: the connection failed about {what} ({type(exc).__name__})",
                provider=PROVIDER,
            ) from None

    # ------------------------------------------------------------------ tokens

    async def _token(self, account: str, stale: str | None = None) -> str:
        """The account's access token; a new one when the held one is `stale` (refused)."""
        self.client()  # the locks of this loop
        lock = self._locks.setdefault(account, asyncio.Lock())
        async with lock:
            held = self._access.get(account)
            if held is not None and held.token != stale and held.expires > time.monotonic():
                return held.token
            return await self._renew(account)

    async def _renew(self, account: str) -> str:
        name = refresh_token_name(account)
        current = self._refresh.get(account) or self._secret(name)
        if not current:
            raise AuthenticationFailed(
                f"{DISPLAY}: {account} has not connected a GoTo account "
                "(they run 'panelist connect gotomeeting')",
                provider=PROVIDER,
            )
        try:
            answer = await self._grant({"grant_type": "refresh_token", "refresh_token": current})
        except _Refused as refused:
            stored = self._secret(name)  # another Panelist may have rotated it meanwhile
            if refused.error != "invalid_grant" or not stored or stored == current:
                raise refused.as_error(account) from None
            self._refresh[account] = stored
            try:
                answer = await self._grant({"grant_type": "refresh_token", "refresh_token": stored})
            except _Refused as again:
                raise again.as_error(account) from None
            current = stored
        rotated = str(answer.get("refresh_token") or "")
        if rotated and rotated != current:
            self._refresh[account] = rotated
            self._rotate(account, rotated)
        return self._hold(account, answer)

    def _rotate(self, account: str, token: str) -> None:
        if self._keep is None:
            return
        try:
            self._keep(refresh_token_name(account), token)
        except ConfigurationError as exc:  # the environment holds it: the new one lives here
            log.warning("GoTo Meeting: the new refresh token of %s was not kept: %s", account, exc)

    def _hold(self, account: str, answer: Mapping[str, Any]) -> str:
        token = str(answer.get("access_token") or "")
        if not token:
            raise ProviderError(f"{DISPLAY} sent a token answer without a token", provider=PROVIDER)
        try:
            lifetime = float(answer.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        key = answer.get("organizer_key")
        self._access[account] = _Access(
            token, time.monotonic() + max(0.0, lifetime - EARLY), str(key) if key else None
        )
        return token

    async def _grant(self, form: Mapping[str, str]) -> dict[str, Any]:
        return await grant(self.settings, self._client_secret(), form, self.client())

    def _client_secret(self) -> str:
        from panelist_gotomeeting.config import SECRET_CLIENT

        secret = self._secret(SECRET_CLIENT)
        if not secret:
            raise ConfigurationError(
                f"{DISPLAY}: no client secret (an Admin runs 'panelist connect gotomeeting "
                "--client-id ID', or set PANELIST_GOTOMEETING_CLIENT_SECRET)"
            )
        return secret


class _Refused(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(error)
        self.status, self.error, self.description = status, error, description

    def as_error(self, account: str | None) -> ProviderError:
        whose = f" of {account}" if account else ""
        if self.error == "invalid_client" or self.status == 401:
            return AuthenticationFailed(
                f"{DISPLAY} refused the OAuth client id or secret ({self.error}); an Admin "
                "runs 'panelist connect gotomeeting --client-id ID' again",
                provider=PROVIDER,
            )
        if self.error == "invalid_grant":
            return AuthenticationFailed(
                f"{DISPLAY}: the grant{whose} is no longer valid (revoked, expired or already "
                "used); run 'panelist connect gotomeeting' again",
                provider=PROVIDER,
            )
        return AuthenticationFailed(
            f"{DISPLAY} refused the sign-in{whose} ({self.error}: {self.description[:120]})",
            provider=PROVIDER,
        )


async def grant(
    settings: GoToSettings,
    client_secret: str,
    form: Mapping[str, str],
    client: httpx.AsyncClient | None = None,
) -> dict[str, Any]:
    """POST the token endpoint (Basic client id:secret) with `form`; its JSON answer."""
    import httpx

    client_id = settings.require_client()
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}", "Accept": "application/json"}
    own = client is None
    http = client or httpx.AsyncClient(timeout=settings.timeout)
    try:
        response = await http.post(settings.token_url, data=dict(form), headers=headers)
    except httpx.TimeoutException:
        raise ProviderUnavailable(f"{DISPLAY}'s sign-in did not answer in time") from None
    except httpx.TransportError as exc:
        raise ProviderUnavailable(
            f"{DISPLAY}'s sign-in could not be reached ({type(exc).__name__})", provider=PROVIDER
        ) from None
    finally:
        if own:
            await http.aclose()
    if response.status_code == 429 or response.status_code >= 500:
        raise ProviderUnavailable(
            f"{DISPLAY}'s sign-in is busy ({response.status_code})",
            provider=PROVIDER,
            retry_after=_retry_after(response),
        )
    payload = _json(response)
    if response.status_code != 200 or not isinstance(payload, dict):
        error = payload.get("error") if isinstance(payload, dict) else None
        description = payload.get("error_description") if isinstance(payload, dict) else None
        raise _Refused(
            response.status_code, str(error or response.status_code), str(description or "")
        )
    return payload


async def exchange_code(settings: GoToSettings, client_secret: str, code: str) -> dict[str, Any]:
    """The token answer for an authorisation code (``panelist connect gotomeeting``)."""
    try:
        return await grant(
            settings,
            client_secret,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": settings.redirect_uri,
            },
        )
    except _Refused as refused:
        if refused.error == "invalid_grant":
            raise AuthenticationFailed(
                f"{DISPLAY} refused the code (it is used up, expired or for another redirect "
                "URI); open the link again",
                provider=PROVIDER,
            ) from None
        raise refused.as_error(None) from None


def _answer(response: httpx.Response, what: str) -> Any:
    status = response.status_code
    if status in (200, 201):
        return _json(response)
    if status == 204:
        return None
    if status == 404:
        raise EventNotFound(f"{DISPLAY} does not know {what}", provider=PROVIDER)
    if status == 429:
        raise ProviderUnavailable(
            f"{DISPLAY} asks to slow down ({what})",
            provider=PROVIDER,
            retry_after=_retry_after(response),
        )
    if status >= 500:
        raise ProviderUnavailable(
            f"{DISPLAY} failed on {what} ({status})",
            provider=PROVIDER,
            retry_after=_retry_after(response, None),
        )
    if status == 403:
        raise ProviderError(
            f"{DISPLAY} does not allow {what} ({_message(response)})", provider=PROVIDER
        )
    raise ProviderError(
        f"{DISPLAY} refused {what} ({status}: {_message(response)})", provider=PROVIDER
    )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _message(response: httpx.Response) -> str:
    """GoTo's error text, from whichever shape it came in, on one short line."""
    payload = _json(response)
    text = ""
    if isinstance(payload, dict):
        inner = payload.get("error")
        if isinstance(inner, dict):
            text = str(inner.get("message") or "")
        text = text or str(
            payload.get("msg") or payload.get("message") or payload.get("description") or ""
        )
        text = text or str(payload.get("int_err_code") or inner or "")
    text = " ".join((text or response.reason_phrase or "no detail").split())
    return text[:160]


def _retry_after(
    response: httpx.Response, default: float | None = DEFAULT_RETRY_AFTER
) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default
