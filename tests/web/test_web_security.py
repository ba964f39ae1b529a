"""The candidate page's guards on their own: CSRF tokens, rate limits, headers, zones."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from panelist_web.security import CSP, CsrfSigner, Guard, Limits, RateLimiter, SecurityHeaders
from panelist_web.zones import known_zone, zone_groups, zone_label

TOKEN = "A" * 43
OTHER = "B" * 43


class Ticks:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_csrf_token_is_bound_to_its_link_and_expires() -> None:
    clock = Ticks()
    signer = CsrfSigner(b"k" * 32, max_age=3600, clock=clock)
    csrf = signer.issue(TOKEN)
    assert signer.valid(TOKEN, csrf)
    assert not signer.valid(OTHER, csrf), "a form of one link is refused on another"
    assert not signer.valid(TOKEN, csrf[:-1] + ("0" if csrf[-1] != "0" else "1"))
    assert not signer.valid(TOKEN, None)
    assert not signer.valid(TOKEN, "")
    assert not signer.valid(TOKEN, "not-a-token")
    assert not signer.valid(TOKEN, "x" * 1000)
    clock.now += 3599
    assert signer.valid(TOKEN, csrf)
    clock.now += 2
    assert not signer.valid(TOKEN, csrf), "an old page's form stops working"


def test_csrf_token_of_another_process_is_refused() -> None:
    csrf = CsrfSigner(b"k" * 32).issue(TOKEN)
    assert not CsrfSigner(b"j" * 32).valid(TOKEN, csrf)
    assert not CsrfSigner().valid(TOKEN, CsrfSigner().issue(TOKEN)), "a random secret each"


def test_csrf_token_carries_no_link_token() -> None:
    assert TOKEN not in CsrfSigner(b"k" * 32).issue(TOKEN)


def test_rate_limiter_allows_a_burst_then_refills() -> None:
    clock = Ticks()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.take("x") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("x") == 1.0
    assert limiter.take("y") == 0, "another key has its own bucket"
    clock.now += 1
    assert limiter.take("x") == 0
    assert limiter.take("x") > 0


def test_rate_limiter_keeps_a_bounded_number_of_keys() -> None:
    limiter = RateLimiter(per_minute=60, burst=1, max_keys=100, clock=Ticks())
    for n in range(1000):
        limiter.take(f"k{n}")
    assert len(limiter._buckets) == 100


def test_guard_limits_each_link_and_each_address() -> None:
    clock = Ticks()
    limits = Limits(per_address_per_minute=60, per_address_burst=100, per_link_per_minute=60,
                    per_link_burst=5, posts_per_link_per_minute=6, posts_per_link_burst=2)  # fmt: skip
    guard = Guard(limits, clock=clock)
    assert all(guard.wait("1.2.3.4", TOKEN) == 0 for _ in range(5))
    assert guard.wait("1.2.3.4", TOKEN) > 0, "the link's burst is spent"
    assert guard.wait("5.6.7.8", TOKEN) > 0, "from another address too: the limit is the link's"
    assert guard.wait("1.2.3.4", OTHER) == 0
    assert guard.wait("1.2.3.4", OTHER, post=True) == 0
    assert guard.wait("1.2.3.4", OTHER, post=True) == 0
    assert guard.wait("1.2.3.4", OTHER, post=True) > 0, "two posts at once, then one a minute"


def test_every_answer_carries_the_security_headers() -> None:
    async def page(request: object) -> PlainTextResponse:
        return PlainTextResponse("hi", headers={"cache-control": "max-age=60"})

    async def boom(request: object) -> PlainTextResponse:
        raise RuntimeError("boom")

    app = Starlette(routes=[Route("/page", page), Route("/boom", boom)])
    client = TestClient(SecurityHeaders(app), raise_server_exceptions=False)
    for path, status in (("/page", 200), ("/missing", 404), ("/boom", 500)):
        answer = client.get(path)
        assert answer.status_code == status
        assert answer.headers["content-security-policy"] == CSP
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers.get_list("cache-control") == ["no-store"], path


def test_csp_is_strict() -> None:
    for rule in ("default-src 'none'", "style-src 'self'", "script-src 'self'",
                 "img-src 'self'", "form-action 'self'", "frame-ancestors 'none'",
                 "base-uri 'none'"):  # fmt: skip
        assert rule in CSP
    assert "unsafe" not in CSP


def test_zones_are_places_and_utc() -> None:
    names = [name for _, zones in zone_groups() for name in zones]
    assert "Europe/Amsterdam" in names and "Asia/Tokyo" in names and "UTC" in names
    assert "US/Eastern" not in names and not any(n.startswith("Etc/") for n in names)
    assert known_zone("Europe/Amsterdam") == "Europe/Amsterdam"
    for bad in ("Mars/Olympus", "", None, "../../etc/passwd", "localtime", "x" * 200):
        assert known_zone(bad) is None


def test_zone_label_names_the_zone_and_its_offset() -> None:
    winter = datetime(2026, 11, 24, 9, tzinfo=UTC)
    assert zone_label("Europe/Amsterdam", winter) == "Europe/Amsterdam (CET, UTC+01:00)"
    assert zone_label("Asia/Tokyo", winter) == "Asia/Tokyo (JST, UTC+09:00)"
    assert zone_label("UTC", winter) == "UTC"
    assert zone_label("America/Sao_Paulo", winter) == "America/Sao_Paulo (UTC-03:00)"
