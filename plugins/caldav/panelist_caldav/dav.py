"""The WebDAV/CalDAV requests Panelist sends, over the caldav library's `DAVClient`.

Synchronous, like caldav itself: the provider runs these methods in worker
threads. Only this module imports caldav (and niquests under it), and only when
a `DavSession` is created, so registering the plugin stays cheap.

Every request goes through `DavSession._send`, which counts it, retries rate
limits honouring Retry-After, and turns transport failures into
`panelist.errors.ProviderError`s whose message names the server, never the password.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from xml.sax.saxutils import escape

from panelist.errors import (
    AuthenticationFailed,
    EventNotFound,
    ForeignOrigin,
    NotSupported,
    ProviderConflict,
    ProviderError,
    ProviderUnavailable,
)
from panelist.providers.urls import join_on_origin
from panelist_caldav.config import CalDAVSettings

PROVIDER = "caldav"
MULTIGET_BATCH = 500
"""hrefs per calendar-multiget REPORT: large enough to need few round trips."""
MAX_SYNC_PAGES = 50
MAX_RETRIES = 2
MAX_RETRY_WAIT = 10.0
VALID_SYNC_TOKEN = "{DAV:}valid-sync-token"
_CALDAV_NS = "urn:ietf:params:xml:ns:caldav"
_XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>'
_NAMESPACES = f'xmlns:D="DAV:" xmlns:C="{_CALDAV_NS}"'
_ICS = {"Content-Type": "text/calendar; charset=utf-8"}


@dataclass(frozen=True)
class Resource:
    """One calendar object resource (an .ics file) on the server."""

    href: str
    etag: str | None
    data: str | None = None
    status: int = 200
    """404: the resource is gone; data is None with any other status: it could not be read."""


@dataclass(frozen=True)
class Delta:
    """A sync-collection answer: what changed since the token (everything without one)."""

    token: str
    changed: dict[str, str | None]
    """href -> etag of new and modified resources."""
    deleted: list[str] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)
    """href -> calendar data, where the server sent it along (asked for with a token)."""


@dataclass(frozen=True)
class CalendarInfo:
    """What a PROPFIND tells about a calendar collection."""

    url: str
    is_calendar: bool
    name: str
    privileges: frozenset[str]

    @property
    def can_read(self) -> bool:
        return bool({"read", "all"} & self.privileges)

    @property
    def can_write(self) -> bool:
        return bool({"write", "write-content", "bind", "all"} & self.privileges)

    @property
    def free_busy_only(self) -> bool:
        return not self.can_read and "read-free-busy" in self.privileges


class TokenRefused(Exception):
    """The server no longer knows the sync token (RFC 6578 DAV:valid-sync-token)."""


class AccessDenied(AuthenticationFailed):
    """HTTP 403: the credentials are fine, but not for this (e.g. only free/busy is shared)."""


class _TokenRefusedError(ProviderError):
    """Internal: a 403 that only says the sync token is unknown."""


class CalendarMissing(ProviderError):
    """The calendar collection itself is not on the server."""


class DavSession:
    """One DAVClient (one connection pool) per provider instance."""

    def __init__(self, settings: CalDAVSettings, password: str | None) -> None:
        from caldav.davclient import DAVClient
        from caldav.lib import error as caldav_error

        # A debugging switch of caldav's that writes headers, credentials included, to
        # /tmp: Panelist promises that the password never lands in a file or a log.
        caldav_error.debug_dump_communication = False
        self.settings = settings
        self._error = caldav_error
        self._lock = threading.Lock()
        self._requests = 0
        self._http_seconds = 0.0
        # Basic and digest need a username; without one, ask anonymously rather than crash.
        use_auth = settings.auth_type == "bearer" or (
            settings.auth_type != "none" and settings.username is not None
        )
        self.client = DAVClient(
            url=settings.url,
            username=settings.username if use_auth else None,
            password=(password or "") if use_auth else None,
            auth_type=settings.auth_type if use_auth else None,
            timeout=settings.timeout,  # type: ignore[arg-type]  # niquests takes floats too
            ssl_verify_cert=settings.verify_tls,
            enable_rfc6764=False,
            rate_limit_handle=False,
        )
        self.client.session.hooks["response"].append(self._count)
        self.password_missing = use_auth and not password

    @property
    def requests(self) -> int:
        """HTTP requests answered so far (including retries)."""
        return self._requests

    @property
    def http_seconds(self) -> float:
        """Time spent waiting for those answers: the server's share of the work."""
        return self._http_seconds

    def _count(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        elapsed = getattr(response, "elapsed", None)
        with self._lock:
            self._requests += 1
            self._http_seconds += elapsed.total_seconds() if elapsed is not None else 0.0
        return response

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ sending

    def _send(
        self, method: str, url: str, body: str = "", headers: Mapping[str, str] | None = None
    ) -> Any:
        """One request; rate limits are retried, everything else is the caller's to judge."""
        import niquests

        # The last line of defence: whatever built `url`, credentials stay on the server.
        url = join_on_origin(self.settings.url, url, what="request URL")
        for attempt in range(MAX_RETRIES + 1):
            try:
                return self.client.request(url, method, body, dict(headers or {}))
            except self._error.RateLimitError as exc:
                wait = exc.retry_after_seconds if exc.retry_after_seconds is not None else 1.0
                if attempt == MAX_RETRIES or wait > MAX_RETRY_WAIT:
                    raise ProviderUnavailable(
                        f"{self._where(url)} is busy (HTTP {exc.status}); try again later",
                        provider=PROVIDER,
                        retry_after=wait,
                    ) from None
                time.sleep(max(wait, 0.0))
            except self._error.AuthorizationError as exc:
                raise self._refused(exc, url) from None
            except niquests.exceptions.SSLError as exc:
                raise ProviderUnavailable(
                    f"{self._where(url)}: TLS failed ({_first_line(exc)})", provider=PROVIDER
                ) from None
            except niquests.exceptions.Timeout:
                raise ProviderUnavailable(
                    f"{self._where(url)} did not answer within {self.settings.timeout:g} s",
                    provider=PROVIDER,
                ) from None
            except niquests.exceptions.ConnectionError as exc:
                raise ProviderUnavailable(
                    f"cannot connect to {self._where(url)}: {_connection_reason(exc)}",
                    provider=PROVIDER,
                ) from None
            except niquests.exceptions.RequestException as exc:
                raise ProviderUnavailable(
                    f"{self._where(url)}: {_first_line(exc)}", provider=PROVIDER
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _refused(self, exc: Any, url: str) -> ProviderError:
        if VALID_SYNC_TOKEN in exc.preconditions:
            return _TokenRefusedError(str(exc))
        user = self.settings.username or "(no username)"
        if exc.status == 401:
            hint = (
                "; no password is set (PANELIST_CALDAV_PASSWORD, or keyring entry"
                " 'caldav:password' of service 'panelist')"
                if self.password_missing
                else ""
            )
            return AuthenticationFailed(
                f"{self._where(url)} refused the credentials of user {user!r} (HTTP 401){hint}",
                provider=PROVIDER,
            )
        return AccessDenied(
            f"user {user!r} may not access {_path(url)} on {self._where(url)} (HTTP 403)",
            provider=PROVIDER,
        )

    def _where(self, url: str) -> str:
        parts = urlsplit(url)
        return f"CalDAV server {parts.scheme}://{parts.netloc}"

    def _fail(self, response: Any, url: str, what: str) -> ProviderError:
        """The error for an unexpected status, by kind: gone, conflict, server trouble."""
        status = int(response.status)
        reason = f"HTTP {status} {getattr(response, 'reason', '') or ''}".strip()
        message = f"{what} {_path(url)}: {self._where(url)} answered {reason}"
        if status == 404:
            return EventNotFound(message, provider=PROVIDER)
        if status in (409, 412):
            return ProviderConflict(message, provider=PROVIDER)
        if status in (405, 501):
            return NotSupported(message, provider=PROVIDER)
        if status >= 500 or status == 429:
            return ProviderUnavailable(message, provider=PROVIDER)
        return ProviderError(message, provider=PROVIDER)

    def absolute(self, base: str, href: str) -> str:
        """Where to send a request about `href`; refused when the server points elsewhere."""
        try:
            return join_on_origin(base, href, what="the server's href")
        except ForeignOrigin as exc:
            raise ForeignOrigin(f"CalDAV: {exc}") from None

    # ------------------------------------------------------------------ reading

    def sync_collection(self, calendar_url: str, token: str, *, with_data: bool = False) -> Delta:
        """RFC 6578 sync-collection; follows truncated answers. Raises `TokenRefused`.

        `with_data` asks for the changed resources' calendar data in the same answer
        (RFC 6578 allows any property), saving the multiget round trip; servers that
        leave it out are read with a multiget instead.
        """
        changed: dict[str, str | None] = {}
        deleted: dict[str, None] = {}
        data: dict[str, str] = {}
        wanted = "<D:getetag/><C:calendar-data/>" if with_data else "<D:getetag/>"
        for _ in range(MAX_SYNC_PAGES):
            body = (
                f"{_XML_HEAD}<D:sync-collection {_NAMESPACES}>"
                f"<D:sync-token>{escape(token)}</D:sync-token><D:sync-level>1</D:sync-level>"
                f"<D:prop>{wanted}</D:prop></D:sync-collection>"
            )
            try:
                response = self._send("REPORT", calendar_url, body, {"Depth": "1"})
            except _TokenRefusedError:
                raise TokenRefused(token) from None
            self._check_collection(response, calendar_url)
            if response.status >= 400:
                if VALID_SYNC_TOKEN in self._error.parse_preconditions(_body(response)):
                    raise TokenRefused(token)
                raise self._fail(response, calendar_url, "sync of calendar")
            page = _multistatus(response.tree)
            for item in page.resources:
                if item.status in (404, 410):
                    changed.pop(item.href, None)
                    data.pop(item.href, None)
                    deleted[item.href] = None
                    continue
                changed[item.href] = item.etag
                deleted.pop(item.href, None)
                data.pop(item.href, None)
                if item.data:
                    data[item.href] = item.data
            new_token = page.token or token
            if not page.truncated or new_token == token:
                return Delta(new_token, changed, list(deleted), data)
            token = new_token
        return Delta(token, changed, list(deleted), data)

    def query_all(self, calendar_url: str) -> list[Resource]:
        """Every object holding an event, with its data: one calendar-query REPORT.

        One request, read with a plain walk of the XML answer rather than caldav's
        general parser: thousands of resources are read in milliseconds.
        """
        body = (
            f"{_XML_HEAD}<C:calendar-query {_NAMESPACES}>"
            "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
            '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>'
            "</C:comp-filter></C:filter></C:calendar-query>"
        )
        response = self._send("REPORT", calendar_url, body, {"Depth": "1"})
        self._check_collection(response, calendar_url)
        if response.status >= 400:
            raise self._fail(response, calendar_url, "read of calendar")
        own = _path_key(calendar_url)
        return [r for r in _multistatus(response.tree).resources if _path_key(r.href) != own]

    def multiget(self, calendar_url: str, hrefs: Iterable[str]) -> Iterator[Resource]:
        """The data of these resources, in batches; one gone meanwhile has status 404."""
        batch: list[str] = []
        for href in hrefs:
            batch.append(href)
            if len(batch) == MULTIGET_BATCH:
                yield from self._multiget_batch(calendar_url, batch)
                batch = []
        if batch:
            yield from self._multiget_batch(calendar_url, batch)

    def _multiget_batch(self, calendar_url: str, hrefs: list[str]) -> list[Resource]:
        wanted = "".join(
            f"<D:href>{escape(_path(urljoin(calendar_url, h)))}</D:href>" for h in hrefs
        )
        body = (
            f"{_XML_HEAD}<C:calendar-multiget {_NAMESPACES}>"
            f"<D:prop><D:getetag/><C:calendar-data/></D:prop>{wanted}</C:calendar-multiget>"
        )
        # RFC 4791 section 7.9: no Depth header on a multiget.
        response = self._send("REPORT", calendar_url, body)
        self._check_collection(response, calendar_url)
        if response.status >= 400:
            raise self._fail(response, calendar_url, "read of calendar")
        found = {_path_key(r.href): r for r in response.parse_calendar_query()}
        resources = []
        for href in hrefs:
            result = found.get(_path_key(urljoin(calendar_url, href)))
            if result is None:  # not answered at all: unknown, so not taken as deleted
                resources.append(Resource(href, None, None, status=0))
            else:
                resources.append(Resource(href, result.etag, result.calendar_data, result.status))
        return resources

    def query(
        self,
        calendar_url: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        uid: str | None = None,
    ) -> list[Resource]:
        """calendar-query REPORT: events touching [start, end), or holding `uid`."""
        event_filter = ""
        if start is not None and end is not None:
            event_filter = f'<C:time-range start="{_utc(start)}" end="{_utc(end)}"/>'
        if uid is not None:
            # text-match is a substring match: the caller keeps the exact uid only.
            event_filter += (
                '<C:prop-filter name="UID"><C:text-match collation="i;octet">'
                f"{escape(uid)}</C:text-match></C:prop-filter>"
            )
        body = (
            f"{_XML_HEAD}<C:calendar-query {_NAMESPACES}>"
            "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
            '<C:filter><C:comp-filter name="VCALENDAR">'
            f'<C:comp-filter name="VEVENT">{event_filter}</C:comp-filter>'
            "</C:comp-filter></C:filter></C:calendar-query>"
        )
        response = self._send("REPORT", calendar_url, body, {"Depth": "1"})
        self._check_collection(response, calendar_url)
        if response.status >= 400:
            raise self._fail(response, calendar_url, "search of calendar")
        return [
            Resource(r.href, r.etag, r.calendar_data)
            for r in response.parse_calendar_query()
            if r.status != 404 and r.calendar_data
        ]

    def get(self, url: str) -> Resource | None:
        response = self._send("GET", url, "", {"Accept": "text/calendar"})
        if response.status == 404 or response.status == 410:
            return None
        if response.status >= 400:
            raise self._fail(response, url, "read of")
        return Resource(_path(url), response.headers.get("ETag"), response.raw)

    def freebusy(self, calendar_url: str, start: datetime, end: datetime) -> str:
        """RFC 4791 free-busy-query REPORT: a VFREEBUSY, also where details are hidden."""
        body = (
            f"{_XML_HEAD}<C:free-busy-query {_NAMESPACES}>"
            f'<C:time-range start="{_utc(start)}" end="{_utc(end)}"/></C:free-busy-query>'
        )
        response = self._send("REPORT", calendar_url, body, {"Depth": "1"})
        self._check_collection(response, calendar_url)
        if response.status >= 400:
            raise self._fail(response, calendar_url, "free/busy of calendar")
        text: str = response.raw
        return text

    def calendar_info(self, calendar_url: str) -> CalendarInfo:
        """PROPFIND depth 0: is it a calendar, its name, what this user may do."""
        body = (
            f"{_XML_HEAD}<D:propfind {_NAMESPACES}><D:prop><D:resourcetype/><D:displayname/>"
            "<D:current-user-privilege-set/></D:prop></D:propfind>"
        )
        response = self._send("PROPFIND", calendar_url, body, {"Depth": "0"})
        self._check_collection(response, calendar_url)
        if response.status >= 400:
            raise self._fail(response, calendar_url, "properties of")
        tree = response.tree
        resourcetype = tree.find(".//{DAV:}resourcetype") if tree is not None else None
        is_calendar = resourcetype is not None and (
            resourcetype.find(f"{{{_CALDAV_NS}}}calendar") is not None
        )
        name = tree.findtext(".//{DAV:}displayname", default="") if tree is not None else ""
        privileges = frozenset(
            _local_name(element.tag)
            for element in (tree.iterfind(".//{DAV:}privilege/*") if tree is not None else ())
        )
        return CalendarInfo(calendar_url, is_calendar, name or "", privileges)

    def dav_classes(self, url: str) -> set[str]:
        """The compliance classes of the DAV header of OPTIONS ("1", "calendar-access" …)."""
        response = self._send("OPTIONS", url)
        if response.status >= 400:
            raise self._fail(response, url, "OPTIONS of")
        header = response.headers.get("DAV", "") or ""
        return {part.strip() for part in header.split(",") if part.strip()}

    def _check_collection(self, response: Any, calendar_url: str) -> None:
        if response.status == 404:
            raise CalendarMissing(
                f"no calendar at {_path(calendar_url)} on {self._where(calendar_url)} (HTTP 404)",
                provider=PROVIDER,
            )

    # ------------------------------------------------------------------ writing

    def put(
        self, url: str, ics: bytes, *, etag: str | None = None, create: bool = False
    ) -> tuple[int, str | None]:
        """PUT an .ics: only if absent (`create`), or only if unchanged (`etag`).

        Returns (status, new etag or None); 409 and 412 are returned, not raised,
        so the caller can reconcile.
        """
        headers = dict(_ICS)
        if create:
            headers["If-None-Match"] = "*"
        elif etag:
            headers["If-Match"] = etag
        response = self._send("PUT", url, ics.decode("utf-8"), headers)
        status = int(response.status)
        if status in (409, 412) or status < 300:
            return status, response.headers.get("ETag")
        raise self._fail(response, url, "write of")

    def delete(self, url: str) -> bool:
        """Delete one resource; False when it was not there."""
        response = self._send("DELETE", url)
        if response.status in (404, 410):
            return False
        if response.status >= 400:
            raise self._fail(response, url, "deletion of")
        return True


@dataclass(frozen=True)
class _Page:
    token: str | None
    resources: list[Resource]
    truncated: bool


def _multistatus(tree: Any) -> _Page:
    """A 207 multistatus answer: each response's href, status, etag and calendar data.

    A response with its own status (RFC 6578: 404 for a deleted member, 507 for the
    "truncated" marker) has no properties; otherwise the properties are read from the
    propstats answered 200.
    """
    if tree is None:
        return _Page(None, [], False)
    root = tree[0] if tree.tag == "xml" and len(tree) else tree
    token = root.findtext("{DAV:}sync-token")
    resources, truncated = [], False
    for response in root.iterfind("{DAV:}response"):
        href = (response.findtext("{DAV:}href") or "").strip()
        status = _status_code(response.findtext("{DAV:}status"))
        if status == 507 and token is not None:
            truncated = True
            continue
        etag = data = None
        for propstat in response.iterfind("{DAV:}propstat"):
            if _status_code(propstat.findtext("{DAV:}status")) != 200:
                continue
            etag = propstat.findtext("{DAV:}prop/{DAV:}getetag") or etag
            data = propstat.findtext(f"{{DAV:}}prop/{{{_CALDAV_NS}}}calendar-data") or data
        resources.append(Resource(href, etag, data, status))
    return _Page(token or None, resources, truncated)


def _status_code(text: str | None) -> int:
    """200 for "HTTP/1.1 200 OK" and for no status at all."""
    parts = (text or "").split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 200


def _body(response: Any) -> bytes | str | None:
    body = getattr(response, "_raw_body", None) or getattr(response, "_raw", None)
    return body if isinstance(body, (bytes, str)) else None


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def _path_key(href: str) -> str:
    """hrefs compare by unquoted path: servers differ in what they percent-encode."""
    return unquote(_path(href)).rstrip("/")


def _local_name(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _utc(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _connection_reason(exc: BaseException) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text:
        return "unknown host name"
    return _first_line(exc)
