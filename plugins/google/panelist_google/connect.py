"""``panelist connect google``: the two ways Panelist gets at Google calendars.

- ``service-account KEYFILE --admin EMAIL``: company-wide, a service account with
  domain-wide delegation (an Admin runs it once). Only the key file's path is stored; the
  key stays in the file (or in the secret ``service_account_key``).
- ``oauth``: per person, for companies without delegation. Prints Google's consent URL;
  the person opens it in any browser, and pastes back the address the browser ends on
  (nothing needs to listen there, so it works over SSH) or just its code. The refresh
  token goes to the OS keyring; the client secret too (``--client-secrets`` once, by an
  Admin). Nothing secret is written to the database, printed or logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from panelist.cli import as_option, connect_group, db_option, user_workspace
from panelist.errors import ConfigurationError
from panelist.permissions import Right, require
from panelist.services.settings import set_provider_settings
from panelist.workspace import Workspace
from panelist_google.config import PROVIDER, SECRET_CLIENT, GoogleSettings, safe_url


def add_connect_command(cli: click.Group) -> None:
    """``connect google …``, under the ``connect`` group plugins share."""
    connect_group(cli).add_command(google)


@click.group()
def google() -> None:
    """Google Workspace: a service account (company-wide) or each person's own account."""


@google.command(name="service-account")
@click.argument("key_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--admin",
    "admin_email",
    required=True,
    metavar="EMAIL",
    help="A Workspace admin the directory (rooms, users) is read as.",
)
@click.option(
    "--customer", default="my_customer", show_default=True, help="The Workspace customer id."
)
@db_option
@as_option
@click.pass_context
def service_account(
    ctx: click.Context,
    key_file: Path,
    admin_email: str,
    customer: str,
    db_path: Path | None,
    as_email: str | None,
) -> None:
    """Company-wide: a service account with domain-wide delegation (Admins only)."""
    from panelist_google.auth import read_key_file
    from panelist_google.config import SERVICE_ACCOUNT_SCOPES

    if "@" not in admin_email:
        raise ConfigurationError(f"Google: --admin {admin_email!r} is not an email address")
    path = key_file.expanduser().absolute()
    info = read_key_file(path)  # one clear line when it is not a service account key
    ws = user_workspace(ctx, db_path, as_email)
    try:
        _store(
            ws,
            {
                "mode": "service_account",
                "key_file": str(path),
                "admin_email": admin_email.strip(),
                "customer": customer.strip() or "my_customer",
            },
        )
    finally:
        ws.close()
    click.echo(f"Google: service account {info['client_email']} acts for {admin_email}'s domain")
    click.echo(f"In the Admin console, grant client id {info.get('client_id', '?')} these scopes:")
    click.echo("  " + ",".join(SERVICE_ACCOUNT_SCOPES))
    click.echo("Then run 'panelist doctor' to check every mapped calendar.")


@google.command()
@click.option(
    "--client-secrets",
    "client_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The OAuth client (Desktop app) JSON; needed once, by an Admin.",
)
@click.option(
    "--email",
    metavar="EMAIL",
    help="Whose Google account connects (default: the employee running this).",
)
@click.option(
    "--reader",
    is_flag=True,
    help="This account also reads calendars nobody connected (rooms, shared ones).",
)
@db_option
@as_option
@click.pass_context
def oauth(
    ctx: click.Context,
    client_file: Path | None,
    email: str | None,
    reader: bool,
    db_path: Path | None,
    as_email: str | None,
) -> None:
    """Per person: connect one Google account with OAuth (works over SSH)."""
    from panelist.secrets import get_secret, keep_secret
    from panelist_google.auth import (
        client_config,
        client_config_from_file,
        code_from_paste,
        finish_consent,
        refresh_token_name,
        start_consent,
    )

    ws = user_workspace(ctx, db_path, as_email)
    try:
        account = (email or ws.user.email).strip().casefold()
        stored = dict(ws.provider_context(PROVIDER).settings)
        wanted: dict[str, str] = {"mode": "oauth"}
        secret = get_secret(PROVIDER, SECRET_CLIENT)
        if client_file is not None:
            installed = client_config_from_file(client_file.expanduser())
            secret = str(installed["client_secret"])
            wanted["client_id"] = str(installed["client_id"])
            for uri in ("token_uri", "auth_uri"):
                if installed.get(uri):
                    wanted[uri] = safe_url(str(installed[uri]), uri)
        if reader:
            wanted["oauth_account"] = account
        changes = {k: v for k, v in wanted.items() if stored.get(k) != v}
        if changes or account != ws.user.email.casefold():
            require(ws.db, ws.user.id, Right.CONFIGURE)  # company settings, others' accounts
        settings = GoogleSettings.from_mapping(stored | wanted)
        if not settings.client_id or not secret:
            raise ConfigurationError(
                "Google: no OAuth client yet; an Admin runs "
                "'panelist connect google oauth --client-secrets FILE' first"
            )
        flow, url, state = start_consent(client_config(settings, secret), account)
        click.echo(f"Open this address in a browser and sign in as {account}:\n\n{url}\n")
        click.echo(
            "The browser then ends on a page that does not load (http://127.0.0.1:53682/…): "
            "copy that address."
        )
        pasted = click.prompt("Paste the address (or the code)", prompt_suffix=": ")
        token = finish_consent(flow, code_from_paste(pasted, state))
        # Only now, with the grant in hand, is anything kept: nothing half-done on a bad paste.
        if client_file is not None:
            keep_secret(PROVIDER, SECRET_CLIENT, secret)
        keep_secret(PROVIDER, refresh_token_name(account), token)
        if changes:
            _store(ws, changes)
    finally:
        ws.close()
    click.echo(f"Google: {account} is connected; the grant is kept in the OS keyring.")


def _store(ws: Workspace, values: dict[str, Any]) -> None:
    """The non-secret settings and an audit line naming them, or neither (Admins only)."""
    GoogleSettings.from_mapping(values)  # refuses a bad mode or URL before anything is written
    set_provider_settings(ws, PROVIDER, values)
