"""``panelist connect gotomeeting``: a host connects their own GoTo account.

GoTo makes a meeting for the organiser whose token it is, so each person who hosts
interviews on GoTo Meeting runs this once. It prints GoTo's consent address; the person
opens it in any browser, signs in, allows Panelist, and pastes back the address the
browser ends on (the redirect URI: nothing needs to listen there, so it works over SSH)
or just its code. The code is traded for tokens, the account is checked to be an active
GoToMeeting organiser, and only then is anything kept: the refresh token in the OS
keyring (``gotomeeting:refresh_token:<email>``), rotated later whenever GoTo answers a
refresh with a new one.

Once, an Admin gives the OAuth client: ``--client-id`` (a setting, with an audit line)
and its secret (asked without echo, ``--secret-stdin``, or
``PANELIST_GOTOMEETING_CLIENT_SECRET``; kept in the keyring).
"""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import click

from panelist.cli import as_option, connect_group, db_option, given_secret, user_workspace
from panelist.errors import AuthenticationFailed, ConfigurationError
from panelist.permissions import Right, require
from panelist.providers import ProviderContext
from panelist.secrets import env_name, get_secret, keep_secret
from panelist.services.settings import set_provider_settings
from panelist_gotomeeting.config import (
    DISPLAY,
    PROVIDER,
    SECRET_CLIENT,
    GoToSettings,
    refresh_token_name,
    safe_url,
)


def add_connect_command(cli: click.Group) -> None:
    connect_group(cli).add_command(gotomeeting)


@click.command()
@click.option("--client-id", help="The OAuth client's id (developer.goto.com); Admins, once.")
@click.option(
    "--secret-stdin", is_flag=True, help="Read the client secret from the first line of stdin."
)
@click.option(
    "--redirect-uri",
    help="The redirect URI registered on the client (default http://127.0.0.1:53682/).",
)
@db_option
@as_option
@click.pass_context
def gotomeeting(
    ctx: click.Context,
    client_id: str | None,
    secret_stdin: bool,
    redirect_uri: str | None,
    db_path: Path | None,
    as_email: str | None,
) -> None:
    """GoTo Meeting: connect your GoTo account to host interviews (works over SSH)."""
    ws = user_workspace(ctx, db_path, as_email)
    try:
        stored = dict(ws.provider_context(PROVIDER).settings)
        wanted: dict[str, str] = {}
        if client_id:
            wanted["client_id"] = client_id.strip()
        if redirect_uri:
            wanted["redirect_uri"] = safe_url(redirect_uri.strip(), "redirect_uri")
        changes = {k: v for k, v in wanted.items() if stored.get(k) != v}
        typed = given_secret(
            PROVIDER, SECRET_CLIENT, "Client secret", from_stdin=secret_stdin, ask=bool(client_id)
        )
        if changes or typed:
            require(ws.db, ws.user.id, Right.CONFIGURE)  # the company's OAuth client
        settings = GoToSettings.from_mapping(stored | wanted)
        settings.require_client()
        secret = typed or get_secret(PROVIDER, SECRET_CLIENT)
        if not secret:
            raise ConfigurationError(
                f"{DISPLAY}: no client secret yet; an Admin runs 'panelist connect gotomeeting "
                f"--client-id ID' (or sets {env_name(PROVIDER, SECRET_CLIENT)})"
            )
        state = secrets.token_urlsafe(16)
        query = {
            "client_id": settings.client_id or "",
            "response_type": "code",
            "redirect_uri": settings.redirect_uri,
            "state": state,
        }
        click.echo("Open this address in a browser, sign in to GoTo and allow Panelist:\n")
        click.echo(f"{settings.authorize_url}?{urlencode(query)}\n")
        click.echo(
            f"The browser then ends on a page that may not load ({settings.redirect_uri}…): "
            "copy that address."
        )
        pasted = click.prompt("Paste the address (or the code)", prompt_suffix=": ")
        code = code_from_paste(pasted, state)
        account, refresh = asyncio.run(
            _connect(ws.provider_context(PROVIDER), stored | wanted, secret, code)
        )
        # Only now, the account proved an active organiser, is anything kept.
        if typed:
            keep_secret(PROVIDER, SECRET_CLIENT, typed)
        keep_secret(PROVIDER, refresh_token_name(account), refresh)
        if changes:
            set_provider_settings(ws, PROVIDER, changes)
    finally:
        ws.close()
    click.echo(f"{DISPLAY}: {account} is connected; the grant is kept in the OS keyring.")
    click.echo(f"Interviews can now be hosted by {account} on GoTo Meeting.")


_CODE = re.compile(r"[0-9A-Za-z/_.\-~+=]{8,4096}")


def code_from_paste(text: str, state: str) -> str:
    """The authorisation code in what the person pasted: the redirected URL, or the code."""
    pasted = text.strip().strip("'\"<>")
    if not pasted:
        raise ConfigurationError(f"{DISPLAY}: nothing was pasted")
    if "://" in pasted or pasted.startswith(("?", "/")) or "code=" in pasted:
        query = parse_qs(pasted.split("?", 1)[1] if "?" in pasted else pasted)
        if "error" in query:
            raise AuthenticationFailed(
                f"{DISPLAY}: access was not allowed ({query['error'][0][:60]})", provider=PROVIDER
            )
        codes = query.get("code", [])
        if not codes or not codes[0]:
            raise ConfigurationError(f"{DISPLAY}: the pasted address holds no 'code'")
        if query.get("state", [state])[0] != state:
            raise ConfigurationError(
                f"{DISPLAY}: the pasted address belongs to another attempt (its state "
                "differs); open the newest link"
            )
        pasted = codes[0]
    if not _CODE.fullmatch(pasted):
        raise ConfigurationError(f"{DISPLAY}: that is neither the redirected address nor a code")
    return pasted


async def _connect(
    base: ProviderContext, settings: dict[str, str], secret: str, code: str
) -> tuple[str, str]:
    """Trade the code, and check the account hosts GoToMeeting; (its email, refresh token)."""
    from panelist_gotomeeting.api import exchange_code
    from panelist_gotomeeting.provider import GoToMeetingProvider

    parsed = GoToSettings.from_mapping(settings)
    answer = await exchange_code(parsed, secret, code)
    account = str(answer.get("principal") or answer.get("email") or "").strip().casefold()
    if "@" not in account:
        raise ConfigurationError(f"{DISPLAY}: the sign-in named no account; nothing was saved")

    kept: dict[str, str] = {}
    context = base.trying(settings, {SECRET_CLIENT: secret})
    provider = GoToMeetingProvider(context, keep=lambda name, value: kept.update({name: value}))
    try:
        provider.api.adopt(account, answer)
        verified = await provider.is_verified_host(account)
        refresh = provider.api.current_refresh_token(account) or ""
    finally:
        await provider.aclose()
    if not verified:
        raise ConfigurationError(
            f"{DISPLAY}: {account} is not an active GoToMeeting organiser; nothing was saved"
        )
    return account, refresh
