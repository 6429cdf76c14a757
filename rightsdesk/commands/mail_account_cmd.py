"""`rightsdesk mail login`: sign the privacy mailbox in with OAuth 2.0, once."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cases.errors import UserError
from rightsdesk import oauth_wiring
from rightsdesk.settings import load_settings

mail_app = typer.Typer(
    help="The privacy mailbox: OAuth 2.0 sign-in and connection check.", no_args_is_help=True
)
DEFAULT_REDIRECT = "http://127.0.0.1:8400/"


@mail_app.command("login")
def login(
    flow: Annotated[
        str | None,
        typer.Option(
            "--flow", help="device (RFC 8628) or code (PKCE); default: device where offered."
        ),
    ] = None,
    redirect_uri: Annotated[
        str, typer.Option("--redirect-uri", help="Loopback redirect for the code flow.")
    ] = DEFAULT_REDIRECT,
) -> None:
    """Sign in once and keep the refresh token in RIGHTSDESK_OAUTH_TOKEN_FILE (mode 0600)."""
    from mail_intake.oauth_login import code_login, device_login

    settings = load_settings()
    config = oauth_wiring.oauth_config(settings, chosen="refresh_token")
    device = oauth_wiring.device_url(settings)
    chosen = flow or ("device" if device else "code")
    if chosen == "device":
        if not device:
            raise UserError("this provider has no device sign-in for mail: use --flow code")
        device_login(config, device_url=device, echo=typer.echo)
    elif chosen == "code":
        authorize = oauth_wiring.authorize_url(settings)
        if not authorize:
            raise UserError("RIGHTSDESK_OAUTH_AUTHORIZE_URL is not set (needed for --flow code)")
        code_login(
            config,
            authorize_url=authorize,
            redirect_uri=redirect_uri,
            echo=typer.echo,
            read_line=sys.stdin.readline,
        )
    else:
        raise UserError(f"--flow must be device or code, not {chosen!r}")
    typer.echo(f"signed in; refresh token saved in {config.token_file}")


def register(app: typer.Typer) -> None:
    """Attach `mail` to the root app."""
    app.add_typer(mail_app, name="mail")
