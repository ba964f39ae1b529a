"""What guards the candidate's page: headers on every answer, CSRF tokens on every form,
rate limits per link and per address, and a cap on what a request may send.

The link token is the candidate's only credential and it is in the URL, so no answer may
leak it: no referrer (Referrer-Policy), no cache (Cache-Control), no third-party anything
(the Content-Security-Policy allows this server's own CSS and script, nothing else).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

HEADERS: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.encode(), value.encode())
    for name, value in (
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    )
)
NO_STORE = (b"cache-control", b"no-store")
STATIC_CACHE = (b"cache-control", b"public, max-age=3600")


class SecurityHeaders:
    """Pure ASGI middleware: the headers above on every response, errors included. Pages
    are never stored (they carry the token in links); the static files hold no secret."""

    def __init__(self, app: ASGIApp, static_prefix: str = "/static/") -> None:
        self.app = app
        self.static_prefix = static_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(self.static_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {b"cache-control", *(name for name, _ in HEADERS)}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                cache = STATIC_CACHE if static and message["status"] == 200 else NO_STORE
                message["headers"] = [*kept, *HEADERS, cache]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CsrfSigner:
    """CSRF tokens bound to one link and an hour: HMAC-SHA256 of the link token's hash and
    the hour it was issued, under a secret of this process (a restart makes open forms
    stale: the candidate reloads the page). A form posted to one link cannot be replayed on
    another, and an old page's token stops working after `max_age` seconds."""

    def __init__(
        self,
        secret: bytes | None = None,
        *,
        max_age: float = 4 * 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self._max_age = max_age
        self._clock = clock

    def issue(self, link_token: str) -> str:
        issued = int(self._clock())
        return f"{issued}.{self._mac(link_token, issued)}"

    def valid(self, link_token: str, csrf: str | None) -> bool:
        if not csrf or len(csrf) > 200:
            return False
        issued_text, _, mac = csrf.partition(".")
        if not issued_text.isdigit():
            return False
        issued = int(issued_text)
        age = self._clock() - issued
        if not -60 <= age <= self._max_age:
            return False
        return hmac.compare_digest(mac, self._mac(link_token, issued))

    def _mac(self, link_token: str, issued: int) -> str:
        token_hash = hashlib.sha256(link_token.encode()).hexdigest()
        message = f"csrf|{token_hash}|{issued}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets in memory, one per key: `burst` requests at once, then `per_minute`.
    At most `max_keys` buckets are kept (the least recently used go first), so a flood of
    made-up keys cannot grow the process's memory."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        max_keys: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str) -> float:
        """0 when `key` may go on (one request counted), else the seconds to wait."""
        now = self._clock()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate if self.rate else math.inf


@dataclass(frozen=True)
class Limits:
    """The candidate page's rate limits. A person reading and picking a time makes a few
    requests a minute; a script guessing tokens or hammering one link meets a 429."""

    per_address_per_minute: float = 120
    per_address_burst: int = 60
    per_link_per_minute: float = 60
    per_link_burst: int = 30
    posts_per_link_per_minute: float = 6
    posts_per_link_burst: int = 6


class Guard:
    """The rate limiters of one app."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.address = RateLimiter(
            limits.per_address_per_minute, limits.per_address_burst, clock=clock
        )
        self.link = RateLimiter(limits.per_link_per_minute, limits.per_link_burst, clock=clock)
        self.posts = RateLimiter(
            limits.posts_per_link_per_minute, limits.posts_per_link_burst, clock=clock
        )

    def wait(self, address: str, link_token: str | None, *, post: bool = False) -> float:
        """Seconds the caller must wait (0: go on). Keys are hashes: no token stays here."""
        waits = [self.address.take(f"a:{address}")]
        if link_token is not None:
            key = hashlib.sha256(link_token.encode()).hexdigest()
            waits.append(self.link.take(key))
            if post:
                waits.append(self.posts.take(key))
        return max(waits)


MAX_BODY = 8 * 1024
"""Bytes a form may send: a slot id, a zone, a CSRF token. More is refused with 413."""
