"""Request guards: session lookup, login required, admin role, CSRF, security headers.

One middleware does it all so that a new route is protected by default: only paths listed in
PUBLIC are reachable without a session, every /admin path needs the admin role, and every
state-changing request must carry the session's CSRF token (form field or X-CSRF-Token header).
HEAD is treated as GET (aiohttp answers it from the GET handler, without the body).
The security headers are not set here but in the app's `on_response_prepare` signal
(`security_headers`), which aiohttp fires for every response of a routed request: pages, raised
redirects, the router's 404 and 405, a 413 from request.post(), denials, and the 500 that aiohttp
itself writes for an unhandled exception, which no middleware ever sees.
Multipart upload handlers marked with @csrf_in_stream check the token from the first form field
themselves, because the middleware must not read an upload of several gigabytes into memory.
"""

from __future__ import annotations

import logging
import secrets
from typing import Awaitable, Callable

from aiohttp import web
from yarl import URL

import prompts
from apps.web.proxies import client_ip, cookie_secure, is_https  # noqa: F401  (re-exported)
from apps.web.sessions import COOKIE, load_session
from apps.web.keys import SESSION, SETTINGS, STORE, USER

log = logging.getLogger(__name__)

PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = ("/login", "/healthz", "/metrics", "/favicon.ico")  # /metrics guards itself (views/ops.py)
# The citizen chat (apps.webchat) is public by design and checks its own requests
PUBLIC_PREFIXES += ("/chat/", "/api/chat/")
PUBLIC_PATHS += ("/chat",)
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
LOGIN_CSRF_COOKIE = "rathaus_login_csrf"

CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self' blob: data:; style-src 'self'; "
       "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def csrf_in_stream(handler: Handler) -> Handler:
    """Mark a multipart handler that validates the CSRF field itself (see uploads.read_form)."""
    handler.csrf_in_stream = True  # type: ignore[attr-defined]
    return handler


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def _deny(request: web.Request, status: int, key: str) -> web.Response:
    message = prompts.text(key)
    if wants_json(request) or request.headers.get("X-Requested-With") == "fetch":
        return web.json_response({"error": message}, status=status)
    return web.Response(status=status, text=message, content_type="text/plain", charset="utf-8")


async def check_csrf(request: web.Request, expected: str) -> bool:
    """The token from the header or an urlencoded form field equals `expected`."""
    supplied = request.headers.get("X-CSRF-Token")
    if supplied is None and request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        supplied = form.get("csrf_token")
    return bool(supplied) and secrets.compare_digest(str(supplied), expected)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(PUBLIC_PREFIXES):  # static files: no database round trip
        return await handler(request)
    store = request.app[STORE]
    settings = request.app[SETTINGS]
    session = load_session(store, request.cookies.get(COOKIE), settings.session_hours)
    request[SESSION] = session
    request[USER] = session.user if session else None
    if not is_public(request.path):
        if session is None:
            if request.method in ("GET", "HEAD") and not wants_json(request):
                target = request.path_qs if request.path != "/" else "/"
                raise web.HTTPFound(f"/login?next={_quote(target)}")
            return _deny(request, 401, "web.errors.login_required")
        if request.path.startswith(("/admin", "/api/admin")) and not session.user.is_admin:
            return _deny(request, 403, "web.errors.admin_only")
        if request.method in UNSAFE:
            route_handler = getattr(request.match_info, "handler", None)
            in_stream = getattr(route_handler, "csrf_in_stream", False)
            header = request.headers.get("X-CSRF-Token")
            streamed = in_stream and header is None and request.content_type.startswith("multipart/")
            if not streamed and not await check_csrf(request, session.csrf_token):
                return _deny(request, 403, "web.errors.csrf")
    return await handler(request)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Expected failures (RathausError) become a readable 400 instead of a stack trace; a full
    disk, wherever the write failed, a 507 that says so."""
    import sqlite3

    from rathaus.errors import DiskFullError, RathausError, is_disk_full

    try:
        return await handler(request)
    except (DiskFullError, sqlite3.Error, OSError) as exc:
        if not isinstance(exc, DiskFullError) and not is_disk_full(exc):
            raise
        log.error("disk full: %s", exc)
        return _error_response(request, 507, prompts.text("web.errors.disk_full"))
    except RathausError as exc:
        return _error_response(request, 400, str(exc))


def _error_response(request: web.Request, status: int, text: str) -> web.Response:
    if wants_json(request) or request.headers.get("X-Requested-With") == "fetch":
        response = web.json_response({"error": text}, status=status)
    else:
        response = web.Response(status=status, text=text, content_type="text/plain", charset="utf-8")
    return response


SERVER = "rathaus"  # no product versions for scanners to match against


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every routed response, whatever produced it, carries these."""
    response.headers["Server"] = SERVER
    csp = response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "frame-ancestors 'none'" in csp:  # a page that may be framed (the chat) says where in its CSP
        response.headers.setdefault("X-Frame-Options", "DENY")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="")


def safe_next(target: str | None) -> str:
    """Only same-site relative targets after login (no open redirect).

    The check runs on the URL as aiohttp will send it, not on the raw query value: yarl (like a
    browser) drops tabs and newlines, so "/\t/evil.example" would leave as "//evil.example", a
    link to another host. Any control character, whitespace or backslash is refused outright, and
    the normalised URL must be a path on this site (no scheme, no host, not starting with "//").
    """
    if not target or not target.startswith("/") or len(target) > 2048:
        return "/"
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return "/"
    try:
        url = URL(target)
    except ValueError:
        return "/"
    sent = str(url)
    if url.scheme or url.host is not None or url.is_absolute() or not sent.startswith("/") or sent.startswith("//"):
        return "/"
    return sent
