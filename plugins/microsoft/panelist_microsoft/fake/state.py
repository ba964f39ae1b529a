"""The fake tenant's state: apps and their grants, mailboxes (people and rooms), the request log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSON = dict[str, Any]


@dataclass
class App:
    """An app registration with application permissions (``roles``) and its credentials."""

    tenant: str
    client_id: str
    secret: str | None
    permissions: tuple[str, ...]
    admin_consent: bool = True
    secret_expired: bool = False
    #: a certificate's public key (client_assertion), PEM bytes
    certificate: bytes | None = None
    #: an Exchange application access policy: only these mailboxes (lowercased), or all
    mailboxes: frozenset[str] | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        return self.permissions if self.admin_consent else ()


@dataclass
class Grant:
    """What an access token the fake issued stands for."""

    app: App
    roles: tuple[str, ...]
    expires: datetime


@dataclass
class Mailbox:
    """A person's or a room's mailbox, with its calendar."""

    id: str
    email: str
    name: str
    time_zone: str = "UTC"
    teams: bool = True
    is_room: bool = False
    capacity: int | None = None
    building: str | None = None
    floor: int | None = None
    room_list: str | None = None
    auto_accept: bool = True
    #: an Exchange Online mailbox (a user without one answers MailboxNotEnabledForRESTAPI)
    has_mailbox: bool = True
    #: Graph id -> stored event (the master of a series, never its occurrences)
    events: dict[str, JSON] = field(default_factory=dict)
    #: Graph id -> clock stamp of its last change (deleted ones too, for delta)
    changed: dict[str, int] = field(default_factory=dict)
    #: Graph id -> clock stamp of a deletion, and the event as it last was
    removed: dict[str, tuple[int, JSON]] = field(default_factory=dict)
    #: transactionId -> Graph id of the event it made
    transactions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoundTrip:
    """One request the fake answered (a part of a ``$batch`` is one too, ``in_batch``)."""

    method: str
    path: str
    status: int
    in_batch: bool = False


@dataclass
class Fault:
    status: int
    code: str
    message: str
    retry_after: int | None
    remaining: int
    paths: tuple[str, ...] | None

    def matches(self, path: str) -> bool:
        return self.paths is None or any(part in path for part in self.paths)


@dataclass
class DeltaState:
    """What a delta or skip token stands for."""

    mailbox: str
    start: datetime
    end: datetime
    since: int
    #: the rest of a round's pages (skip tokens only) and the round's stamp
    pending: list[JSON] | None = None
    upto: int = 0
