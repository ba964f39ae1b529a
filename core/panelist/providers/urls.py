"""Joining ids and hrefs onto a provider's base URL without leaving its server.

A provider that logs in to a configured server (CalDAV now, SaaS APIs later)
turns calendar ids and the hrefs the server answers with into URLs by joining
them onto its base URL. `join_on_origin` is the one place that does this: the
result must have the base's scheme, host and port, so credentials are never
sent to another server, whatever the id looks like (``//other:8080/``, an
absolute URL, ``user@host``, a backslash, a percent-encoded host).
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import SplitResult, urljoin, urlsplit

from panelist.errors import ConfigurationError, ForeignOrigin

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Backslashes and controls are read differently by different URL parsers: refuse them.
# (A space is not: servers' hrefs come back unquoted by the caldav library.)
_AMBIGUOUS = re.compile(r"[\\\x00-\x1f\x7f]")


class Origin(NamedTuple):
    """Where requests go: scheme, host and port, normalised."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if _DEFAULT_PORTS.get(self.scheme) == self.port:
            return f"{self.scheme}://{host}"
        return f"{self.scheme}://{host}:{self.port}"


def origin_of(url: str) -> Origin:
    """The origin of an absolute http(s) URL; `ForeignOrigin` when it has none or hides one."""
    shown = f"URL {url!r}"
    return _origin(_split(url, shown), shown)


def join_on_origin(base_url: str, reference: str, *, what: str = "URL") -> str:
    """`reference` (a path, an href or an absolute URL) resolved against `base_url`.

    Raises `ForeignOrigin`, naming the reference as `what`, unless the result
    is on the base's scheme, host and port. The returned URL is the parsed one,
    so what was checked is what is sent.
    """
    base = origin_of(base_url)
    shown = f"{what} {reference!r}"
    if _AMBIGUOUS.search(reference.strip()):
        raise ForeignOrigin(f"{shown} contains a backslash or a control character")
    joined = _split(urljoin(base_url, reference.strip()), shown)
    if _origin(joined, shown) != base:
        raise ForeignOrigin(
            f"{shown} is not on the server {base}"
            " (credentials are only sent to the configured server)"
        )
    return joined.geturl()


def _split(url: str, shown: str) -> SplitResult:
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        raise ForeignOrigin(f"{shown} is not an http(s) URL with a host")
    if "@" in parts.netloc:
        raise ForeignOrigin(f"{shown} carries a user name or password")
    return parts


def _origin(parts: SplitResult, shown: str) -> Origin:
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise ForeignOrigin(f"{shown} has an invalid port") from None
    host = (parts.hostname or "").rstrip(".")
    return Origin(scheme, host, port if port is not None else _DEFAULT_PORTS[scheme])


def is_loopback(host: str | None) -> bool:
    """Whether `host` is this machine (where a test's loopback fake listens)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def https_or_loopback(url: str, setting: str, provider: str) -> str:
    """`url` when it is https, or http on this machine (a test fake); else one clear line
    naming the `setting` (credentials must not travel in the clear to another host)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return url
    raise ConfigurationError(
        f"{provider}: {url!r} is not an https URL (setting {setting!r}); "
        "plain http is allowed only on this machine"
    )
