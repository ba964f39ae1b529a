"""Changing company settings: an Admin's job (the Configure right).

`panelist.services.directory.set_setting` writes without asking who; it is internal
(the demo builder, migrations of a fresh company). Front ends change settings here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from panelist import audit
from panelist.permissions import Right, require
from panelist.services import directory
from panelist.workspace import Workspace


def set_setting(ws: Workspace, key: str, value: Any) -> None:
    """Store the company setting `key` (one of `directory.SETTING_DEFAULTS`)."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    with ws.db.atomic():  # the change and its audit line, or neither
        directory.set_setting(ws.db, key, value)
        audit.record_by(
            ws, audit.Action.SETTING, f"setting {key}", audit.setting_detail(key, value)
        )


def set_provider_settings(ws: Workspace, provider_id: str, values: Mapping[str, str]) -> None:
    """Store a provider's settings (never its secrets: those go to the keyring) with one
    audit line naming them, or neither. Plugins' ``panelist connect …`` commands use it."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    with ws.db.atomic():
        for key, value in values.items():
            ws.db.execute(
                "INSERT INTO provider_settings (provider, key, value) VALUES (?, ?, ?)"
                " ON CONFLICT (provider, key) DO UPDATE SET value = excluded.value",
                [provider_id, key, str(value)],
            )
        detail = ", ".join(
            f"{key} {audit.setting_detail(key, value)}" for key, value in sorted(values.items())
        )
        audit.record_by(ws, audit.Action.SETTING, f"provider {provider_id}", detail)
