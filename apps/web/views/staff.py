"""Admin pages: accounts and the audit log."""

from __future__ import annotations

from aiohttp import web

from rathaus.errors import RathausError
from apps.web import audit as audit_log
from apps.web import users
from apps.web.views.common import log_action, page, redirect
from apps.web.keys import STORE, USER


def setup(app: web.Application) -> None:
    app.router.add_get("/admin/users", user_list)
    app.router.add_post("/admin/users", user_create)
    app.router.add_post("/admin/users/{id:\\d+}", user_update)
    app.router.add_post("/admin/users/{id:\\d+}/password", user_password)
    app.router.add_get("/admin/audit", audit_page)
    app.router.add_get("/account", account_page)
    app.router.add_post("/account/password", own_password)


async def user_list(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    log_action(request, "view", "users")
    return page(request, "users.html", {"users": users.list_users(request.app[STORE]), "roles": users.ROLES,
                                        "error": error}, status=status)


async def user_create(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username = str(form.get("username", ""))
    try:
        user = users.create_user(request.app[STORE], username, str(form.get("password", "")),
                                 str(form.get("role", "clerk")), str(form.get("display_name", "")).strip() or None)
    except RathausError as exc:
        return await user_list(request, str(exc), 400)
    log_action(request, "create", "user", user.username, {"role": user.role})
    raise redirect("/admin/users", ok="user_created")


async def user_update(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    user_id = int(request.match_info["id"])
    try:
        user = users.update_user(request.app[STORE], user_id, role=str(form.get("role")) if form.get("role") else None,
                                 active=form.get("active") == "1")
    except RathausError as exc:
        return await user_list(request, str(exc), 400)
    log_action(request, "change", "user", user.username, {"role": user.role, "active": user.active})
    raise redirect("/admin/users", ok="user_updated")


async def user_password(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    target = users.get_user(request.app[STORE], int(request.match_info["id"]))
    if target is None:
        raise web.HTTPNotFound()
    try:
        users.set_password(request.app[STORE], target.username, str(form.get("password", "")))
    except RathausError as exc:
        return await user_list(request, str(exc), 400)
    log_action(request, "change", "user", target.username, {"password": "reset"})
    raise redirect("/admin/users", ok="password_set")


async def audit_page(request: web.Request) -> web.Response:
    action = request.query.get("action", "")
    username = request.query.get("user", "")
    entries = audit_log.recent(request.app[STORE], 300, action or None, username or None)
    return page(request, "audit.html", {"entries": entries, "actions": audit_log.ACTIONS, "action": action,
                                        "username": username})


async def account_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    return page(request, "account.html", {"error": error}, status=status)


async def own_password(request: web.Request) -> web.StreamResponse:
    from apps.web.render import t

    form = await request.post()
    user = request[USER]
    store = request.app[STORE]
    if users.authenticate(store, user.username, str(form.get("current", ""))) is None:
        return await account_page(request, t("account.wrong_current"), 400)
    if form.get("password") != form.get("password2"):
        return await account_page(request, t("account.mismatch"), 400)
    try:
        users.set_password(store, user.username, str(form.get("password", "")))
    except RathausError as exc:
        return await account_page(request, str(exc), 400)
    log_action(request, "change", "user", user.username, {"password": "own"})
    raise redirect("/login", ok="password_changed")
