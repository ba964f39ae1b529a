"""`join_on_origin`: ids and hrefs join onto a base URL and never leave its server."""

from __future__ import annotations

import pytest

from panelist.errors import ConfigurationError, ForeignOrigin
from panelist.providers.calendar import CalendarProvider
from panelist.providers.urls import https_or_loopback, join_on_origin, origin_of

BASE = "https://dav.example.com/remote.php/dav/"


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("ana/interviews/", "https://dav.example.com/remote.php/dav/ana/interviews/"),
        ("/ana/work/", "https://dav.example.com/ana/work/"),
        ("../../../../etc/", "https://dav.example.com/etc/"),
        ("///ana/", "https://dav.example.com/ana/"),
        ("%2F%2Fevil.example/", "https://dav.example.com/remote.php/dav/%2F%2Fevil.example/"),
        ("https:evil.example/x", "https://dav.example.com/remote.php/dav/evil.example/x"),
        ("https://dav.example.com/x/", "https://dav.example.com/x/"),
        ("/ana/my work/a b.ics", "https://dav.example.com/ana/my work/a b.ics"),
        ("HTTPS://DAV.Example.COM:443/x/", "https://DAV.Example.COM:443/x/"),
        ("https://dav.example.com./x/", "https://dav.example.com./x/"),
    ],
)
def test_references_on_the_same_server_are_joined(reference: str, expected: str) -> None:
    assert join_on_origin(BASE, reference) == expected


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("//other-host:8443/ana/", "is not on the server https://dav.example.com"),
        ("//dav.example.com:8443/ana/", "is not on the server"),
        ("http://dav.example.com/ana/", "is not on the server"),
        ("https://dav.example.com:444/ana/", "is not on the server"),
        ("https://evil.example/ana/", "is not on the server"),
        ("https://ev%69l.example/ana/", "is not on the server"),
        ("https://evil.example#@dav.example.com/", "is not on the server"),
        ("https://evil.example?@dav.example.com/", "is not on the server"),
        ("https://[::1]/ana/", "is not on the server"),
        ("https://dav.example.com@evil.example/", "carries a user name or password"),
        ("https://user:pw@dav.example.com/ana/", "carries a user name or password"),
        ("https://dav.example.com:443@evil.example/", "carries a user name or password"),
        ("\\\\evil.example\\ana\\", "contains a backslash"),
        ("/\\evil.example/ana/", "contains a backslash"),
        ("https:\\\\evil.example/ana/", "contains a backslash"),
        ("//evil.example\t/ana/", "control character"),
        ("//evil\x00.example/ana/", "control character"),
        ("https://dav.example.com:99999/ana/", "has an invalid port"),
        ("https://dav.example.com:abc/ana/", "has an invalid port"),
        ("ftp://dav.example.com/ana/", "is not an http(s) URL"),
        ("javascript:alert(1)", "is not an http(s) URL"),
    ],
)
def test_references_that_leave_the_server_are_refused(reference: str, problem: str) -> None:
    with pytest.raises(ForeignOrigin) as caught:
        join_on_origin(BASE, reference, what="calendar id")
    assert str(caught.value).startswith(f"calendar id {reference!r} "), str(caught.value)
    assert problem in str(caught.value)
    assert isinstance(caught.value, ConfigurationError)  # shown as one line like other settings


def test_origins_compare_with_default_ports_and_case_normalised() -> None:
    assert origin_of("HTTP://Example.COM/a") == origin_of("http://example.com:80/b")
    assert origin_of("https://example.com/") != origin_of("http://example.com/")
    assert str(origin_of("https://Example.com:443/x")) == "https://example.com"
    assert str(origin_of("http://[::1]:8080/")) == "http://[::1]:8080"


def test_a_calendar_provider_accepts_any_calendar_id_unless_it_says_otherwise() -> None:
    assert CalendarProvider.check_calendar_id({}, "//anything/") is None


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://graph.microsoft.com", True),
        ("http://127.0.0.1:8080", True),
        ("http://[::1]:8080", True),
        ("http://localhost:1", True),
        ("http://graph.microsoft.com", False),  # credentials in the clear to another host
        ("http://127.0.0.1.evil.example", False),
        ("ftp://127.0.0.1", False),
        ("https://", False),
    ],
)
def test_only_https_or_this_machine_carries_credentials(url: str, allowed: bool) -> None:
    if allowed:
        assert https_or_loopback(url, "api_base", "Microsoft") == url
    else:
        with pytest.raises(ConfigurationError, match=r"^Microsoft: .*\(setting 'api_base'\)"):
            https_or_loopback(url, "api_base", "Microsoft")
