"""The Northwind company of the CalDAV flow, on Microsoft 365: Rosa, Sam and Ana keep their
calendars in Exchange Online (the loopback fake Graph), room Amstel is an Exchange room
mailbox, Teams makes the video link; Piet stays on the local calendar. The microsoft plugin
signs in with an app registration's client secret, as a company sets it up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caldav_flow_helpers import PEOPLE, NoServer, _fill, email, employee_id
from smtp_helpers import Received

from panelist.plugins import PluginRegistry
from panelist.scheduling import RetryPolicy
from panelist.storage.database import open_database
from panelist_microsoft.testing import FakeGraph

CLIENT_ID = "0c5d7a8e-4b1f-4f2a-9d3e-7a6b5c4d3e2f"
SECRET = "northwind-app-secret"
ROOM = "amstel@northwind.example"
ON_EXCHANGE = ("rosa", "sam", "ana")
RETRIES = RetryPolicy(
    budget_seconds=8.0, call_timeout_seconds=8.0, first_backoff_seconds=0.05,
    max_backoff_seconds=0.2,
)  # fmt: skip
"""Roomier than the CalDAV flow's: the first Graph write of a process builds msgraph's
request machinery, which on a busy 2-core machine took longer than 1.5 s."""


@dataclass
class MicrosoftCompany:
    db_path: Path
    graph: FakeGraph
    mail: Received

    def events(self, key: str) -> list[dict[str, Any]]:
        """The live (not cancelled) events of a person's mailbox, or the room's."""
        found = self.graph.events(ROOM if key == "room" else email(key))
        return [e for e in found if not e.get("isCancelled")]


def build_microsoft_company(
    graph: FakeGraph, folder: Path, registry: PluginRegistry, mail: Received
) -> MicrosoftCompany:
    graph.add_app(graph.tenant_id, CLIENT_ID, SECRET)
    for key in ON_EXCHANGE:
        graph.add_user(email(key), PEOPLE[key][0], time_zone="W. Europe Standard Time")
    graph.add_room(ROOM, "Amstel", capacity=6, building="Keizersgracht", floor=1)
    company = MicrosoftCompany(folder / "northwind.db", graph, mail)
    db = open_database(company.db_path, registry.migrations)
    try:
        with db.atomic():
            _fill(db, NoServer())  # the CalDAV flow's company, then moved to Exchange
            for key in ON_EXCHANGE:
                db.execute(
                    "UPDATE employees SET calendar_provider = 'microsoft', calendar_id = ?"
                    " WHERE id = ?",
                    [email(key), employee_id(key)],
                )
            db.execute("UPDATE rooms SET calendar_provider = 'microsoft', calendar_id = ?", [ROOM])
            db.execute("DELETE FROM provider_settings")
            for name, value in {
                "tenant_id": graph.tenant_id,
                "client_id": CLIENT_ID,
                "api_base": graph.graph_url.removesuffix("/v1.0"),
                "authority": graph.authority,
                "ca_file": str(graph.ca_file),
                "rooms": ROOM,
                "booking_mailbox": email("rosa"),
                "timeout": "5",
            }.items():
                db.table("provider_settings").insert(
                    {"provider": "microsoft", "key": name, "value": value}
                )
            db.table("video_accounts").insert(
                {"employee_id": employee_id("sam"), "provider": "teams",
                 "account": email("sam"), "verified_at": "2026-10-01T00:00:00+00:00"}
            )  # fmt: skip
    finally:
        db.close()
    return company
