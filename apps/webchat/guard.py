"""The checks every public chat request passes before any work is done: body size, origin,
content type, rate limits, and the page's frame-ancestors from the allow list.

No cookies are read or set by the chat: a conversation is continued by a token in the JSON body,
so a forged cross-site request has nothing to ride on (CSRF), and a request whose Origin is
another site is refused anyway. Cross-site forms cannot send application/json without a
preflight, which we never answer.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from apps.web.security import CSP, client_ip, is_https
from apps.webchat.limits import ChatLimits
from apps.webchat.replies import t
from apps.webchat.settings import ChatSettings, csp_source, normalize_origin


class Refused(Exception):
    """A request the chat does not serve: status, prompt key, and an optional Retry-After."""

    def __init__(self, status: int, key: str, retry_after: float = 0.0, **fields: Any):
        super().__init__(key)
        self.status, self.key, self.retry_after, self.fields = status, key, retry_after, fields

    def response(self, lang: str) -> web.Response:
        response = web.json_response({"error": t(f"errors.{self.key}", lang, **self.fields), "code": self.key},
                                     status=self.status)
        if self.retry_after:
            response.headers["Retry-After"] = str(max(1, int(self.retry_after + 0.999)))
        return response


def own_origin(request: web.Request) -> str:
    return normalize_origin(f"{'https' if is_https(request) else 'http'}://{request.host}") or ""


def page_csp(settings: ChatSettings) -> str:
    """The review page's strict policy, with frame-ancestors naming the towns' own sites."""
    sources = " ".join(s for s in (csp_source(o) for o in sorted(settings.origins())) if s)
    return CSP.replace("frame-ancestors 'none'", f"frame-ancestors 'self' {sources}".strip())


def embedder_allowed(request: web.Request, settings: ChatSettings) -> bool:
    """Whether the page embedding the chat may do so. The iframe request's Referer names the
    embedding page's origin (embed.js asks for referrerpolicy=origin); without one, the browser's
    own frame-ancestors check from `page_csp` decides."""
    if request.headers.get("Sec-Fetch-Dest", "iframe") not in ("iframe", "frame"):
        return True
    referer = request.headers.get("Referer")
    if not referer:
        return True
    origin = normalize_origin(referer)
    return origin is not None and (origin == own_origin(request) or origin in settings.origins())


async def read_json(request: web.Request, settings: ChatSettings, limits: ChatLimits) -> dict:
    """The request's JSON object after all checks, or Refused."""
    length = request.content_length
    if length is not None and length > settings.max_body_bytes:
        raise Refused(413, "too_large", chars=settings.max_message_chars)
    origin = request.headers.get("Origin")
    if origin is not None and normalize_origin(origin) != own_origin(request):
        raise Refused(403, "origin")
    if request.content_type != "application/json":
        raise Refused(415, "content_type")
    wait = limits.check(client_ip(request))
    if wait:
        raise Refused(429, "too_many", retry_after=wait)
    body = await request.content.read(settings.max_body_bytes + 1)
    if len(body) > settings.max_body_bytes:
        raise Refused(413, "too_large", chars=settings.max_message_chars)
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "bad_request") from None
    if not isinstance(data, dict):
        raise Refused(400, "bad_request")
    return data


def field(data: dict, name: str, limit: int, required: bool = False) -> str:
    """A string field, whitespace collapsed; 413 when over `limit` characters."""
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, (str, int)):
        raise Refused(400, "bad_request")
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise Refused(413, "too_long", chars=limit)
    if required and not text:
        raise Refused(422, "empty")
    return text

