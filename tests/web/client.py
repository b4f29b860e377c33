"""The review page under test: a synchronous client over aiohttp's TestClient on the real app
(apps.site, as `rathaus serve` runs it) and a real SQLite store, plus rows as the phone bot and the
meeting worker write them. Used by every test of tests/web and the browser tests."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from pathlib import Path

import numpy as np
from aiohttp.test_utils import TestClient, TestServer

ADMIN_PW = "admin-passwort-123"
CLERK_PW = "clerk-passwort-123"


class Web:
    """A synchronous façade over aiohttp's TestClient so tests read top to bottom."""

    def __init__(self, config, store):
        from apps.site import create_site

        self.loop = asyncio.new_event_loop()
        self.store = store
        self.app = create_site(config, store)
        self.client = TestClient(TestServer(self.app), loop=self.loop)
        self.loop.run_until_complete(self.client.start_server())

    def close(self):
        self.loop.run_until_complete(self.client.close())
        self.loop.close()

    def request(self, method: str, path: str, **kwargs):
        async def go():
            kwargs.setdefault("allow_redirects", False)
            response = await self.client.request(method, path, **kwargs)
            body = await response.read()
            return response, body

        response, body = self.loop.run_until_complete(go())
        response.body = body
        response.text_ = body.decode("utf-8", "replace")
        return response

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.request("POST", path, **kwargs)

    def login(self, username: str, password: str):
        page = self.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text_).group(1)
        return self.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"})

    def logout_cookies(self):
        self.client.session.cookie_jar.clear()

    @property
    def csrf(self) -> str:
        page = self.get("/account")
        return re.search(r'data-csrf="([^"]*)"', page.text_).group(1)

    def form(self, path: str, data: dict, token: str | None = "auto"):
        if token == "auto":
            token = self.csrf
        payload = dict(data)
        if token is not None:
            payload["csrf_token"] = token
        return self.post(path, data=payload)


def insert_call(store, *, outcome="forwarded", language="de", started="2026-11-20T09:15:00.000+00:00",
                question="Wo beantrage ich einen Personalausweis?", action="forward", reason="no_match",
                service_id=None, latency=850.0, audio_path=None) -> str:
    """A call as the phone bot writes it: calls row, caller and bot turns, hand-off JSON."""
    call_id = str(uuid.uuid4())
    handoff = {"transcript": [{"role": "caller", "text": question}], "candidates": [], "language": language,
               "caller": "+49 30 1234***", "reason": reason} if action == "forward" else None
    with store.conn:
        store.conn.execute(
            "INSERT INTO calls (id, started_at, ended_at, caller, language, outcome, service_id, decision, handoff, audio_path)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (call_id, started, started, "+49 30 1234***", language, outcome, service_id, action,
             json.dumps(handoff, ensure_ascii=False) if handoff else None, audio_path))
        store.conn.execute(
            "INSERT INTO call_turns (call_id, idx, role, started_at, text, language, action, service_id, candidates, latency_ms)"
            " VALUES (?, 0, 'caller', ?, ?, ?, ?, ?, ?, ?)",
            (call_id, started, question, language, action, service_id,
             json.dumps([{"id": "s1", "name": "Personalausweis beantragen", "score": 0.31}]), latency))
        store.conn.execute(
            "INSERT INTO call_turns (call_id, idx, role, started_at, text, language) VALUES (?, 1, 'bot', ?, ?, ?)",
            (call_id, started, "Ich verbinde Sie mit dem Bürgerservice.", language))
    return call_id


def write_tone(path: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    from rathaus.speech.audio import write_wav

    t = np.arange(int(seconds * rate)) / rate
    return write_wav(path, 0.2 * np.sin(2 * np.pi * 440 * t), rate)


def insert_meeting(store, audio: Path | None = None) -> str:
    from meetings.records import create_meeting

    meeting_id = create_meeting(store, title="Bauausschuss 3. Sitzung", created_by="admin", source_name="sitzung.wav",
                                audio_path=audio or Path("/nonexistent.wav"), body="Bauausschuss", date="2026-11-19")
    words_a = [("Wir", 0.0, 0.3), ("kommen", 0.3, 0.6), ("zum", 0.6, 0.8), ("Personalausweis.", 0.8, 1.4)]
    words_b = [("Ich", 1.6, 1.8), ("stimme", 1.8, 2.1), ("zu.", 2.1, 2.4)]
    with store.conn:
        for idx, (speaker, words) in enumerate((("SPEAKER_00", words_a), ("SPEAKER_01", words_b))):
            store.conn.execute(
                "INSERT INTO meeting_segments (meeting_id, idx, speaker, start, end, text, words) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (meeting_id, idx, speaker, words[0][1], words[-1][2], " ".join(w for w, _, _ in words),
                 json.dumps([{"word": w, "start": s, "end": e, "probability": 0.9, "speaker": speaker} for w, s, e in words])))
        store.conn.execute("UPDATE meetings SET status = 'done', duration = 2.4, language = 'de' WHERE id = ?", (meeting_id,))
    return meeting_id


def audit_rows(store, action=None):
    sql, params = "SELECT * FROM audit_log", []
    if action:
        sql, params = sql + " WHERE action = ?", [action]
    return list(store.db.query(sql + " ORDER BY id", params))


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: "1" if m.group(1) in ("sid", "id") and m.group(2) else "x", path)


def catalog_service(store) -> str:
    """One service in the catalog (its id), for the pages that link calls to services."""
    from rathaus.catalog.model import Service
    from rathaus.catalog.repository import import_services

    import_services(store, [Service(id="hund", name="Hundesteuer anmelden", description="Anmeldung eines Hundes")], "test")
    return "hund"


def framing_restricted(csp: str, path: str) -> bool:
    """No framing at all, or (the embeddable chat only) framing by the sites its CSP names."""
    if "frame-ancestors 'none'" in csp:
        return True
    ancestors = next((d.split()[1:] for d in csp.split(";") if d.strip().startswith("frame-ancestors")), None)
    return path == "/chat" and ancestors is not None and "*" not in ancestors and "https:" not in ancestors


def check_headers(path: str, response) -> list[str]:
    """What is wrong with the security headers of one response (empty: all good)."""
    h = response.headers
    problems = []
    csp = h.get("Content-Security-Policy", "")
    if not csp:
        problems.append("no Content-Security-Policy")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP allows inline code: {csp}")
    if h.get("X-Frame-Options", "").upper() != "DENY" and not framing_restricted(csp, response.url.path):
        problems.append("framing allowed")
    if h.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append("no nosniff")
    if not h.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    return [f"{path} ({response.status}): {p}" for p in problems]


def get_paths(app, ids: dict[str, str]) -> list[str]:
    """Every GET route of the router, with its placeholders filled from `ids`."""
    paths = set()
    for route in app.router.routes():
        if route.method != "GET" or route.resource is None:
            continue
        canonical = route.resource.canonical
        if canonical.startswith("/static"):
            continue
        prefix = canonical.split("/")[1] if canonical.count("/") > 1 else ""
        paths.add(re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: ids.get(f"{prefix}.{m.group(1)}", ids.get(m.group(1), "x")),
                         canonical))
    return sorted(paths)
