"""Small helpers shared by the views."""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from apps.web.audit import audit
from apps.web.security import client_ip
from apps.web.keys import STORE, USER

PAGE_SIZE = 50


def log_action(request: web.Request, action: str, object_type: str | None = None, object_id: Any = None,
               detail: dict | None = None) -> None:
    audit(request.app[STORE], request.get(USER), action, object_type, object_id, detail, client_ip(request))


def page(request: web.Request, template: str, ctx: dict[str, Any], status: int = 200) -> web.Response:
    from apps.web.render import context

    return aiohttp_jinja2.render_template(template, request, {**context(request), **ctx}, status=status)


def redirect(location: str, ok: str | None = None, err: str | None = None) -> web.HTTPFound:
    params = {k: v for k, v in (("ok", ok), ("err", err)) if v}
    if params:
        location += ("&" if "?" in location else "?") + urlencode(params)
    return web.HTTPFound(location)


def page_number(request: web.Request) -> int:
    try:
        return max(1, int(request.query.get("page", "1")))
    except ValueError:
        return 1


def query_without_page(request: web.Request) -> str:
    return urlencode([(k, v) for k, v in request.query.items() if k != "page"])


async def in_thread(func: Callable, *args, **kwargs) -> Any:
    """Run blocking work (models, big queries, file writes) off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args, **kwargs))


def not_found(request: web.Request) -> web.HTTPNotFound:
    from apps.web.render import t

    return web.HTTPNotFound(text=t("errors.not_found"), content_type="text/plain")
