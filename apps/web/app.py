"""The review web page: an aiohttp application over the SQLite store.

`create_app(config, store)` is what `rathaus serve` runs. Pages are rendered on the server with
Jinja templates (apps/web/templates), all texts come from prompts/<lang>/web.toml, and the
little JavaScript there is (upload progress, audio sync, recording) is served from
apps/web/static — nothing is loaded from another site.
"""

from __future__ import annotations

import logging

import aiohttp_jinja2
import jinja2
from aiohttp import web

from rathaus.config import Config
from rathaus.liveness import Liveness
from rathaus.store import Store
from apps.web import render
from apps.web.security import errors, guard, security_headers
from apps.web.settings import web_settings
from apps.web.users import ensure_first_admin
from apps.web.keys import CACHE, CONFIG, LIVENESS, SETTINGS, STORE

log = logging.getLogger(__name__)


def create_app(config: Config, store: Store, liveness: Liveness | None = None) -> web.Application:
    """`liveness`: the parts of this process that /healthz reports (rathaus serve passes the
    SIP stack and the meeting worker it runs; without it /healthz checks the database only)."""
    settings = web_settings(config)
    _plain_server_header()
    # the body limit of aiohttp applies to request.post(); uploads are streamed and checked
    # against max_upload_mb by apps.web.uploads instead
    app = web.Application(middlewares=[errors, guard], client_max_size=4 * 1024 * 1024)
    app.on_response_prepare.append(security_headers)
    app[CONFIG] = config
    app[STORE] = store
    app[SETTINGS] = settings
    app[LIVENESS] = liveness or Liveness()
    app[CACHE] = {}  # lazily loaded heavy objects (catalog assistant, recognizer, synthesizer)
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("apps.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default=True),
    )
    render.install_filters(env)
    ensure_first_admin(store, settings.admin_user, settings.admin_password)

    from apps.web.views import auth, calls, catalog, dashboard, meetings, ops, search, staff, testcall

    for module in (auth, ops, dashboard, calls, meetings, search, catalog, testcall, staff):
        module.setup(app)
    app.on_startup.append(_load_catalog)
    app.router.add_static("/static/", render.static_dir(), name="static", append_version=True)
    return app


def _plain_server_header() -> None:
    """aiohttp answers a request it cannot parse (400) itself, before routing and outside the
    app's signals, with `Server: Python/3.x aiohttp/3.x` taken from a module constant; routed
    responses get theirs from apps.web.security.security_headers. Versions help scanners only."""
    from aiohttp import web_response

    from apps.web.security import SERVER

    web_response.SERVER_SOFTWARE = SERVER


async def _load_catalog(app: web.Application) -> None:
    import asyncio

    from apps.web.catalog_bridge import ensure_initial

    await asyncio.get_running_loop().run_in_executor(None, ensure_initial, app[CONFIG], app[STORE])


def run(config: Config, store: Store) -> None:
    """Serve the page alone (`rathaus serve` normally runs it beside the phone bot)."""
    settings = web_settings(config)
    web.run_app(create_app(config, store), host=settings.host, port=settings.http_port, print=None)
