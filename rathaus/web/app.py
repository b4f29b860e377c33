"""Placeholder application until the review page lands: one status page."""

from __future__ import annotations

from aiohttp import web

from rathaus.config import Config
from rathaus.store import Store


def create_app(config: Config, store: Store) -> web.Application:
    app = web.Application()

    async def index(request: web.Request) -> web.Response:
        return web.Response(text="Rathaus-Assistent läuft.", content_type="text/plain")

    app.router.add_get("/", index)
    return app
