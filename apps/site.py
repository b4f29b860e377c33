"""What `rathaus serve` answers on its HTTP port: the review page (apps.web) with the website chat
(apps.webchat) beside it. `rathaus serve --chat-only` serves the chat alone (apps.webchat.app)."""

from __future__ import annotations

from aiohttp import web

from apps.web.app import create_app
from apps.webchat import views as webchat
from rathaus.config import Config
from rathaus.liveness import Liveness
from rathaus.store import Store


def create_site(config: Config, store: Store, liveness: Liveness | None = None) -> web.Application:
    app = create_app(config, store, liveness)
    webchat.setup(app)
    return app
