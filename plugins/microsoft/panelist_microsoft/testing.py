"""A loopback fake of Microsoft Graph and Entra ID for the ``microsoft`` plugin's tests and bench.

Filled in below; see `panelist_microsoft.fake`.
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
