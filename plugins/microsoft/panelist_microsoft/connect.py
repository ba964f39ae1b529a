"""``panelist connect microsoft``: an app registration with application permissions.

An Admin runs it once for the company: tenant id, client id, and a client secret (asked
without echo, or taken from ``PANELIST_MICROSOFT_CLIENT_SECRET``) or a certificate. The
connection is tried before anything is kept: a token is asked for and the directory and
the first mailbox given with ``--check`` are read, so a wrong secret, a missing consent or
a mailbox outside the access policy is one line and nothing is half set up. Then the
secret goes to the OS keyring and the other settings to the database, with an audit line.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from panelist.cli import as_option, connect_group, db_option, given_secret, user_workspace
from panelist.errors import ConfigurationError
from panelist.permissions import Right, require
from panelist.providers import ProviderContext
from panelist.secrets import keep_secret
from panelist.services.settings import set_provider_settings
from panelist_microsoft.config import PERMISSIONS, PROVIDER, SECRET_CLIENT, MicrosoftSettings

ACCESS_POLICY = """\
Limit the app to the mailboxes Panelist needs (Exchange Online PowerShell):
  New-DistributionGroup -Name "Panelist calendars" -Alias panelist-calendars -Type Security
  Add-DistributionGroupMember -Identity panelist-calendars -Member ana@contoso.com
    (each interviewer and each room)
  New-ApplicationAccessPolicy -AppId {client_id} -AccessRight RestrictAccess
    -PolicyScopeGroupId panelist-calendars@contoso.com -Description "Panelist calendars"
  Test-ApplicationAccessPolicy -Identity ana@contoso.com -AppId {client_id}"""


def add_connect_command(cli: click.Group) -> None:
    connect_group(cli).add_command(microsoft)


@click.command()
@click.option("--tenant", "tenant_id", required=True, help="Tenant id (a GUID or contoso.com).")
@click.option("--client-id", required=True, help="The app registration's application id.")
@click.option(
    "--certificate",
    "certificate_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A PEM with the app's private key and certificate, instead of a client secret.",
)
@click.option(
    "--secret-stdin", is_flag=True, help="Read the client secret from standard input (scripts)."
)
@click.option("--booking-mailbox", metavar="EMAIL", help="The mailbox rooms are booked from.")
@click.option(
    "--check",
    "check_mailbox",
    metavar="EMAIL",
    help="A mailbox to read as a test (an interviewer's): proves the access policy lets it.",
)
@db_option
@as_option
@click.pass_context
def microsoft(
    ctx: click.Context,
    tenant_id: str,
    client_id: str,
    certificate_path: Path | None,
    secret_stdin: bool,
    booking_mailbox: str | None,
    check_mailbox: str | None,
    db_path: Path | None,
    as_email: str | None,
) -> None:
    """Microsoft 365: an app registration with application permissions (Admins only)."""
    ws = user_workspace(ctx, db_path, as_email)
    try:
        require(ws.db, ws.user.id, Right.CONFIGURE)
        values = {"tenant_id": tenant_id.strip(), "client_id": client_id.strip()}
        if certificate_path is not None:
            values |= {"auth": "certificate", "certificate_path": str(certificate_path.absolute())}
        else:
            values["auth"] = "secret"
        if booking_mailbox:
            values["booking_mailbox"] = booking_mailbox.strip()
        stored = dict(ws.provider_context(PROVIDER).settings)
        settings = stored | values
        MicrosoftSettings.from_mapping(settings)  # a bad id or URL: one line, nothing written
        typed = (
            None
            if certificate_path is not None
            else given_secret(
                PROVIDER, SECRET_CLIENT, "Client secret (its Value)", from_stdin=secret_stdin
            )
        )
        mailbox = (check_mailbox or ws.user.email).strip()
        asyncio.run(_try(ws.provider_context(PROVIDER), settings, typed, mailbox))
        # Only now, the connection proved, is anything kept.
        if typed is not None:
            keep_secret(PROVIDER, SECRET_CLIENT, typed)
        set_provider_settings(ws, PROVIDER, values)
    finally:
        ws.close()
    click.echo(f"Microsoft: connected to tenant {tenant_id}; {mailbox}'s calendar was read.")
    click.echo("The app needs these application permissions, with admin consent:")
    click.echo("  " + ", ".join(PERMISSIONS))
    click.echo(ACCESS_POLICY.format(client_id=client_id))
    click.echo("Then run 'panelist doctor' to check every mapped calendar.")


async def _try(
    base: ProviderContext, settings: dict[str, str], secret: str | None, mailbox: str
) -> None:
    """A token, the directory and `mailbox`'s calendar, with these settings and secret."""
    from panelist_microsoft.provider import MicrosoftCalendarProvider

    context = base.trying(settings, {SECRET_CLIENT: secret})
    provider = MicrosoftCalendarProvider(context)
    try:
        checks = await provider.check([mailbox])
    finally:
        await provider.aclose()
    failed = [check for check in checks if check.status != "ok"]  # the mailbox asked for too
    if failed:
        detail = failed[0].detail.removeprefix("Microsoft: ")
        raise ConfigurationError(f"Microsoft: nothing was saved: {detail}")
