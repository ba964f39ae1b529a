"""A company at the fake GoTo: an OAuth client, connected hosts, and a provider on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from panelist.clock import FrozenClock
from panelist.providers import ProviderContext
from panelist_gotomeeting.config import refresh_token_name
from panelist_gotomeeting.provider import GoToMeetingProvider
from panelist_gotomeeting.testing import FakeGoTo

NOW = datetime(2026, 3, 23, tzinfo=UTC)
ANA = "ana.jansen@example.com"  # an active GoToMeeting organiser
BOB = "bob.devries@example.com"  # another one
CARL = "carl.smit@example.com"  # GoTo Webinar only: no G2M product
DORA = "dora.bakker@example.com"  # suspended


@dataclass
class Company:
    goto: FakeGoTo
    client_id: str
    client_secret: str
    keyring: dict[str, str] = field(default_factory=dict)
    """What the provider reads as secrets (and keeps, rotated), by name."""

    def connect(self, email: str) -> None:
        self.keyring[refresh_token_name(email)] = self.goto.refresh_token_for(self.client_id, email)

    def provider(self, **settings: str) -> GoToMeetingProvider:
        context = ProviderContext(
            database=None,
            clock=FrozenClock(NOW),
            settings=self.goto.settings(self.client_id) | settings,
            secret_lookup=lambda provider, name: self.keyring.get(name),
        )
        return GoToMeetingProvider(context, keep=self.keyring.__setitem__)


def company(goto: FakeGoTo) -> Company:
    client_id, secret = goto.add_client()
    goto.add_organizer(ANA, "Ana Jansen")
    goto.add_organizer(BOB, "Bob de Vries")
    goto.add_organizer(CARL, "Carl Smit", products=("G2W",))
    goto.add_organizer(DORA, "Dora Bakker", status="suspended")
    made = Company(goto, client_id, secret, {"client_secret": secret})
    for person in (ANA, BOB, CARL, DORA):
        made.connect(person)
    return made
