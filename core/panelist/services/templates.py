"""Saving message templates: an Admin's job (the Configure right).

`panelist.mail.templates.save_template` validates and writes without asking who; it is
internal. Front ends save templates here.
"""

from __future__ import annotations

from panelist import audit
from panelist.mail import templates
from panelist.permissions import Right, require
from panelist.workspace import Workspace


def save_template(ws: Workspace, name: str, purpose: str, subject: str, body: str) -> int:
    """Validate, then insert or update the template called `name`; returns its id."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    with ws.db.atomic():  # the template and its audit line, or neither
        template_id = templates.save_template(ws.db, name, purpose, subject, body)
        subject_line = f"template {audit.one_line(name)!r}"
        audit.record_by(ws, audit.Action.TEMPLATE, subject_line, f"{purpose}, id {template_id}")
    return template_id
