"""A loopback fake of the Google APIs the ``google`` plugin uses, for tests and benchmarks.

``with FakeGoogle() as google:`` serves, on a free port of 127.0.0.1:

- the OAuth token endpoint (``google.token_uri``): the JWT-bearer grant of a
  service account with domain-wide delegation, the refresh-token grant and the
  authorization-code grant, answering ``invalid_grant`` / ``unauthorized_client``
  / ``invalid_client`` as Google does;
- Calendar v3 (``google.calendar_endpoint``) and its batch endpoint
  (``google.batch_uri``), Admin SDK Directory v1 and Meet v2
  (``google.admin_endpoint``, ``google.meet_endpoint``).

Requests are routed, and their query parameters and JSON bodies checked, against
the discovery documents shipped in google-api-python-client, so an unknown
field or a bad enum value gets Google's 400; each call needs a bearer token
the fake issued, whose scopes must include one the discovery document lists
for the method (else 403 ``insufficientPermissions``). Wire behaviour follows
PROVIDERS.md §1 and §6.

The state lives in memory, one fake per test. Tests arrange it (`add_user`,
`add_room`, `add_calendar`, `service_account_key_file`), act as "another
client" (`respond`, `put_event`, `delete_event`, `override_instance`), inject
faults (`fail_next`, `latency`) and inspect what was sent: ``calls`` (one
entry per API call, batch parts included) and ``round_trips`` (one per HTTP
request).

This module is the public face; the code is in `panelist_google.fake`: `wire` (errors,
routing and checks against the discovery documents), `state`, `events` (times,
recurrence, who sees what), `calendar_api`, `workspace_api` (Directory, Meet) and
`server` (the `FakeGoogle` itself: HTTP, tokens, batches, other clients).
"""

from __future__ import annotations

from panelist_google.fake.server import FakeGoogle
from panelist_google.fake.state import Calendar, Grant, Room, RoundTrip, SeenCall, User
from panelist_google.fake.wire import (
    CALENDAR_SCOPE,
    DEFAULT_DELEGATED_SCOPES,
    DIRECTORY_RESOURCES_SCOPE,
    DIRECTORY_USERS_SCOPE,
    GOOGLE_TOKEN_URI,
    MEET_SCOPE,
    SCOPE_PREFIX,
    GoogleError,
    discovery_document,
    rfc3339,
    schema_errors,
)

__all__ = [
    "CALENDAR_SCOPE",
    "DEFAULT_DELEGATED_SCOPES",
    "DIRECTORY_RESOURCES_SCOPE",
    "DIRECTORY_USERS_SCOPE",
    "GOOGLE_TOKEN_URI",
    "MEET_SCOPE",
    "SCOPE_PREFIX",
    "Calendar",
    "FakeGoogle",
    "GoogleError",
    "Grant",
    "Room",
    "RoundTrip",
    "SeenCall",
    "User",
    "discovery_document",
    "rfc3339",
    "schema_errors",
]
