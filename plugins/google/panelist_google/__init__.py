"""The built-in Google Workspace plugin: Google Calendar (with Workspace rooms) and Meet.

Configuration (per company, in core's ``provider_settings`` under provider "google"),
written by ``panelist connect google``: see `panelist_google.config`. Modules: `config`
(settings, scopes, secret names), `auth` (service account with domain-wide delegation, or
each person's OAuth grant), `convert` (Google event resources <-> events, event ids),
`google_api` (the client library, per-thread HTTP, errors), `batching` (calls made at
once sent as one batch), `provider` (the `CalendarProvider`), `meet` (the Meet
`ConferenceProvider`), `conference` (a Meet made by an event, read again while pending),
`checks` (``panelist doctor``), `connect` (the CLI), and `testing` (a loopback fake of
the Google APIs it uses, for tests and benchmarks).

Importing this package or its ``plugin`` module imports none of Google's libraries.
"""
