"""A loopback fake of Microsoft Graph v1.0 and Entra ID for the ``microsoft`` plugin's tests
and benchmarks: the REAL msgraph-sdk and azure-identity talk to it.

``with FakeGraph() as graph:`` serves, on free ports of 127.0.0.1:

- Entra ID at ``graph.authority`` — **https**, with a self-signed certificate for
  127.0.0.1 in ``graph.ca_file``: azure-identity and MSAL refuse an http authority
  (``normalize_authority`` and MSAL's ``canonicalize`` both insist on https). Give any
  credential ``**graph.credential_kwargs()``: ``authority=graph.authority``,
  ``disable_instance_discovery=True`` (else MSAL asks
  ``https://login.microsoftonline.com/common/discovery/instance`` about the unknown host,
  on the internet) and ``connection_verify=str(graph.ca_file)`` (azure-core's transport
  then trusts the fake's certificate). ``graph.credential(client_id, secret, aio=...)``
  makes a ``ClientSecretCredential`` so. A sync credential made without
  ``connection_verify`` trusts the fake under ``graph.ca_environment()``
  (``REQUESTS_CA_BUNDLE``, for ``monkeypatch.setenv``); an aio one needs
  ``connection_verify``: aiohttp reads ``SSL_CERT_FILE`` only once, when imported.
  The sync credential (MSAL) first asks
  ``GET {authority}/{tenant}/v2.0/.well-known/openid-configuration``, then posts to the
  ``token_endpoint`` it names; the aio one (azure-identity's own AadClient) posts straight
  to ``{authority}/{tenant}/oauth2/v2.0/token``. Grants: client_credentials with
  ``client_secret`` or ``client_assertion`` (a certificate: RS256/PS256 JWT checked
  against the PEM given to ``add_app(certificate=...)``); scope must be
  ``https://graph.microsoft.com/.default``. Errors as Entra sends them: AADSTS7000215
  wrong secret, AADSTS7000222 expired secret (``expire_secret``), AADSTS700016 unknown
  app, AADSTS90002 unknown tenant (the sync credential reports the last only as "Unable
  to get authority configuration"), AADSTS1002012 bad scope.
- Graph at ``graph.graph_url`` (``http://127.0.0.1:PORT/v1.0``; kiota lets a bearer token
  go over plain http only to localhost): set it as ``GraphRequestAdapter.base_url`` before
  making the ``GraphServiceClient`` (``graph.graph_client(credential)`` does).

Every Graph call needs a token the fake issued and still valid (401
``InvalidAuthenticationToken`` else; ``expire_access_tokens``). Tokens are JWT-shaped,
with the app's ``roles`` readable in the claims, unsigned for real. An app without admin
consent (``add_app(admin_consent=False)``) gets tokens without roles: mailbox calls answer
401 ``NoPermissionsInAccessToken``, directory calls 403 ``Authorization_RequestDenied``; a
missing permission is 403 ``ErrorAccessDenied`` (mailboxes, places) or
``Authorization_RequestDenied`` (users). ``restrict_to(client_id, mailboxes)`` is an
Exchange application access policy: other mailboxes answer 403 ``ErrorAccessDenied``
"Access to OData is disabled: [RAOP] ...". Permissions: Calendars.Read(Write) for
events, calendarView, delta, getSchedule; Place.Read.All for places; User.Read.All (or
User.ReadBasic.All, Directory.Read.All) for users.

Served (see PROVIDERS.md §2, §6):

- ``GET /users/{id|upn}`` (``assignedPlans`` only when ``$select``-ed, as Graph; TEAMS1
  ``57ff2da0-…`` when licensed for Teams) and ``/users/{id}/licenseDetails``.
- ``GET /places/microsoft.graph.room`` and ``/places/graph.room`` (the SDK's path),
  ``/places/microsoft.graph.roomlist``, ``/places/{list}/microsoft.graph.roomlist/rooms``;
  pages of 100, ``$top``/``$skip``, absolute ``@odata.nextLink``.
- ``POST /users/{id}/events`` and ``/calendar/events`` (201): the body is parsed into
  msgraph's own ``Event`` model and written back by kiota, so an unknown property or a
  value the model refuses is Graph's 400; ``transactionId`` de-duplicates per mailbox;
  ``isOnlineMeeting`` + ``teamsForBusiness`` gives ``onlineMeeting.joinUrl`` only for an
  organiser licensed for Teams (else the event is made without one). ``GET``/``PATCH``
  (200)/``DELETE`` (204, then 404 ``ErrorItemNotFound``) ``/users/{id}/events/{id}``;
  ``$filter=iCalUId eq '…'`` (the only filter) and ``$select`` on ``/events``;
  ``/events/{id}/instances`` of a series; ``GET /users/{id}/calendar`` (the default
  calendar, ``allowedOnlineMeetingProviders``) and ``/mailboxSettings`` (its
  ``timeZone``; needs MailboxSettings.Read, which ``DEFAULT_PERMISSIONS`` lacks).
- The scheduling server: an organiser's event with attendees is copied into each
  attendee mailbox the fake knows (own ``id``, same ``iCalUId``, ``notResponded``);
  a room accepts when free and declines when busy (a declined room keeps no copy);
  the organiser sees ``attendees[].status``. A copy shows ``tentative`` until answered
  (as Outlook puts a meeting request in), then the organiser's ``showAs`` (accepted) or
  ``free`` (declined). PATCH updates the copies (a new time
  asks everyone again); DELETE cancels them (``isCancelled: true``, subject "Canceled:
  …") until their owner removes them (``remove_event``); a room frees the time at once.
  ``respond(mailbox, ical_uid, "accepted"|"tentativelyAccepted"|"declined")``.
- Times are kept as given and answered in UTC (``…T09:00:00.0000000``) or in the zone
  of ``Prefer: outlook.timezone="…"``; Windows zone names are accepted (a table of the
  common ones in `fake.wire`).
- ``GET /users/{id}/calendarView`` (both window parameters or 400): series expanded
  (daily, weekly, absoluteMonthly, absoluteYearly) into ``occurrence``/``exception``
  items with ``seriesMasterId``; ``override_occurrence`` changes or cancels one. Pages
  of 10 or ``Prefer: odata.maxpagesize``, absolute ``@odata.nextLink``.
- ``GET /users/{id}/calendarView/delta()`` (the SDK's form) and ``…/delta``: pages with
  ``$skiptoken`` nextLinks, the last with a ``$deltatoken`` deltaLink, both absolute;
  a replayed deltaLink gives only what changed since, with
  ``{"id", "@removed": {"reason": "deleted"}}`` for deleted or cancelled events (one per
  occurrence for a series). ``expire_delta_tokens()``: 410 Gone (``resyncRequired``,
  Location with an empty token); ``expire_delta_tokens("syncStateNotFound")`` or
  ``("resyncRequired")``: a 400 with that code.
- ``POST /users/{id}/calendar/getSchedule``: keys in any casing (the SDK sends
  ``Schedules``, ``StartTime``…), a window under 42 days, ``availabilityViewInterval``,
  lowercase ``scheduleItems[].status``, a per-schedule ``error`` for an unknown address.
- ``POST /$batch``: at most 20 requests, each dispatched through the same handlers with
  its own status, headers and body (JSON objects, as Graph; a request body needs its
  ``Content-Type`` header, else the batch is 400), ``dependsOn`` (a failed
  dependency: 424), answered in reverse order unless ``batch_in_order=True``.
- Faults: ``fail_next(n, status=429|503|…, code=, paths=, retry_after=0)`` with Graph's
  error body ``{"error": {"code", "message", "innerError": {date, request-id,
  client-request-id}}}``; a fault without `paths` hits the next API call (a batch part
  included, the ``$batch`` itself only if `paths` names it). ``latency`` seconds per
  request. ``round_trips`` logs each request (unquoted path, status, ``in_batch``);
  ``requests`` the JSON bodies received.

Against the SDK, found on this fake (kiota-http 1.16, msgraph-core 1.5.2):

- kiota's RetryHandler reads ``Retry-After: 0`` as no header (``if retry_after:``) and
  waits its back-off: the option's ``delay`` (3 s by default) plus
  ``backoff_factor * 2**(n-1)`` plus up to 1 s of jitter; tests that retry pass
  ``RetryHandlerOption(delay=0)`` (or accept ~1 s per retry with ``retry_after=1``).
- msgraph-core's ``$batch`` imports ``deprecated`` without declaring it; its
  ``BatchRequestContent.add_request(id, item)`` ignores `id` (give ``BatchRequestItem(
  id=…)``); its response parsing reads part bodies as base64 bytes, so Graph's JSON
  bodies come back None: send the batch's request information through
  ``request_adapter.send_primitive_async(info, "bytes", {})`` and read the JSON.
  It writes ``depends_on`` (not Graph's ``dependsOn``), which the fake ignores.

Simplified: one tenant's directory (mailboxes are not per tenant); no delegated (user)
tokens and no findMeetingTimes; only the ``iCalUId eq`` filter; an attendee's copy of a
series shares the organiser's exceptions; an occurrence moved (PATCH,
``override_occurrence``) to an earlier day shows in a calendarView only if the window also
reaches a day past its original date; attendees' answers come only through ``respond`` (no
accept/decline actions); a room checks whether it is free at a series' first occurrence
only; getSchedule's working hours are fixed (Mon–Fri 08:00–17:00); the Teams block is not
added to the body; rooms never answer ``tentativelyAccepted``; ``@removed`` items are sent
for any change that leaves the window, known to the client or not.

The code is in `panelist_microsoft.fake`: `wire` (errors, times, zones), `state`,
`login` (Entra ID: TLS, discovery, tokens), `events` (SDK-model checks, rendering,
recurrence), `scheduling` (copies, rooms, answers), `graph_api` (routes and handlers)
and `server` (the `FakeGraph`: HTTP, authorisation, faults, batches, the test API).
"""

from __future__ import annotations

from panelist_microsoft.fake.server import DEFAULT_PERMISSIONS, FakeGraph
from panelist_microsoft.fake.state import App, Mailbox, RoundTrip
from panelist_microsoft.fake.wire import GRAPH_SCOPE, TEAMS_SERVICE_PLAN_ID, GraphError

__all__ = [
    "DEFAULT_PERMISSIONS",
    "GRAPH_SCOPE",
    "TEAMS_SERVICE_PLAN_ID",
    "App",
    "FakeGraph",
    "GraphError",
    "Mailbox",
    "RoundTrip",
]
