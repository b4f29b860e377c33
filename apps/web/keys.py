"""Typed keys for what the app and each request carry (aiohttp's AppKey / RequestKey)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from rathaus.config import Config
from rathaus.store import Store

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", Store)
SETTINGS = web.AppKey("web_settings", Any)   # apps.web.settings.WebSettings
LIVENESS = web.AppKey("liveness", Any)       # rathaus.liveness.Liveness of this process
CACHE = web.AppKey("cache", dict)            # lazily loaded heavy objects (assistant, synthesizer)

SESSION = web.RequestKey("session", Any)     # apps.web.sessions.Session | None
USER = web.RequestKey("user", Any)           # apps.web.users.User | None
