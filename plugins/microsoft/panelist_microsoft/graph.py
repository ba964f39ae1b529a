"""Microsoft Graph through msgraph-sdk: one GraphServiceClient per provider instance, built
on first use (msgraph is imported there, never when the plugin loads), and Graph's errors
mapped to Panelist's, in one line that names the person, room or calendar.

Requests are built as kiota `RequestInformation` on the client's request adapter (the
SDK's auth provider, middleware and serialisation) and answered as Graph's JSON, which
`panelist_microsoft.convert` reads: every request says ``Prefer: outlook.timezone="UTC"``
and ``outlook.body-content-type="text"``.

Throttling: kiota's RetryHandler would honour any Retry-After (up to minutes) inside the
call, with the TUI waiting; it is turned off, and `Graph.call` retries a 429/503/504 itself
only while Retry-After stays within `RETRY_BUDGET` seconds in all. Longer waits reach the
caller as `ProviderUnavailable(retry_after=…)`, for core's own retries.

`Batcher`: single-event calls made at about the same moment go to ``POST /$batch``
together (at most 20 a request); each part keeps its own answer, so a 429 or 404 inside a
batch reaches only its caller, as the error the single call would give.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from panelist.errors import (
    AuthenticationFailed,
    ConfigurationError,
    CursorExpired,
    EventNotFound,
    ProviderConflict,
    ProviderError,
    ProviderUnavailable,
)
from panelist_microsoft.auth import SecretLookup, make_credential
from panelist_microsoft.config import PROVIDER, MicrosoftSettings

log = logging.getLogger(__name__)

PREFER_UTC = 'outlook.timezone="UTC", outlook.body-content-type="text"'
"""Every answer's times in UTC, and bodies as text (Exchange keeps them as HTML)."""
RETRY_BUDGET = 5.0
"""Seconds of Retry-After a call waits out itself before giving up to the caller."""
MAX_BATCH = 20
"""Graph's limit of requests in one JSON batch."""
BATCH_WINDOW = 0.01

_EXPIRED_CURSOR = {"syncstatenotfound", "resyncrequired", "syncstateinvalid"}
_NO_MAILBOX = {
    "errorinvaliduser",
    "errornonexistentmailbox",
    "mailboxnotenabledforrestapi",
    "mailboxnotsupportedforrestapi",
    "resourcenotfound",
    "request_resourcenotfound",
}
_AADSTS = {
    "AADSTS7000222": "the app's client secret has expired: make a new one in Entra and "
    "store it (microsoft:client_secret)",
    "AADSTS7000215": "the client secret is wrong (give the secret's value, not its id)",
    "AADSTS700016": "Entra knows no application with this client id in the tenant",
    "AADSTS90002": "Entra knows no such tenant",
    "AADSTS900023": "the tenant id is not a GUID or a domain",
    "AADSTS700027": "the certificate is not the app's (or has expired)",
    "AADSTS7000112": "the application is disabled",
}


@dataclass
class Reply:
    """One answer of Graph: status, headers, the JSON body (None when empty)."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


def mailbox_path(mailbox: str) -> str:
    return "/users/" + quote(mailbox, safe="@")


class Graph:
    """Graph for one provider instance: the client, the counters, the error mapping."""

    def __init__(self, settings: MicrosoftSettings, secret: SecretLookup) -> None:
        self.settings = settings
        self.secret = secret
        self._client: Any = None
        self._credential: Any = None
        self.requests = 0
        """HTTP requests made through this instance (a batch counts once)."""

    # ------------------------------------------------------------------ the client

    @property
    def client(self) -> Any:
        """The GraphServiceClient, built (and msgraph imported) on first use."""
        if self._client is None:
            self._client = self._build()
        return self._client

    def _build(self) -> Any:
        import httpx
        from kiota_authentication_azure.azure_identity_authentication_provider import (
            AzureIdentityAuthenticationProvider,
        )
        from kiota_http.middleware.options import RetryHandlerOption
        from msgraph import GraphRequestAdapter, GraphServiceClient
        from msgraph_core import GraphClientFactory

        credential = make_credential(self.settings, self.secret)
        host = httpx.URL(self.settings.api_base).host
        auth = AzureIdentityAuthenticationProvider(
            credential, scopes=[self.settings.scope], allowed_hosts=[host]
        )
        no_retry = RetryHandlerOption(max_retries=0, should_retry=False)
        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(timeout=self.settings.timeout, http2=False),
            options={no_retry.get_key(): no_retry},
        )
        adapter = GraphRequestAdapter(auth, client=http)
        adapter.base_url = self.settings.graph_base
        self._credential = credential
        return GraphServiceClient(request_adapter=adapter)

    async def aclose(self) -> None:
        client, credential, self._client, self._credential = (
            self._client,
            self._credential,
            None,
            None,
        )
        if client is not None:
            with contextlib.suppress(Exception):  # closing is best effort
                await client.request_adapter._http_client.aclose()
        if credential is not None:
            with contextlib.suppress(Exception):
                await credential.close()

    # ------------------------------------------------------------------ calls

    def url(self, path: str, query: Mapping[str, str] | None = None) -> str:
        """An absolute URL for a path under /v1.0 (or an absolute link Graph gave, as it is)."""
        if path.startswith(("http://", "https://")):
            if not self.on_graph(path):  # a link from elsewhere never gets the token
                raise ProviderError(
                    "Microsoft: a link Graph did not give (another server) was refused",
                    provider=PROVIDER,
                )
            return path
        text = self.settings.graph_base + path
        return text + ("?" + urlencode(query, quote_via=quote, safe="@$(),'") if query else "")

    def on_graph(self, url: str) -> bool:
        """Whether an absolute URL is under this Graph's base (a nextLink or deltaLink)."""
        return url.startswith(self.settings.graph_base + "/")

    async def call(
        self,
        method: str,
        path: str,
        where: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The JSON answer of one request (None for 204); a mapped error otherwise."""
        waited = 0.0
        while True:
            try:
                return (await self._send(method, self.url(path, query), body, headers, where)).body
            except ProviderUnavailable as exc:
                delay = exc.retry_after
                if delay is None or waited + delay > RETRY_BUDGET:
                    raise
                waited += delay
                await asyncio.sleep(delay)

    async def _send(
        self,
        method: str,
        url: str,
        body: Any,
        headers: Mapping[str, str] | None,
        where: str,
    ) -> Reply:
        from kiota_abstractions.method import Method
        from kiota_abstractions.request_information import RequestInformation

        try:
            adapter = self.client.request_adapter
        except (ConfigurationError, AuthenticationFailed):
            raise
        info = RequestInformation(Method[method.upper()])
        info.url = url
        info.headers.try_add("Prefer", PREFER_UTC)
        info.headers.try_add("Accept", "application/json")
        for name, value in (headers or {}).items():
            info.headers.add(name, value)
        if body is not None:
            info.set_stream_content(json.dumps(body).encode(), "application/json")
        self.requests += 1
        try:
            raw = await adapter.send_primitive_async(info, "bytes", _error_map())
        except Exception as exc:
            raise mapped(exc, where) from None
        return Reply(200, json.loads(raw) if raw else None)

    async def batch(self, parts: list[tuple[str, str, Any, str]]) -> list[Reply | Exception]:
        """Up to `MAX_BATCH` (method, path, body, where) as one ``POST /$batch``; each part's
        answer, or its mapped error. Paths are relative to /v1.0 (no query quoting done here)."""
        requests = []
        for index, (method, path, body, _where) in enumerate(parts):
            item: dict[str, Any] = {
                "id": str(index + 1),
                "method": method.upper(),
                "url": path,
                "headers": {"Prefer": PREFER_UTC},
            }
            if body is not None:
                item["body"] = body
                item["headers"]["Content-Type"] = "application/json"
            requests.append(item)
        answer = await self.call(
            "POST", "/$batch", "a batch of calendar writes", body={"requests": requests}
        )
        by_id = {str(r.get("id")): r for r in (answer or {}).get("responses") or ()}
        results: list[Reply | Exception] = []
        for index, (_method, _path, _body, where) in enumerate(parts):
            found = by_id.get(str(index + 1))
            if found is None:
                results.append(
                    ProviderError(f"Microsoft: no answer for {where} in a batch", provider=PROVIDER)
                )
                continue
            status = int(found.get("status") or 0)
            headers = {str(k).lower(): str(v) for k, v in (found.get("headers") or {}).items()}
            if status >= 400:
                results.append(from_status(status, found.get("body"), headers, where))
            else:
                results.append(Reply(status, found.get("body"), headers))
        return results


def _error_map() -> dict[str, Any]:
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    return {"XXX": ODataError}


# ---------------------------------------------------------------------- errors


def from_status(status: int, body: Any, headers: Mapping[str, str], where: str) -> ProviderError:
    """The error for a Graph answer (a batch part's, or one rebuilt from `ODataError`)."""
    error = (body or {}).get("error") if isinstance(body, dict) else None
    code = str((error or {}).get("code") or "")
    message = str((error or {}).get("message") or "")
    return _classify(status, code, message, _retry_after(headers), where)


def mapped(exc: BaseException, where: str) -> ProviderError:
    """Any exception of msgraph, kiota, azure-identity or httpx as one Panelist error."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, ConfigurationError):
        raise exc
    name = type(exc).__name__
    status = getattr(exc, "response_status_code", None)
    if status is not None:
        error = getattr(exc, "error", None)
        code = str(getattr(error, "code", "") or "")
        message = str(getattr(error, "message", "") or "")
        headers = getattr(exc, "response_headers", None) or {}
        flat = {str(k).lower(): _first(v) for k, v in dict(headers).items()}
        return _classify(int(status), code, message, _retry_after(flat), where)
    if name == "ClientAuthenticationError" or "AADSTS" in str(exc):
        return _token_error(str(exc), where)
    module = type(exc).__module__
    if module.startswith("httpx") or isinstance(exc, OSError | TimeoutError):
        return _tagged(
            ProviderUnavailable(
                f"Microsoft Graph did not answer for {where} ({name})", provider=PROVIDER
            ),
            0,
            "",
        )
    if name == "HTTPError" and "https" in str(exc):
        return ProviderError(
            f"Microsoft: {where}: only https is allowed for Graph", provider=PROVIDER
        )
    log.debug("Graph call for %s failed", where, exc_info=exc)
    return ProviderError(f"Microsoft Graph failed for {where} ({name})", provider=PROVIDER)


def _token_error(text: str, where: str) -> ProviderError:
    code = next((c for c in _AADSTS if c in text), None)
    found = re.search(r"AADSTS\d+", text)
    reason = _AADSTS.get(code or "") or (
        f"Entra refused the app's credentials ({found.group(0)})"
        if found
        else "Entra refused the app's credentials"
    )
    return _tagged(
        AuthenticationFailed(f"Microsoft: cannot sign in for {where}: {reason}", provider=PROVIDER),
        401,
        found.group(0) if found else "",
    )


def _classify(
    status: int, code: str, message: str, retry_after: float | None, where: str
) -> ProviderError:
    low = code.casefold()
    error: ProviderError
    if status == 410 or low in _EXPIRED_CURSOR:
        error = CursorExpired(
            f"Microsoft Graph no longer knows the delta link of {where}", provider=PROVIDER
        )
    elif status in (429, 503, 504) or (status >= 500 and status != 501):
        wait = f"; retry in {retry_after:g} s" if retry_after is not None else ""
        error = ProviderUnavailable(
            f"Microsoft Graph is busy for {where} ({status} {code or 'throttled'}){wait}",
            provider=PROVIDER,
            retry_after=retry_after,
        )
    elif status == 401:
        error = AuthenticationFailed(
            f"Microsoft Graph refused the app's token for {where} ({code or 401}): is the app "
            "consented in this tenant?",
            provider=PROVIDER,
        )
    elif status == 403:
        if "RAOP" in message or "application access polic" in message.casefold():
            reason = (
                "an Exchange application access policy keeps the app out of this mailbox: "
                "add it to the policy's group"
            )
        else:
            reason = (
                "the app lacks the permission (Calendars.ReadWrite, Place.Read.All with admin "
                f"consent) ({code or 403})"
            )
        error = AuthenticationFailed(
            f"Microsoft Graph refused {where}: {reason}", provider=PROVIDER
        )
        error.policy = "RAOP" in reason or "access policy" in reason  # type: ignore[attr-defined]
    elif status == 404 and (low in _NO_MAILBOX or "mailbox" in message.casefold()):
        error = ProviderError(
            f"not integrated: {where} has no Exchange Online mailbox Graph can reach "
            f"({code or 404})",
            provider=PROVIDER,
        )
    elif status == 404:
        error = EventNotFound(
            f"Microsoft Graph found nothing for {where} ({code or 404})", provider=PROVIDER
        )
    elif status in (409, 412):
        error = ProviderConflict(
            f"Microsoft Graph refused a change to {where}: it changed meanwhile ({code or status})",
            provider=PROVIDER,
        )
    else:
        error = ProviderError(
            f"Microsoft Graph refused the request for {where} ({status} {code})".rstrip(),
            provider=PROVIDER,
        )
    return _tagged(error, status, code)


def _tagged(error: ProviderError, status: int, code: str) -> ProviderError:
    error.status = status  # type: ignore[attr-defined]
    error.code = code  # type: ignore[attr-defined]
    return error


def outside_policy(error: BaseException) -> bool:
    """A 403 of an Exchange application access policy: the app may not read the mailbox."""
    return bool(getattr(error, "policy", False))


def status_of(error: BaseException) -> int:
    return int(getattr(error, "status", 0) or 0)


def code_of(error: BaseException) -> str:
    return str(getattr(error, "code", "") or "")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _first(value: Any) -> str:
    if isinstance(value, list | tuple | set):
        return str(next(iter(value), ""))
    return str(value)
