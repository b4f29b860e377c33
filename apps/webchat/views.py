"""Routes of the public chat: the page (/chat), the embed snippet (/chat/embed.js), its static
files, and the JSON API (/api/chat/message, /api/chat/callback, /api/chat/speak).

Turns run on the chat's own small thread pool with a cap on waiting turns, so a flood of chat
messages is refused (429) instead of queuing up, and the phone's dialog threads are not shared.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import jinja2
from aiohttp import web

import prompts
from rathaus.errors import RathausError
from apps.web import catalog_bridge
from apps.web.keys import CONFIG, STORE
from apps.webchat.guard import Refused, embedder_allowed, field, page_csp, read_json
from apps.webchat.limits import ChatLimits
from apps.webchat.records import ChatStore
from apps.webchat.replies import RTL, t
from apps.webchat.settings import ChatSettings, chat_settings
from apps.webchat.turns import KINDS, WebDialog

log = logging.getLogger(__name__)
RUNTIME = web.AppKey("webchat", object)
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class Runtime:
    """What the chat keeps per app: settings, limits, its threads, and the dialog (lazily)."""

    def __init__(self, app: web.Application, settings: ChatSettings):
        self.app = app
        self.settings = settings
        self.limits = ChatLimits(settings.per_address_per_minute, settings.global_per_minute)
        self.executor = ThreadPoolExecutor(max_workers=max(1, settings.workers), thread_name_prefix="webchat")
        self.pending = 0
        self._dialog: WebDialog | None = None
        self._lock = threading.Lock()
        self.env = jinja2.Environment(loader=jinja2.PackageLoader("apps.webchat", "templates"),
                                      autoescape=jinja2.select_autoescape(["html", "js"], default=True))

    def dialog(self) -> WebDialog:
        with self._lock:
            if self._dialog is None:
                chats = ChatStore(self.app[STORE], self.settings.idle_minutes)
                self._dialog = WebDialog(catalog_bridge.assistant(self.app), chats, self.settings.office)
            return self._dialog

    async def run(self, fn, *args):
        """A blocking job on the chat's threads; 429 when too many already wait."""
        if self.pending >= self.settings.max_pending:
            raise Refused(429, "busy", retry_after=5)
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)
        finally:
            self.pending -= 1


@functools.lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """Languages with chat texts, German first (prompt files do not change while running)."""
    found = [lang for lang in prompts.languages() if prompts.has("webchat.title", lang)]
    return tuple(sorted(found, key=lambda lang: (lang != "de", lang)))


def _lang(value: str | None) -> str:
    value = (value or "de").strip().lower()[:5]
    return value if value in languages() else "de"


def setup(app: web.Application) -> None:
    settings = chat_settings(app[CONFIG])
    if not settings.enabled:
        return
    app[RUNTIME] = Runtime(app, settings)
    app.router.add_get("/chat", chat_page)
    app.router.add_get("/chat/embed.js", embed_js)
    app.router.add_static("/chat/static/", Path(str(resources.files("apps.webchat").joinpath("static"))),
                          name="chat_static", append_version=True)
    app.router.add_post("/api/chat/message", message_api)
    app.router.add_post("/api/chat/callback", callback_api)
    app.router.add_post("/api/chat/speak", speak_api)
    app.on_cleanup.append(_shutdown)


async def _shutdown(app: web.Application) -> None:
    app[RUNTIME].executor.shutdown(wait=False, cancel_futures=True)


def _strings(lang: str) -> dict:
    """The page's texts in `lang`, German where a key is missing."""
    merged = {**prompts.raw("webchat.page", "de"), **(prompts.raw("webchat.page", lang) or {})}
    return {k: v for k, v in merged.items() if isinstance(v, str)}


async def chat_page(request: web.Request) -> web.Response:
    runtime: Runtime = request.app[RUNTIME]
    lang = _lang(request.query.get("lang"))
    embed = request.query.get("embed") == "1"
    csp = page_csp(runtime.settings)
    if embed and not embedder_allowed(request, runtime.settings):
        return web.Response(status=403, text=t("errors.embed_refused", lang), content_type="text/plain",
                            charset="utf-8", headers={"Content-Security-Policy": csp})
    static = request.app.router["chat_static"]
    html = runtime.env.get_template("chat.html").render(
        lang=lang, dir="rtl" if lang in RTL else "ltr", embed=embed, s=_strings(lang),
        languages=[(code, prompts.text("webchat.language_name", code)) for code in languages()],
        strings_json=json.dumps(_strings(lang), ensure_ascii=False).replace("<", "\\u003c"),
        css=static.url_for(filename="chat.css"), js=static.url_for(filename="chat.js"),
        max_chars=runtime.settings.max_message_chars)
    if runtime._dialog is None:  # load the catalog index while the citizen reads the page
        runtime.executor.submit(_warm, runtime)
    return web.Response(text=html, content_type="text/html", charset="utf-8",
                        headers={"Content-Security-Policy": csp})


def _warm(runtime: Runtime) -> None:
    try:
        runtime.dialog()
    except Exception as exc:  # the first message reports it
        log.warning("chat: catalog not loaded: %s", exc)


async def embed_js(request: web.Request) -> web.Response:
    titles = {code: prompts.text("webchat.frame_title", code) for code in languages()}
    body = resources.files("apps.webchat").joinpath("embed.js").read_text(encoding="utf-8")
    body = body.replace("/*TITLES*/{}", json.dumps(titles, ensure_ascii=False).replace("<", "\\u003c"))
    return web.Response(text=body, content_type="application/javascript", charset="utf-8",
                        headers={"Cache-Control": "public, max-age=3600", "Cross-Origin-Resource-Policy": "cross-origin"})


async def _api(request: web.Request, handler) -> web.Response:
    runtime: Runtime = request.app[RUNTIME]
    lang = _lang(request.query.get("lang"))
    try:
        data = await read_json(request, runtime.settings, runtime.limits)
        lang = _lang(str(data.get("lang") or lang))
        return await handler(runtime, data, lang)
    except Refused as refused:
        return refused.response(lang)
    except RathausError as exc:
        log.warning("chat: %s", exc)
        return Refused(503, "unavailable").response(lang)


async def message_api(request: web.Request) -> web.Response:
    async def handle(runtime: Runtime, data: dict, lang: str) -> web.Response:
        kind = str(data.get("kind") or "text")
        if kind not in KINDS:
            raise Refused(400, "bad_request")
        text = field(data, "text", runtime.settings.max_message_chars, required=kind == "text")
        token = field(data, "token", 64) or None
        reply = await runtime.run(lambda: runtime.dialog().message(token, text, lang, kind))
        return web.json_response(reply)

    return await _api(request, handle)


async def callback_api(request: web.Request) -> web.Response:
    async def handle(runtime: Runtime, data: dict, lang: str) -> web.Response:
        name = field(data, "name", 120, required=True)
        phone = field(data, "phone", 40)
        email = field(data, "email", 200)
        message = field(data, "message", 1000)
        if phone and len(re.sub(r"\D", "", phone)) < 3 or re.search(r"[^\d +()/.-]", phone):
            raise Refused(422, "phone")
        if email and not _EMAIL.match(email):
            raise Refused(422, "email")
        if not phone and not email:
            raise Refused(422, "reach")

        def save() -> dict:
            dialog = runtime.dialog()
            chat = dialog.chats.load(field(data, "token", 64) or None)
            if chat is None:
                raise Refused(409, "expired")
            dialog.chats.add_callback(chat, name, phone, email, message, chat.state.service_id)
            return {"ok": True, "text": t("callback_saved", lang, name=name), "reference": chat.call_id}

        return web.json_response(await runtime.run(save))

    return await _api(request, handle)


async def speak_api(request: web.Request) -> web.Response:
    """One stored reply of this conversation as WAV (our own TTS): only replies the conversation
    got, so the endpoint cannot be used to synthesize arbitrary text."""
    async def handle(runtime: Runtime, data: dict, lang: str) -> web.Response:
        try:
            turn = int(data.get("turn"))
        except (TypeError, ValueError):
            raise Refused(400, "bad_request") from None

        def synth() -> bytes:
            chats = runtime.dialog().chats
            chat = chats.load(field(data, "token", 64) or None)
            found = chats.reply_text(chat.call_id, turn) if chat else None
            if found is None:
                raise Refused(404, "no_reply")
            return _wav(runtime.app, *found)

        return web.Response(body=await runtime.run(synth), content_type="audio/wav")

    return await _api(request, handle)


def _wav(app: web.Application, text: str, language: str) -> bytes:
    from apps.web.views.testcall import _synthesizer

    try:
        samples, rate = _synthesizer(app).synthesize(text, language=language)
    except Exception as exc:
        log.warning("chat: speech synthesis failed: %s", exc)
        raise Refused(503, "no_speech") from None
    from rathaus.speech.audio import wav_bytes

    return wav_bytes(samples, rate)
