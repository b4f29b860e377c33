"""Catalog: browse services, edit synonyms, import a catalog file (admin)."""

from __future__ import annotations

from aiohttp import web

from rathaus.errors import RathausError
from rathaus.catalog import repository
from apps.web.security import csrf_in_stream
from apps.web.uploads import UploadError, read_form
from apps.web.views.common import in_thread, log_action, not_found, page, redirect
from apps.web.keys import CONFIG, SESSION, STORE

IMPORT_LIMIT = 200 * 1024 * 1024


def setup(app: web.Application) -> None:
    app.router.add_get("/catalog", service_list)
    app.router.add_get("/catalog/{id}", service_detail)
    app.router.add_post("/catalog/{id}/synonyms", add_synonym)
    app.router.add_post("/catalog/{id}/synonyms/delete", remove_synonym)
    app.router.add_get("/admin/catalog/import", import_page)
    app.router.add_post("/admin/catalog/import", import_file)


async def service_list(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:200]
    services, error = [], ""
    try:
        services = repository.list_services(request.app[STORE], query or None)
    except RathausError as exc:
        error = str(exc)
    log_action(request, "view", "catalog", None, {"q": query} if query else None)
    return page(request, "catalog.html", {"services": services, "q": query, "error": error})


async def service_detail(request: web.Request) -> web.Response:
    service = repository.get_service(request.app[STORE], request.match_info["id"])
    if service is None:
        raise not_found(request)
    log_action(request, "view", "service", service.id)
    return page(request, "service.html", {"service": service})


async def add_synonym(request: web.Request) -> web.StreamResponse:
    service_id = request.match_info["id"]
    store = request.app[STORE]
    if repository.get_service(store, service_id) is None:
        raise not_found(request)
    form = await request.post()
    phrase = " ".join(str(form.get("phrase", "")).split())[:300]
    if not phrase:
        raise redirect(f"/catalog/{service_id}", err="phrase_missing")
    repository.add_synonym(store, service_id, phrase, source="staff")
    log_action(request, "change", "service", service_id, {"synonym_added": phrase})
    raise redirect(f"/catalog/{service_id}", ok="synonym_added")


async def remove_synonym(request: web.Request) -> web.StreamResponse:
    service_id = request.match_info["id"]
    store = request.app[STORE]
    if repository.get_service(store, service_id) is None:
        raise not_found(request)
    form = await request.post()
    phrase = str(form.get("phrase", ""))
    repository.remove_synonym(store, service_id, phrase)
    log_action(request, "change", "service", service_id, {"synonym_removed": phrase})
    raise redirect(f"/catalog/{service_id}", ok="synonym_removed")


async def import_page(request: web.Request) -> web.Response:
    return page(request, "catalog_import.html", {"report": None, "error": ""})


@csrf_in_stream
async def import_file(request: web.Request) -> web.Response:
    from apps.web.settings import upload_dir

    folder = upload_dir(request.app[CONFIG]) / "catalog-imports"
    try:
        form = await read_form(request, folder, IMPORT_LIMIT, request[SESSION].csrf_token, file_fields=("file",))
    except UploadError as exc:
        return page(request, "catalog_import.html", {"report": None, "error": exc.message}, status=exc.status_code)
    saved = form.files.get("file")
    if saved is None:
        from apps.web.render import t

        return page(request, "catalog_import.html", {"report": None, "error": t("upload.no_file")}, status=400)
    fmt = form.fields.get("format") or None
    if fmt not in (None, "dldb", "csv", "json"):
        fmt = None
    # keep the original extension so the importer can tell the format
    named = saved.path.with_name(saved.path.name.split("-", 1)[-1])
    saved.path.replace(named)
    try:
        report = await in_thread(repository.import_file, request.app[STORE], str(named), fmt)
    except RathausError as exc:
        log_action(request, "import", "catalog", saved.filename, {"error": str(exc)})
        return page(request, "catalog_import.html", {"report": None, "error": str(exc)}, status=400)
    finally:
        named.unlink(missing_ok=True)
    summary = report.to_dict() if hasattr(report, "to_dict") else vars(report)
    log_action(request, "import", "catalog", saved.filename,
               {k: summary.get(k) for k in ("format", "added", "updated", "unchanged")})
    return page(request, "catalog_import.html", {"report": summary, "error": ""})
