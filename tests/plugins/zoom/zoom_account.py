"""The Zoom account the tests use: who hosts, who may not."""

from __future__ import annotations

ANA = "ana.jansen@contoso.example"  # an active, verified, licensed user: a host
BOB = "bob.devries@contoso.example"  # another host
CARL = "carl.smit@contoso.example"  # invited, never verified his address
DORA = "dora.bakker@contoso.example"  # deactivated
