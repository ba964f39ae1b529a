"""The built-in Microsoft 365 plugin: Exchange Online calendars (with rooms) through
Microsoft Graph, and Teams meetings made with an event.

Modules: `config` (settings, secret names, calendar ids), `auth` (azure-identity
client credentials), `graph` (one GraphServiceClient per provider, errors, JSON batching),
`convert` (Graph events <-> events, Windows zones, recurrence), `provider` (the
`CalendarProvider`), `plugin` (the entry point), and `testing` (a loopback fake of Graph).

Importing this package or its ``plugin`` module imports none of Microsoft's libraries.
"""
