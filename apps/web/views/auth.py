"""Login and logout."""

from __future__ import annotations

import secrets

from aiohttp import web

from apps.web.audit import audit
from apps.web.security import LOGIN_CSRF_COOKIE, client_ip, cookie_secure, safe_next
from apps.web.sessions import COOKIE, create_session, delete_session
from apps.web.throttle import is_blocked, record_attempt
from apps.web.views.common import page
from apps.web.users import authenticate
from apps.web.keys import SETTINGS, STORE, USER


def setup(app: web.Application) -> None:
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login_submit)
    app.router.add_post("/logout", logout)


def _login_response(request: web.Request, error: str = "", status: int = 200, username: str = "") -> web.Response:
    # login CSRF: a double-submit token in a cookie and in the form, before any session exists
    token = secrets.token_urlsafe(24)
    response = page(
        request, "login.html",
        {"error": error, "next": safe_next(request.query.get("next")), "username": username, "csrf_token": token}, status=status,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", secure=cookie_secure(request), path="/login")
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    if request.get(USER):
        raise web.HTTPFound(safe_next(request.query.get("next")))
    return _login_response(request)


async def login_submit(request: web.Request) -> web.StreamResponse:
    from apps.web.render import t

    store = request.app[STORE]
    settings = request.app[SETTINGS]
    form = await request.post()
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:1024]
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie_token or not secrets.compare_digest(cookie_token, str(form.get("csrf_token", ""))):
        return _login_response(request, t("login.expired"), status=403, username=username)
    ip = client_ip(request)
    if is_blocked(store, ip, username, settings.login_max_failures, settings.login_window_s):
        audit(store, None, "login_failed", "user", username, {"reason": "rate_limited"}, ip)
        response = _login_response(request, t("login.too_many", minutes=max(1, settings.login_window_s // 60)),
                                   status=429, username=username)
        response.headers["Retry-After"] = str(settings.login_window_s)
        return response
    user = authenticate(store, username, password)
    record_attempt(store, ip, username, success=user is not None)
    if user is None:
        audit(store, None, "login_failed", "user", username, None, ip)
        return _login_response(request, t("login.failed"), status=401, username=username)
    token = create_session(store, user, settings.session_hours, ip, request.headers.get("User-Agent"))
    audit(store, user, "login", "user", user.username, None, ip)
    target = safe_next(str(form.get("next", "/")))
    response = web.HTTPFound(target)
    # a browser-session cookie (gone when the browser closes, e.g. on a shared office PC); the
    # server ends idle sessions after [web] session_hours
    response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", secure=cookie_secure(request), path="/")
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    store = request.app[STORE]
    token = request.cookies.get(COOKIE)
    if token:
        delete_session(store, token)
    audit(store, request[USER], "logout", "user", request[USER].username, None, client_ip(request))
    response = web.HTTPFound("/login?ok=logged_out")
    response.del_cookie(COOKIE, path="/")
    raise response
