"""The candidate's scheduling page: a small Starlette app over core's `CandidateLinks`.

    /s/{token}                  the times on offer by day, in the candidate's zone; once
                                booked: the interview, its .ics, change or cancel
    /s/{token}/confirm          "you picked …": the one POST form that books (or moves)
    /s/{token}/book             POST: book the slot, then back to /s/{token}
    /s/{token}/reschedule       POST: move the booking to another offered slot
    /s/{token}/cancel           GET: are you sure; POST: cancel
    /s/{token}/interview.ics    the booked interview for the candidate's calendar

Every rule (who is free, what may be booked, until when a booking can change) is core's;
this module turns requests into calls and answers into pages. Every page works without
JavaScript: the one script only picks the browser's zone on the first visit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from panelist.errors import PanelistError, ValidationError
from panelist_web import candidate
from panelist_web.candidate import CandidateSide, Unavailable
from panelist_web.security import MAX_BODY, CsrfSigner, Guard, Limits, SecurityHeaders
from panelist_web.zones import known_zone, zone_groups, zone_label

HERE = Path(__file__).parent
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
"""What a link token can look like (secrets.token_urlsafe); anything else is not looked up."""
SLOT_ID = re.compile(r"[A-Za-z0-9_.:=-]{1,200}")

log = logging.getLogger("panelist.web")

Handler = Callable[[Request], Awaitable[Response]]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["day"] = lambda value: f"{value:%A} {value.day} {value:%B %Y}"
    env.filters["short_day"] = lambda value: f"{value:%A} {value.day} {value:%B}"
    env.filters["hm"] = lambda value: f"{value:%H:%M}"
    return env


class Pages:
    """Renders the templates; every page gets the zone list and the CSRF signer."""

    def __init__(self, env: Environment, csrf: CsrfSigner) -> None:
        self.env = env
        self.csrf = csrf

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)

    def unavailable(self, reason: str) -> HTMLResponse:
        what = candidate.REASONS.get(reason, candidate.REASONS["unknown"])
        return self.render("unavailable.html", what.status, what=what)

    def problem(self, status: int, title: str, text: str, back: str | None = None) -> HTMLResponse:
        return self.render("problem.html", status, title=title, text=text, back=back)


def create_app(
    links: CandidateSide,
    *,
    csrf: CsrfSigner | None = None,
    limits: Limits | None = None,
    now: Callable[[], datetime] | None = None,
) -> ASGIApp:
    """The ASGI app, wrapped in `SecurityHeaders` outermost so that even the page of an
    unexpected error carries them. `links` is core's `CandidateLinks` (tests pass one on a
    frozen clock); `now` picks the zone's abbreviation shown (default: the first slot's)."""
    pages = Pages(_environment(), csrf or CsrfSigner())
    guard = Guard(limits or Limits())
    views = _Views(links, pages, guard, now)

    async def not_found(request: Request, exc: Exception) -> Response:
        return pages.problem(404, "Page not found", "There is no page at this address.")

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405:
            return pages.problem(405, "Not allowed", "This page cannot be used that way.")
        return pages.problem(status, "Something went wrong", "Please try again.")

    async def crash(request: Request, exc: Exception) -> Response:
        if isinstance(exc, PanelistError):  # the database busy, a provider down: said in a line
            log.warning("candidate page failed: %s", exc)
            return pages.problem(
                503,
                "Please try again in a few minutes",
                "We could not show this page just now. Nothing was changed.",
            )
        log.error("candidate page failed: %s", type(exc).__name__, exc_info=exc)
        return pages.problem(
            500,
            "Something went wrong",
            "We could not show this page. Please try again in a few minutes.",
        )

    routes = [
        Route("/s/{token}", views.link_page, methods=["GET"]),
        Route("/s/{token}/confirm", views.confirm, methods=["GET"]),
        Route("/s/{token}/book", views.book, methods=["POST"]),
        Route("/s/{token}/reschedule", views.reschedule, methods=["POST"]),
        Route("/s/{token}/cancel", views.cancel, methods=["GET", "POST"]),
        Route("/s/{token}/interview.ics", views.ics, methods=["GET"]),
        Route("/healthz", views.health, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: not_found, HTTPException: http_error, Exception: crash},
    )
    return SecurityHeaders(app)


class _Views:
    def __init__(
        self,
        links: CandidateSide,
        pages: Pages,
        guard: Guard,
        now: Callable[[], datetime] | None,
    ) -> None:
        self.links = links
        self.pages = pages
        self.guard = guard
        self.now = now

    # ------------------------------------------------------------------ helpers

    def _admitted(self, request: Request, *, post: bool = False) -> str | Response:
        """The request's token, well formed and within the rate limits; else the page to
        answer with (429, or "unknown link")."""
        token = self._token(request)
        if (limited := self._limited(request, token, post=post)) is not None:
            return limited
        return token if token is not None else self.pages.unavailable("unknown")

    def _limited(
        self, request: Request, token: str | None, *, post: bool = False
    ) -> Response | None:
        address = request.client.host if request.client else "unknown"
        wait = self.guard.wait(address, token, post=post)
        if not wait:
            return None
        seconds = max(1, int(wait + 0.999))
        page = self.pages.problem(
            429,
            "Too many requests",
            f"Please wait {seconds} seconds, then reload the page.",
        )
        page.headers["retry-after"] = str(seconds)
        return page

    @staticmethod
    def _token(request: Request) -> str | None:
        token = str(request.path_params["token"])
        return token if TOKEN.fullmatch(token) else None

    async def _form(self, request: Request) -> Mapping[str, str] | Response:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return self.pages.problem(415, "Not a form", "This page only takes its own form.")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return self.pages.problem(413, "Too much data", "This form sends a few words only.")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return self.pages.problem(413, "Too much data", "This form sends a few words only.")
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            return self.pages.problem(400, "Not a form", "This page only takes its own form.")
        return dict(pairs)

    def _cross_site(self, request: Request) -> bool:
        """A browser says where a POST comes from (Fetch Metadata); another site's is refused
        even before its CSRF token is checked."""
        return request.headers.get("sec-fetch-site", "same-origin") == "cross-site"

    def _zone(self, raw: str | None) -> tuple[str | None, bool]:
        """(zone to ask core for, whether the candidate asked for one that does not exist)."""
        if raw is None or raw == "":
            return None, False
        zone = known_zone(raw)
        return zone, zone is None

    def _link_context(self, token: str, page: candidate.PageView, **extra: Any) -> dict[str, Any]:
        label_at = self.now() if self.now else page.label_instant
        return {
            "token": token,
            "page": page,
            "zone_label": zone_label(page.zone, label_at),
            "zone_groups": zone_groups(),
            "csrf": self.pages.csrf.issue(token),
            "base": f"/s/{token}",
            **extra,
        }

    async def _open(self, token: str, zone: str | None) -> candidate.PageView:
        return candidate.view(await self.links.open(token, zone))

    # ------------------------------------------------------------------ routes

    async def health(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def link_page(self, request: Request) -> Response:
        token = self._admitted(request)
        if isinstance(token, Response):
            return token
        zone, bad_zone = self._zone(request.query_params.get("zone"))
        done = request.query_params.get("done", "")
        try:
            page = await self._open(token, zone)
        except Unavailable as gone:
            if done == "cancelled" and gone.reason == "used":
                return self.pages.render("cancelled.html")
            return self.pages.unavailable(gone.reason)
        except ValidationError:
            page, bad_zone = await self._open(token, None), True
        change = request.query_params.get("change") == "1" and page.can_change
        context = self._link_context(
            token,
            page,
            zone_chosen=zone is not None,
            bad_zone=request.query_params.get("zone") if bad_zone else None,
            done=done if done in candidate.DONE else "",
            change=change,
        )
        if page.booked is not None and not change:
            return self.pages.render("booked.html", 400 if bad_zone else 200, **context)
        return self.pages.render("link.html", 400 if bad_zone else 200, **context)

    async def confirm(self, request: Request) -> Response:
        token = self._admitted(request)
        if isinstance(token, Response):
            return token
        zone, bad_zone = self._zone(request.query_params.get("zone"))
        slot_id = request.query_params.get("slot", "")
        change = request.query_params.get("change") == "1"
        try:
            page = await self._open(token, zone)
        except Unavailable as gone:
            return self.pages.unavailable(gone.reason)
        if bad_zone:
            return self._redirect(token, {})
        change = change and page.booked is not None
        if page.booked is not None and not change:
            return self._redirect(token, {"zone": page.zone})
        slot = page.slot(slot_id) if SLOT_ID.fullmatch(slot_id) else None
        if slot is None:
            notice = "That time is not on offer any more. Please pick another one."
            if not slot_id:
                notice = "Please pick a time first."
            context = self._link_context(
                token, page, zone_chosen=True, bad_zone=None, done="", change=change,
                notice=notice,
            )  # fmt: skip
            return self.pages.render("link.html", 409 if slot_id else 400, **context)
        context = self._link_context(token, page, slot=slot, change=change)
        return self.pages.render("confirm.html", **context)

    async def book(self, request: Request) -> Response:
        return await self._choose(request, reschedule=False)

    async def reschedule(self, request: Request) -> Response:
        return await self._choose(request, reschedule=True)

    async def _choose(self, request: Request, *, reschedule: bool) -> Response:
        token = self._admitted(request, post=True)
        if isinstance(token, Response):
            return token
        refused = self._refuse_post(request, token, form := await self._form(request))
        if refused is not None:
            return refused
        assert isinstance(form, Mapping)
        zone = known_zone(form.get("zone")) or None
        slot_id = form.get("slot", "")
        if not SLOT_ID.fullmatch(slot_id):
            return self.pages.problem(
                400, "No time picked", "Please pick a time first.", back=f"/s/{token}"
            )
        try:
            if reschedule:
                await self.links.reschedule(token, slot_id, zone or "UTC")
            else:
                await self.links.book(token, slot_id, zone or "UTC")
        except Unavailable as gone:
            if gone.reason == "used" and not reschedule:  # another tab booked it: show that
                return await self._taken(token, zone, reschedule)
            return self.pages.unavailable(await self._why_not(token, gone.reason))
        except candidate.Taken:
            return await self._taken(token, zone, reschedule)
        except ValidationError as wrong:
            # A rule core checks at booking (never the candidate's fault, and its words may
            # name rooms or people): logged for the company, fresh options for the candidate.
            log.warning("a link's booking was refused: %s", wrong)
            return await self._taken(
                token, zone, reschedule, "We could not book that time. Please pick another one."
            )
        except PanelistError as failed:
            log.warning("booking through a link failed: %s", failed)
            return self.pages.problem(
                503,
                "We could not book this time",
                "Something on our side did not answer. Nothing was booked; please try again "
                "in a few minutes.",
                back=f"/s/{token}",
            )
        done = "moved" if reschedule else "booked"
        return self._redirect(token, {"zone": zone or "", "done": done})

    async def _why_not(self, token: str, reason: str) -> str:
        """A change refused as "used": "closed" when the booking stands but is too close to
        change here, else the reason as core gave it (cancelled, used up)."""
        if reason != "used":
            return reason
        try:
            page = await self._open(token, None)
        except Unavailable:
            return reason
        return "closed" if page.booked is not None and not page.can_change else reason

    async def _taken(
        self,
        token: str,
        zone: str | None,
        reschedule: bool,
        notice: str = "Someone has just taken that time. Here are the times that are still free.",
    ) -> Response:
        try:
            page = await self._open(token, zone)
        except Unavailable as gone:
            return self.pages.unavailable(gone.reason)
        if page.booked is not None and not reschedule:
            # The other tab won: this link's booking is made, the candidate sees it.
            return self.pages.render(
                "booked.html", 409, **self._link_context(token, page, done="already",
                                                         change=False, zone_chosen=True,
                                                         bad_zone=None)
            )  # fmt: skip
        context = self._link_context(
            token, page, zone_chosen=True, bad_zone=None, done="", change=reschedule,
            notice=notice,
        )  # fmt: skip
        return self.pages.render("link.html", 409, **context)

    async def cancel(self, request: Request) -> Response:
        post = request.method == "POST"
        token = self._admitted(request, post=post)
        if isinstance(token, Response):
            return token
        zone = known_zone(request.query_params.get("zone"))
        if post:
            form = await self._form(request)
            refused = self._refuse_post(request, token, form)
            if refused is not None:
                return refused
            assert isinstance(form, Mapping)
            zone = known_zone(form.get("zone"))
            try:
                await self.links.cancel(token)
            except Unavailable as gone:
                return self.pages.unavailable(await self._why_not(token, gone.reason))
            except PanelistError as failed:
                log.warning("cancelling through a link failed: %s", failed)
                return self.pages.problem(
                    503,
                    "We could not cancel",
                    "Something on our side did not answer. Your interview is still booked; "
                    "please try again in a few minutes.",
                    back=f"/s/{token}",
                )
            return self._redirect(token, {"zone": zone or "", "done": "cancelled"})
        try:
            page = await self._open(token, zone)
        except Unavailable as gone:
            return self.pages.unavailable(gone.reason)
        if page.booked is None or not page.can_change:
            return self._redirect(token, {"zone": page.zone})
        return self.pages.render("cancel.html", **self._link_context(token, page))

    async def ics(self, request: Request) -> Response:
        token = self._admitted(request)
        if isinstance(token, Response):
            return token
        try:
            data = self.links.ics(token)
        except Unavailable as gone:
            return self.pages.unavailable(gone.reason)
        return Response(
            data,
            media_type="text/calendar; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="interview.ics"'},
        )

    def _refuse_post(
        self, request: Request, token: str, form: Mapping[str, str] | Response
    ) -> Response | None:
        if isinstance(form, Response):
            return form
        if self._cross_site(request) or not self.pages.csrf.valid(token, form.get("csrf")):
            return self.pages.problem(
                403,
                "This form has expired",
                "For your safety this form only works for a while after the page was shown. "
                "Please go back, reload the page and try again.",
                back=f"/s/{token}",
            )
        return None

    @staticmethod
    def _redirect(token: str, query: Mapping[str, str]) -> Response:
        kept = {key: value for key, value in query.items() if value}
        suffix = f"?{urlencode(kept)}" if kept else ""
        return RedirectResponse(f"/s/{token}{suffix}", status_code=303)
