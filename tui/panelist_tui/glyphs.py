"""Icons with plain-ASCII fallbacks, for terminals (and fonts) that lack them.

ASCII is chosen with ``PanelistApp(workspace, ascii=True)`` or ``PANELIST_ASCII=1``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from panelist.models import Method
from panelist.providers.events import ResponseStatus

ASCII_ENV = "PANELIST_ASCII"


@dataclass(frozen=True)
class Glyphs:
    app_icon: str
    video: str
    phone: str
    in_person: str
    warning: str
    """Beside a participant whose calendar is not integrated."""
    dash: str
    """Between the start and end of a time span."""
    separator: str
    ellipsis: str
    accepted: str
    declined: str
    tentative: str
    awaiting: str

    def method(self, method: Method) -> str:
        return {
            Method.VIDEO: self.video,
            Method.PHONE: self.phone,
            Method.IN_PERSON: self.in_person,
        }[method]

    def response(self, response: ResponseStatus) -> str:
        return {
            ResponseStatus.ACCEPTED: self.accepted,
            ResponseStatus.DECLINED: self.declined,
            ResponseStatus.TENTATIVE: self.tentative,
            ResponseStatus.NEEDS_ACTION: self.awaiting,
        }[response]


UNICODE = Glyphs(
    app_icon="⭘",
    video="🎥",
    phone="☎",
    in_person="🏢",
    warning="⚠",
    dash="–",
    separator="·",
    ellipsis="…",
    accepted="✓",
    declined="✗",
    tentative="?",
    awaiting="…",
)

ASCII = Glyphs(
    app_icon="*",
    video="[V]",
    phone="[P]",
    in_person="[R]",
    warning="!",
    dash="-",
    separator="|",
    ellipsis="...",
    accepted="+",
    declined="x",
    tentative="?",
    awaiting=".",
)


def ascii_from_env() -> bool:
    return os.environ.get(ASCII_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def glyphs_for(ascii_only: bool) -> Glyphs:
    return ASCII if ascii_only else UNICODE
