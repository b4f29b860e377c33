"""The chat alone (`rathaus serve --chat-only`): an aiohttp app with only the public chat routes,
for a unit of its own on a port the town's reverse proxy exposes to the internet while the
review page stays on the internal network. No login, no admin route exists in it at all."""

from __future__ import annotations

from aiohttp import web

from rathaus.config import Config
from rathaus.store import Store
from apps.web.keys import CACHE, CONFIG, SETTINGS, STORE
from apps.web.security import errors, security_headers
from apps.web.settings import web_settings


def create_chat_app(config: Config, store: Store) -> web.Application:
    from apps.webchat import views

    app = web.Application(middlewares=[errors], client_max_size=64 * 1024)
    # the review page's security headers on every answer, errors included (the chat sets its own CSP)
    app.on_response_prepare.append(security_headers)
    app[CONFIG] = config
    app[STORE] = store
    app[SETTINGS] = web_settings(config)
    app[CACHE] = {}
    views.setup(app)
    return app
