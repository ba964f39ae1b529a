"""The built-in CalDAV calendar provider: Radicale, Nextcloud, Fastmail, iCloud …

Configuration (per company, in core's ``provider_settings`` under provider "caldav"):

- ``url`` (required): the server's base URL; ``username``; ``auth_type``
  (basic | digest | bearer | none, default basic); ``timeout`` (seconds, default
  20); ``verify_tls`` (default true).
- The password is a secret, never a setting: ``PANELIST_CALDAV_PASSWORD`` in the
  environment, else the OS keyring, service "panelist", entry "caldav:password".
- ``employees.calendar_id`` and ``rooms.calendar_id`` (with ``calendar_provider``
  "caldav") are calendar collection paths relative to ``url``, e.g.
  ``ana/interviews/``, or absolute URLs on the same scheme, host and port. A room
  is a calendar like any other; its bookings are events in it.

``panelist doctor`` checks all of this against the server, through the provider's
`check`. Modules: `config` (settings, calendar ids), `dav` (the requests, over
caldav's DAVClient), `objects` (.ics <-> events, one resource at a time), `provider`
(the `CalendarProvider`, whose `sync` feeds core's calendar cache), `checks` (its
lines in doctor), and `testing` (a loopback Radicale for tests and the benchmark).

Importing this package or its ``plugin`` module does not import caldav.
"""
