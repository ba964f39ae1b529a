"""A loopback fake of GoTo's sign-in and the GoToMeeting REST API (G2M v1) for the
``gotomeeting`` plugin's tests: the plugin's real httpx client talks to it.

``with FakeGoTo(now=...) as goto:`` serves, on a free port of 127.0.0.1:

- ``POST /oauth/token`` (``goto.auth_base``): Basic ``client_id:secret`` (else 401
  ``invalid_client``); ``authorization_code`` (a code from ``authorization_code``, used
  once, for its redirect URI) and ``refresh_token`` grants, else 400 ``invalid_grant``.
  The answer: ``access_token``, ``token_type``, ``refresh_token``, ``expires_in`` 3600,
  ``scope``, ``principal`` (the email), and for a G2M organiser ``organizer_key``,
  ``account_key``, ``email``, ``firstName``, ``lastName`` as GoTo's older answers carry
  (``organizer_key_in_token = False`` leaves them out). ``rotate_refresh_tokens``
  (default True): a refresh answers a new refresh token and spends the old one.
- the API at ``goto.api_base`` (``…/G2M/rest``), bearer tokens only (401
  ``{"int_err_code": "InvalidToken", "msg": "Invalid token passed"}`` else;
  ``expire_access_tokens``): ``POST /meetings`` with the seven lowercase keys GoTo
  requires (400 ``{"error": {"resource", "message"}}`` for a missing one, a subject over
  100 characters or with ``<``/``>``, a time that is not ISO 8601 UTC, a non-empty
  ``timezonekey``) → **201 with an array** ``[{joinURL, meetingid, maxParticipants,
  uniqueMeetingId, conferenceCallInfo}]``; ``GET /meetings/{id}`` → 200 array in
  camelCase with G2M's time format (``2026-03-24T08:00:00.+0000``); ``PUT`` and
  ``DELETE`` → 204; an unknown (or another organiser's) meeting → 404;
  ``GET /upcomingMeetings`` (the token's organiser's meetings not yet ended at
  ``goto.now``); ``GET /organizers/{organizerKey}`` (one's own, or any for an admin) and
  ``GET /organizers?email=`` (admins only, else 403); other calls by a suspended
  organiser or one without the G2M product: 403 ``AccessDenied``.
- faults: ``fail_next(n, status=429, retry_after=None, paths=())`` (no Retry-After
  unless given, as GoTo often sends none); ``drop_after_create(n, then_fail=0)``: the create
  is stored and the connection closed with no answer (a crash between GoTo making the
  meeting and Panelist hearing of it), then ``then_fail`` calls answer 503 (down for the
  rest of the run); ``clear_faults()`` brings it back. ``round_trips`` and ``requests``
  record what came.

Not modelled (no documentation to follow): GoTo's real rate limits, recurring meetings'
occurrences, co-organisers, the authorise page itself (``authorization_code`` stands for
the person signing in), error bodies beyond the two shapes above.
"""

from __future__ import annotations

from panelist_gotomeeting.fake.server import JOIN_BASE, FakeGoTo, Organizer, RoundTrip

__all__ = ["JOIN_BASE", "FakeGoTo", "Organizer", "RoundTrip"]
