"""``panelist connect zoom``: the account's Server-to-Server OAuth app (Admins only).

An Admin makes a Server-to-Server OAuth app in the Zoom App Marketplace (Develop → Build
App → Server to Server OAuth App) with the scopes in `SCOPES`, and runs this once with its
account id and client id; the client secret is asked without echo (or read from standard
input with ``--secret-stdin``, or taken from ``PANELIST_ZOOM_CLIENT_SECRET``). The
connection is tried before anything is kept: a token is asked for and one user is read
(``--check EMAIL``, by default the Admin running this), so a wrong secret or a missing scope
is one line and nothing is half set up. Then the secret goes to the OS keyring and the
other settings to the database, with an audit line.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import click

from panelist.cli import as_option, connect_group, db_option, given_secret, user_workspace
from panelist.errors import ConfigurationError, PanelistError
from panelist.permissions import Right, require
from panelist.providers import ProviderContext
from panelist.secrets import keep_secret
from panelist.services.settings import set_provider_settings
from panelist_zoom.config import PROVIDER, SCOPES, SECRET_CLIENT, ZoomSettings


def add_connect_command(cli: click.Group) -> None:
    connect_group(cli).add_command(zoom)


@click.command()
@click.option("--account-id", required=True, help="The Server-to-Server OAuth app's account id.")
@click.option("--client-id", required=True, help="The Server-to-Server OAuth app's client id.")
@click.option(
    "--secret-stdin", is_flag=True, help="Read the client secret from standard input (scripts)."
)
@click.option(
    "--check",
    "check_email",
    metavar="EMAIL",
    help="A Zoom user to read as a test (default: you); say whether they can host.",
)
@db_option
@as_option
@click.pass_context
def zoom(
    ctx: click.Context,
    account_id: str,
    client_id: str,
    secret_stdin: bool,
    check_email: str | None,
    db_path: Path | None,
    as_email: str | None,
) -> None:
    """Zoom: a Server-to-Server OAuth app of the company's account (Admins only)."""
    ws = user_workspace(ctx, db_path, as_email)
    try:
        require(ws.db, ws.user.id, Right.CONFIGURE)
        stored = dict(ws.provider_context(PROVIDER).settings)
        values = {"account_id": account_id.strip(), "client_id": client_id.strip()}
        if not stored.get("reference_scope"):
            values["reference_scope"] = secrets.token_hex(4)
        settings = stored | values
        ZoomSettings.from_mapping(settings)  # a bad URL: one line, nothing written
        typed = given_secret(PROVIDER, SECRET_CLIENT, "Client secret", from_stdin=secret_stdin)
        email = (check_email or ws.user.email).strip()
        verified = asyncio.run(_try(ws.provider_context(PROVIDER), settings, typed, email))
        # Only now, the connection proved, is anything kept.
        if typed is not None:
            keep_secret(PROVIDER, SECRET_CLIENT, typed)
        set_provider_settings(ws, PROVIDER, values)
    finally:
        ws.close()
    click.echo(f"Zoom: connected to account {account_id.strip()}.")
    if verified:
        click.echo(f"{email} can host Zoom meetings (an active, verified user).")
    else:
        click.echo(f"{email} is not an active, verified user of this Zoom account: not a host.")
    click.echo("The app needs these scopes: " + ", ".join(SCOPES))
    click.echo("Then run 'panelist doctor' to check the connection.")


async def _try(
    base: ProviderContext, settings: dict[str, str], secret: str | None, email: str
) -> bool:
    """A token with these settings and secret, and whether `email` may host."""
    from panelist_zoom.provider import ZoomProvider

    provider = ZoomProvider(base.trying(settings, {SECRET_CLIENT: secret}))
    try:
        return await provider.is_verified_host(email)
    except PanelistError as exc:
        raise ConfigurationError(
            f"Zoom: nothing was saved: {str(exc).removeprefix('Zoom: ')}"
        ) from None
    finally:
        await provider.aclose()
