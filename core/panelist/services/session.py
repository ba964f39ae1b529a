"""What a front end shows around the records: who is using Panelist, for which
company, and the names people know the installed providers by. Read-only."""

from __future__ import annotations

from dataclasses import dataclass

from panelist.permissions import Right, company_rights
from panelist.services.directory import get_setting
from panelist.workspace import Workspace


@dataclass(frozen=True)
class Profile:
    """The current user as a title bar shows them."""

    name: str
    email: str
    role_name: str | None
    """The name of the user's company-wide recruiting role; ``None`` when they hold none."""
    timezone: str
    company_name: str
    may_configure: bool = False
    """An Admin's right (Configure): a front end offers the Admin views (the audit log);
    core refuses them to others anyway."""


def current_profile(ws: Workspace) -> Profile:
    row = ws.db.execute(
        "SELECT r.name FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
        " WHERE e.id = ?",
        [ws.user.id],
    ).fetchone()
    return Profile(
        name=ws.user.name,
        email=ws.user.email,
        role_name=str(row[0]) if row else None,
        timezone=ws.user.timezone,
        company_name=str(get_setting(ws.db, "company_name")),
        may_configure=Right.CONFIGURE in company_rights(ws.db, ws.user.id),
    )


def video_provider_name(ws: Workspace, provider_id: str) -> str:
    """ "Google Meet" for "google"; the bare id when that provider is not installed here."""
    provider = ws.registry.conference_providers.get(provider_id)
    return provider.display_name if provider is not None else provider_id
