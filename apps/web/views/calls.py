"""Calls: list with filters, detail with turns and hand-off, audio, the learning loop."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from apps.web import calls_data as data
from rathaus.catalog import repository
from apps.web import catalog_bridge
from apps.web.keys import STORE
from apps.web.views.common import (PAGE_SIZE, log_action, not_found, page, page_number, query_without_page,
                                      redirect)

log = logging.getLogger(__name__)


def setup(app: web.Application) -> None:
    app.router.add_get("/calls", call_list)
    app.router.add_get("/calls/{id}", call_detail)
    app.router.add_get("/calls/{id}/audio", call_audio)
    app.router.add_post("/calls/{id}/service", set_service)
    app.router.add_get("/api/calls/{id}/handoff", handoff_api)
    app.router.add_post("/admin/calls/{id}/delete", delete_call)


async def call_list(request: web.Request) -> web.Response:
    store = request.app[STORE]
    flt = data.CallFilter.from_query(request.query)
    number = page_number(request)
    rows, total = data.list_calls(store, flt, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    log_action(request, "view", "calls", None, {k: v for k, v in vars(flt).items() if v} or None)
    return page(request, "calls.html", {
        "calls": rows, "total": total, "filter": flt, "options": data.filter_options(store),
        "names": catalog_bridge.service_names(store), "page": number,
        "pages": max(1, -(-total // PAGE_SIZE)), "query": query_without_page(request),
    })


def _call_or_404(request: web.Request) -> dict:
    call = data.get_call(request.app[STORE], request.match_info["id"])
    if call is None:
        raise not_found(request)
    return call


async def call_detail(request: web.Request) -> web.Response:
    store = request.app[STORE]
    call = _call_or_404(request)
    log_action(request, "view", "call", call["id"])
    services = []
    catalog_error = ""
    try:
        services = repository.list_services(store)
    except Exception as exc:
        catalog_error = str(exc)
    names = {str(s.id): s.name for s in services}
    return page(request, "call_detail.html", {
        "call": call, "names": names, "services": services, "catalog_error": catalog_error,
        "caller_texts": data.caller_texts(call),
        "has_audio": bool(call["audio_path"] and Path(call["audio_path"]).is_file()),
    })


async def call_audio(request: web.Request) -> web.StreamResponse:
    call = _call_or_404(request)
    path = Path(call["audio_path"] or "")
    if not call["audio_path"] or not path.is_file():
        raise not_found(request)
    log_action(request, "view", "call_audio", call["id"])
    return web.FileResponse(path)  # answers Range requests (seeking in the player)


async def handoff_api(request: web.Request) -> web.Response:
    record = data.handoff(request.app[STORE], request.match_info["id"])
    if record is None:
        raise not_found(request)
    log_action(request, "view", "call_handoff", record["call_id"])
    return web.json_response(record, dumps=_dumps)


def _dumps(obj) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False)


async def set_service(request: web.Request) -> web.StreamResponse:
    """Staff name the service the call was really about; the caller's words become a synonym."""
    store = request.app[STORE]
    call = _call_or_404(request)
    form = await request.post()
    service_id = str(form.get("service_id", "")).strip()
    phrase = " ".join(str(form.get("phrase", "")).split())[:300]
    if not service_id:
        data.set_corrected_service(store, call["id"], None)
        log_action(request, "change", "call", call["id"], {"corrected_service_id": None})
        raise redirect(f"/calls/{call['id']}", ok="service_cleared")
    if repository.get_service(store, service_id) is None:
        raise redirect(f"/calls/{call['id']}", err="unknown_service")
    data.set_corrected_service(store, call["id"], service_id)
    detail = {"corrected_service_id": service_id}
    if phrase and form.get("learn", "on") == "on":
        repository.add_synonym(store, service_id, phrase, source="review")
        detail["synonym"] = phrase
        log_action(request, "change", "service", service_id, {"synonym_added": phrase, "call": call["id"]})
    log_action(request, "change", "call", call["id"], detail)
    raise redirect(f"/calls/{call['id']}", ok="service_set")


async def delete_call(request: web.Request) -> web.StreamResponse:
    store = request.app[STORE]
    call_id = request.match_info["id"]
    audio = data.delete_call(store, call_id)
    if audio is None:
        raise not_found(request)
    if audio:
        try:
            Path(audio).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete call audio %s: %s", audio, exc)
    log_action(request, "delete", "call", call_id)
    raise redirect("/calls", ok="call_deleted")
