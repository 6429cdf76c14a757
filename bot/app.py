"""The Bolt app, built by a factory: nothing touches the network or environment at import."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.access import allow_list
from bot.deps import BotDeps
from bot.errors import answer_error
from bot.idempotency import once_only
from bot.listeners import register_listeners
from bot.logs import slack_logger
from bot.respond import check_responses
from cases.errors import UserError


def web_client(deps: BotDeps) -> WebClient:
    """The bot's Web API client (see `make_client`)."""
    return make_client(deps.bot_token, deps.api_url)


def make_client(token: str, api_url: str | None = None, *, retries: bool = True) -> WebClient:
    """A Web API client with 429 retries; `api_url` replaces the base URL (tests, proxies).

    Without `retries`, every failure reaches the caller, which keeps its own backoff.
    """
    base_url = api_url or WebClient.BASE_URL
    client = WebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=15,
        logger=slack_logger(),  # filtered: slack_sdk logs whole bodies at DEBUG (design §3)
        retry_handlers=None if retries else [],
    )
    if not retries:
        return client
    # chat.postMessage allows about one message a second per channel; a 429 carries
    # Retry-After, which the default client does not honour (design.md §3).
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


def build_app(*, deps: BotDeps, process_before_response: bool = False) -> App:
    """The app with its allow-list, error handler and listeners.

    The client is passed in ready-made and token verification is off: `App(token=...)`
    would call auth.test while being constructed. Bolt calls it on the first request.
    """
    app = App(
        client=web_client(deps),
        signing_secret=deps.signing_secret,
        token_verification_enabled=False,
        process_before_response=process_before_response,
        logger=slack_logger(),
        name="rightsdesk",
    )
    if app.oauth_flow is not None:
        # Bolt switches to OAuth when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set.
        raise UserError(
            "unset SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: rightsdesk is a single-workspace app"
        )
    app.use(check_responses)
    app.use(allow_list(deps))
    app.use(once_only(deps))  # a replayed signed request acts once (issue 11)
    app.error(answer_error)
    register_listeners(app, deps)
    return app
