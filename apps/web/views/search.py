"""Search across calls and meetings."""

from __future__ import annotations

from aiohttp import web

from apps.web import search as fts
from apps.web.views.common import log_action, page
from apps.web.keys import STORE


def setup(app: web.Application) -> None:
    app.router.add_get("/search", search_page)


async def search_page(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:200]
    kind = request.query.get("kind", "")
    kinds = (kind,) if kind in ("call", "meeting") else ("call", "meeting")
    hits = fts.search(request.app[STORE], query, kinds=kinds) if query else []
    if query:
        log_action(request, "search", "search", None, {"q": query, "hits": len(hits)})
    return page(request, "search.html", {
        "q": query, "kind": kind, "hits": hits, "too_short": bool(query) and fts.fts_query(query) is None,
    })
