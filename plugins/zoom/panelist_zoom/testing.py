"""A loopback fake of Zoom for the ``zoom`` plugin's tests: the REAL zoomus talks to it.

``with FakeZoom() as zoom:`` serves on a free port of 127.0.0.1:

- the Server-to-Server OAuth token endpoint (``zoom.oauth_uri``): ``POST`` with Basic
  ``client_id:client_secret`` and the form ``grant_type=account_credentials&account_id=…``
  → ``{access_token, token_type: "bearer", expires_in: 3600, scope}``; a wrong client or
  secret is 400 ``{"reason": "Invalid client_id or client_secret", "error":
  "invalid_client"}``, a wrong account 400 ``invalid_request``.
- API v2 at ``zoom.api_base`` (``…/v2``), each call with a bearer token it issued (else 401
  ``{"code": 124, "message": "Invalid access token."}``; ``expire_tokens()``):
  ``GET /users/{email|id}`` (404 code 1001 for an unknown user);
  ``GET /users/{user}/meetings`` (``type`` scheduled|upcoming|live|…, ``page_size`` up to
  300, ``next_page_token``; items without ``settings``/``password``, ``agenda`` only when
  set); ``POST /users/{user}/meetings`` → **201** with the meeting (int64 ``id``, ``uuid``,
  ``host_email``, ``status: "waiting"``, ``start_time`` in UTC with Z, ``join_url`` with
  ``pwd``, ``start_url``, ``password``, ``settings``); a body is checked (unknown fields,
  topic ≤ 200, agenda ≤ 2000, a real time zone, ``start_time`` in Zoom's two forms) and
  refused with 400 code 300 ``errors[]``; ``GET``/``PATCH`` (204)/``DELETE`` (204)
  ``/meetings/{id}``, 404 code 3001 for an unknown one; a type 8 meeting lists
  ``occurrences``.
- Faults: ``fail_next(status, code=, message=, retry_after=, path=, method=)`` (a 429
  with or without Retry-After, a 500 …); ``drop_next_create()``: the meeting is stored,
  then the connection is closed with no answer (a crash between Zoom making the meeting
  and the client hearing of it); ``drop_next_create(then_down=True)``: and every call
  answers 503 after it until ``come_back()``; ``hold_next_create()``: the meeting is stored
  and its answer waits for ``release()`` (the event returned is set once it exists: a test
  kills the client process then).
- Inspect ``meetings`` (by id), ``meetings_of(host)``, ``seen`` (method, path, query,
  body, status of each API call), ``token_requests``; ``add_meeting`` makes one "outside
  Panelist".

Stricter than Zoom in one way: an unknown body field is refused (Zoom ignores most), to
catch a misspelt one; zoomus's own echoes (``user_id`` on create, ``id`` on update) are let
through, as Zoom lets them.
"""

from __future__ import annotations

from panelist_zoom.fake.server import (
    ACCOUNT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    FakeZoom,
    Seen,
    ZoomUser,
)

__all__ = ["ACCOUNT_ID", "CLIENT_ID", "CLIENT_SECRET", "FakeZoom", "Seen", "ZoomUser"]
