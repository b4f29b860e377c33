"""The review web page through aiohttp's test client: the real app on a real SQLite file.

Covers: login required on every route, CSRF on every state change, roles, login rate limiting,
the audit log, calls (filters, detail, hand-off JSON, learning loop), meetings (streamed upload
with size limit, job queued, speaker rename, text correction, minutes, exports, Range audio),
search with highlighting, dashboard figures and the `rathaus users` command.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from pathlib import Path

import numpy as np
import pytest
from aiohttp import FormData
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


@pytest.fixture
def web(config, store, monkeypatch):
    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    w = Web(config, store)
    from apps.web.users import create_user

    create_user(store, "clara", CLERK_PW, "clerk")
    yield w
    w.close()


@pytest.fixture
def admin(web):
    assert web.login("admin", ADMIN_PW).status == 302
    return web


@pytest.fixture
def clerk(web):
    assert web.login("clara", CLERK_PW).status == 302
    return web


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


# --- auth everywhere -----------------------------------------------------------------------------

def test_every_route_needs_a_session(web):
    from apps.web.security import is_public

    checked = 0
    for resource in web.app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter")
        if not path or is_public(path) or path.startswith("/static"):
            continue
        for route in resource:
            if route.method == "HEAD":
                continue
            response = web.request(route.method, fill(path))
            checked += 1
            if route.method == "GET" and not path.startswith("/api/"):
                assert response.status == 302 and response.headers["Location"].startswith("/login?next="), path
            else:
                assert response.status == 401, (route.method, path, response.status)
    assert checked >= 30
    assert web.get("/static/app.css").status == 200
    assert web.get("/healthz").status == 200


def test_first_admin_from_environment_and_generated_once(config, store, monkeypatch, capsys):
    from apps.web.users import authenticate, ensure_first_admin, list_users

    monkeypatch.delenv("RATHAUS_ADMIN_PASSWORD", raising=False)
    generated = ensure_first_admin(store, "chef")
    assert generated and generated in capsys.readouterr().err
    assert authenticate(store, "chef", generated) is not None
    assert ensure_first_admin(store, "chef") is None  # never again
    assert [u.role for u in list_users(store)] == ["admin"]
    hash_ = store.conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert hash_.startswith("$argon2id$") and generated not in hash_


def test_login_sets_secure_session_cookie_and_logout_ends_it(web, store):
    response = web.login("admin", ADMIN_PW)
    cookie = response.headers["Set-Cookie"]
    assert "rathaus_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1 with secure_cookies = auto
    assert web.get("/").status == 200
    assert store.conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1
    assert web.form("/logout", {}).status == 302
    assert store.conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    assert web.get("/").status == 302


def test_cookie_secure_behind_https_proxy(web):
    page = web.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text_).group(1)
    response = web.post("/login", data={"username": "admin", "password": ADMIN_PW, "csrf_token": token},
                        headers={"X-Forwarded-Proto": "https"})
    assert response.status == 302 and "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_and_unknown_user_fail_alike(web, store):
    assert web.login("admin", "falsch-falsch-falsch").status == 401
    assert web.login("niemand", "falsch-falsch-falsch").status == 401
    assert len(audit_rows(store, "login_failed")) == 2


def test_login_without_csrf_is_rejected(web):
    response = web.post("/login", data={"username": "admin", "password": ADMIN_PW})
    assert response.status == 403 and "rathaus_session" not in response.headers.get("Set-Cookie", "")


def test_login_rate_limit(web, store):
    for _ in range(5):
        assert web.login("clara", "falsches-passwort").status == 401
    blocked = web.login("clara", CLERK_PW)  # right password, but too many failures
    assert blocked.status == 429 and "Retry-After" in blocked.headers
    assert web.login("admin", ADMIN_PW).status == 302  # other names are not locked out
    reasons = [json.loads(r["detail"] or "{}").get("reason") for r in audit_rows(store, "login_failed")]
    assert "rate_limited" in reasons


# --- CSRF and roles ------------------------------------------------------------------------------

def test_state_changes_need_the_csrf_token(admin, store):
    call_id = insert_call(store)
    for token in (None, "falsch"):
        response = admin.form(f"/calls/{call_id}/service", {"service_id": ""}, token=token)
        assert response.status == 403
    response = admin.post(f"/calls/{call_id}/service", data={"service_id": ""}, headers={"X-CSRF-Token": admin.csrf})
    assert response.status == 302
    assert admin.form("/logout", {}, token=None).status == 403


def test_upload_without_csrf_is_rejected_and_leaves_no_file(admin, store, config, tmp_path):
    form = FormData()
    form.add_field("file", write_tone(tmp_path / "a.wav").read_bytes(), filename="a.wav", content_type="audio/wav")
    response = admin.post("/meetings", data=form)
    assert response.status == 403
    folder = config.data_dir / "meetings"
    assert not any(p.is_file() for p in folder.rglob("*")) if folder.exists() else True
    assert store.conn.execute("SELECT count(*) FROM meetings").fetchone()[0] == 0


def test_clerk_cannot_open_admin_pages(clerk, store):
    call_id = insert_call(store)
    for path in ("/admin/users", "/admin/audit", "/admin/catalog/import"):
        assert clerk.get(path).status == 403, path
    assert clerk.form(f"/admin/calls/{call_id}/delete", {}).status == 403
    assert clerk.form("/admin/users", {"username": "eve", "password": "x" * 12, "role": "admin"}).status == 403
    assert store.conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 1


def test_admin_manages_users(admin, store):
    assert admin.get("/admin/users").status == 200
    assert admin.form("/admin/users", {"username": "bert", "password": "bert-passwort-1", "role": "clerk"}).status == 302
    assert admin.form("/admin/users", {"username": "kurz", "password": "kurz", "role": "clerk"}).status == 400
    bert = store.conn.execute("SELECT id FROM users WHERE username = 'bert'").fetchone()[0]
    assert admin.form(f"/admin/users/{bert}", {"role": "admin", "active": "1"}).status == 302
    assert store.conn.execute("SELECT role FROM users WHERE id = ?", (bert,)).fetchone()[0] == "admin"
    me = store.conn.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]
    assert admin.form(f"/admin/users/{bert}", {"role": "clerk"}).status == 302  # deactivates bert (no active box)
    assert admin.form(f"/admin/users/{me}", {"role": "clerk", "active": "1"}).status == 400  # last admin stays
    assert [e["action"] for e in audit_rows(store, "create")] == ["create"]


# --- calls ---------------------------------------------------------------------------------------

def test_call_list_filters_and_detail(admin, store):
    a = insert_call(store, outcome="answered", language="de", started="2026-11-18T10:00:00.000+00:00",
                    question="Was kostet ein Reisepass?", action="answer", service_id="reisepass")
    b = insert_call(store, outcome="forwarded", language="en", started="2026-11-20T10:00:00.000+00:00",
                    question="Where do I register my dog?")
    listing = admin.get("/calls")
    assert listing.status == 200 and a in listing.text_ and b in listing.text_
    assert b in admin.get("/calls?language=en").text_ and a not in admin.get("/calls?language=en").text_
    assert a in admin.get("/calls?outcome=answered").text_ and b not in admin.get("/calls?outcome=answered").text_
    assert b in admin.get("/calls?from=2026-11-19").text_ and a not in admin.get("/calls?from=2026-11-19").text_
    assert a in admin.get("/calls?to=2026-11-18").text_ and b not in admin.get("/calls?to=2026-11-18").text_
    assert a in admin.get("/calls?service=reisepass").text_ and b not in admin.get("/calls?service=reisepass").text_
    detail = admin.get(f"/calls/{b}")
    assert detail.status == 200 and "Where do I register my dog?" in detail.text_ and "no_match" in detail.text_
    assert admin.get("/calls/does-not-exist").status == 404


def test_handoff_json(admin, store):
    call_id = insert_call(store, question="Ich möchte mit jemandem sprechen", reason="asked_for_human")
    response = admin.get(f"/api/calls/{call_id}/handoff")
    assert response.status == 200 and response.headers["Content-Type"].startswith("application/json")
    record = json.loads(response.text_)
    assert record["call_id"] == call_id and record["handoff"]["reason"] == "asked_for_human"
    assert record["handoff"]["transcript"][0]["text"] == "Ich möchte mit jemandem sprechen"
    assert any(r["object_type"] == "call_handoff" and r["object_id"] == call_id for r in audit_rows(store, "view"))


def test_call_audio_supports_range(admin, store, tmp_path):
    audio = write_tone(tmp_path / "call.wav", 1.0, 8000)
    call_id = insert_call(store, audio_path=str(audio))
    response = admin.get(f"/calls/{call_id}/audio", headers={"Range": "bytes=0-99"})
    assert response.status == 206 and len(response.body) == 100
    assert response.headers["Content-Range"].startswith("bytes 0-99/")


def _catalog_service(store):
    pytest.importorskip("rathaus.catalog.repository")
    from rathaus.catalog.model import Service
    from rathaus.catalog.repository import import_services

    import_services(store, [Service(id="hund", name="Hundesteuer anmelden", description="Anmeldung eines Hundes")], "test")
    return "hund"


def test_staff_correction_teaches_the_catalog_a_synonym(admin, store):
    service_id = _catalog_service(store)
    call_id = insert_call(store, question="Ich hab nen neuen WauWau, was muss ich tun?")
    response = admin.form(f"/calls/{call_id}/service",
                          {"service_id": service_id, "phrase": "Ich hab nen neuen WauWau, was muss ich tun?", "learn": "on"})
    assert response.status == 302 and "ok=service_set" in response.headers["Location"]
    assert store.conn.execute("SELECT corrected_service_id FROM calls WHERE id = ?", (call_id,)).fetchone()[0] == service_id
    phrases = [r[0] for r in store.conn.execute("SELECT phrase FROM catalog_synonyms WHERE service_id = ?", (service_id,))]
    assert "Ich hab nen neuen WauWau, was muss ich tun?" in phrases
    changes = [json.loads(r["detail"]) for r in audit_rows(store, "change") if r["object_type"] == "service"]
    assert changes and changes[0]["synonym_added"].startswith("Ich hab nen")
    # corrected calls leave the list of catalog gaps
    from apps.web.stats import catalog_gaps

    assert all(g["call_id"] != call_id for g in catalog_gaps(store))
    unknown = admin.form(f"/calls/{call_id}/service", {"service_id": "gibt-es-nicht", "phrase": "x"})
    assert "err=unknown_service" in unknown.headers["Location"]


def test_catalog_pages_and_synonyms(admin, store):
    service_id = _catalog_service(store)
    assert "Hundesteuer anmelden" in admin.get("/catalog").text_
    assert admin.form(f"/catalog/{service_id}/synonyms", {"phrase": "Bello anmelden"}).status == 302
    assert "Bello anmelden" in admin.get(f"/catalog/{service_id}").text_
    assert admin.form(f"/catalog/{service_id}/synonyms/delete", {"phrase": "Bello anmelden"}).status == 302
    assert "Bello anmelden" not in admin.get(f"/catalog/{service_id}").text_


def test_admin_deletes_a_call(admin, store, tmp_path):
    audio = write_tone(tmp_path / "c.wav")
    call_id = insert_call(store, audio_path=str(audio))
    assert admin.form(f"/admin/calls/{call_id}/delete", {}).status == 302
    assert store.conn.execute("SELECT count(*) FROM call_turns WHERE call_id = ?", (call_id,)).fetchone()[0] == 0
    assert not audio.exists()
    assert any(r["object_id"] == call_id for r in audit_rows(store, "delete"))


def test_admin_imports_a_catalog_file(admin, store, tmp_path):
    pytest.importorskip("rathaus.catalog.repository")
    catalog = {"services": [{"id": "fischerei", "name": "Fischereischein beantragen", "description": "Angeln",
                             "synonyms": ["Angelschein"]}]}
    form = FormData()
    form.add_field("csrf_token", admin.csrf)
    form.add_field("format", "json")
    form.add_field("file", json.dumps(catalog).encode(), filename="katalog.json", content_type="application/json")
    response = admin.post("/admin/catalog/import", data=form)
    assert response.status == 200, response.text_
    assert "Import abgeschlossen" in response.text_
    assert store.conn.execute("SELECT name FROM catalog_services WHERE id = 'fischerei'").fetchone()[0] == "Fischereischein beantragen"
    bad = FormData()
    bad.add_field("csrf_token", admin.csrf)
    bad.add_field("file", b"{kaputt", filename="kaputt.json", content_type="application/json")
    broken = admin.post("/admin/catalog/import", data=bad)
    assert broken.status == 400 and "Fischereischein" not in broken.text_
    assert [r["object_id"] for r in audit_rows(store, "import")] == ["katalog.json", "kaputt.json"]
    audit_page = admin.get("/admin/audit?action=import")
    assert audit_page.status == 200 and "katalog.json" in audit_page.text_


# --- search --------------------------------------------------------------------------------------

def test_search_finds_calls_and_meetings_with_highlight(admin, store):
    insert_call(store, question="Wo beantrage ich einen Personalausweis?")
    insert_call(store, question="<script>alert(1)</script> Ausweis verloren")
    meeting_id = insert_meeting(store)
    response = admin.get("/search?q=ausweis")
    assert response.status == 200
    assert response.text_.count("<mark>") >= 3
    assert "Personal<mark>ausweis</mark>" in response.text_
    assert f"/meetings/{meeting_id}?seg=" in response.text_
    assert "<script>alert(1)</script>" not in response.text_ and "&lt;script&gt;" in response.text_
    only_meetings = admin.get("/search?q=ausweis&kind=meeting").text_
    assert "/calls/" not in only_meetings.split("<main")[1]
    assert "mindestens" in admin.get("/search?q=ab").text_
    # the index follows corrections
    seg_id = store.conn.execute("SELECT id FROM meeting_segments WHERE meeting_id = ? AND idx = 1", (meeting_id,)).fetchone()[0]
    admin.form(f"/meetings/{meeting_id}/segments/{seg_id}", {"text": "Ich lehne den Bebauungsplan ab."})
    assert "<mark>Bebauungsplan</mark>" in admin.get("/search?q=Bebauungsplan").text_
    assert any(json.loads(r["detail"])["q"] == "ausweis" for r in audit_rows(store, "search"))


# --- meetings ------------------------------------------------------------------------------------

def _upload(web, path: Path, token: str | None = None, **fields):
    form = FormData()
    form.add_field("csrf_token", token or web.csrf)
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", path.open("rb"), filename=path.name, content_type="audio/wav")
    return web.post("/meetings", data=form, headers={"X-Requested-With": "fetch", "Accept": "application/json"})


def test_meeting_upload_streams_to_disk_and_queues_a_job(admin, store, tmp_path):
    audio = write_tone(tmp_path / "rat.wav", 2.0)
    response = _upload(admin, audio, title="Gemeinderat", speakers="2", date="2026-11-19")
    assert response.status == 201, response.text_
    created = json.loads(response.text_)
    meeting = store.db["meetings"].get(created["id"])
    assert meeting["title"] == "Gemeinderat" and meeting["source_name"] == "rat.wav"
    assert Path(meeting["audio_path"]).read_bytes() == audio.read_bytes()
    job = store.db["jobs"].get(created["job"])
    assert job["ref"] == created["id"] and job["status"] == "queued"
    params = json.loads(job["params"])
    assert params["num_speakers"] == 2 and params["source"] == meeting["audio_path"]
    status = json.loads(admin.get(f"/api/meetings/{created['id']}/status").text_)
    assert status["job"]["status"] == "queued" and status["job"]["percent"] == 0
    assert any(r["object_id"] == created["id"] for r in audit_rows(store, "upload"))


def test_meeting_upload_over_the_limit_is_rejected_cleanly(rathaus_home, store, tmp_path, monkeypatch):
    from rathaus.config import Config

    cfg_file = tmp_path / "small.toml"
    cfg_file.write_text("[web]\nmax_upload_mb = 1\n")
    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    web = Web(Config.load(cfg_file), store)
    try:
        assert web.login("admin", ADMIN_PW).status == 302
        big = write_tone(tmp_path / "lang.wav", 40.0)  # 1.28 MB
        response = _upload(web, big)
        assert response.status == 413 and "1 MB" in json.loads(response.text_)["error"]
        assert store.conn.execute("SELECT count(*) FROM meetings").fetchone()[0] == 0
        folder = rathaus_home / "meetings"
        assert not [p for p in folder.rglob("*") if p.is_file()]
        small = write_tone(tmp_path / "kurz.wav", 5.0)
        assert _upload(web, small).status == 201  # the limit is not a blanket refusal
    finally:
        web.close()


def test_meeting_view_rename_correct_minutes_and_exports(admin, store, tmp_path):
    audio = write_tone(tmp_path / "m.wav", 3.0)
    meeting_id = insert_meeting(store, audio)
    page = admin.get(f"/meetings/{meeting_id}")
    assert page.status == 200
    assert 'class="w" data-s="0.8" data-e="1.4">Personalausweis.</span>' in page.text_
    assert "spk-0" in page.text_ and "spk-1" in page.text_
    assert admin.form(f"/meetings/{meeting_id}/speakers", {"label": "SPEAKER_01", "name": "Frau Weber"}).status == 302
    assert "Frau Weber" in admin.get(f"/meetings/{meeting_id}").text_
    assert admin.form(f"/meetings/{meeting_id}/speakers", {"label": "SPEAKER_99", "name": "X"}).status == 404
    seg = store.conn.execute("SELECT id FROM meeting_segments WHERE meeting_id = ? AND idx = 0", (meeting_id,)).fetchone()[0]
    assert admin.form(f"/meetings/{meeting_id}/segments/{seg}", {"text": "Wir kommen zum Reisepass."}).status == 302
    words = json.loads(store.db["meeting_segments"].get(seg)["words"])
    assert [w["word"] for w in words] == ["Wir", "kommen", "zum", "Reisepass."] and words[3]["start"] == 0.8
    assert admin.form(f"/meetings/{meeting_id}/minutes", {"protocol_md": "# Niederschrift\n\nTOP 1: beschlossen.\n"}).status == 302
    admin.form(f"/meetings/{meeting_id}/meta", {"title": "Sitzung über Müll", "body": "Rat", "date": "2026-11-19", "place": ""})
    md = admin.get(f"/meetings/{meeting_id}/export/md")
    assert md.status == 200 and md.text_.startswith("# Niederschrift") and "attachment" in md.headers["Content-Disposition"]
    assert "filename*=UTF-8''Sitzung_%C3%BCber_M%C3%BCll-protocol.md" in md.headers["Content-Disposition"]
    assert admin.get(f"/meetings/{meeting_id}/export/exe").status == 404
    audio_part = admin.get(f"/meetings/{meeting_id}/audio", headers={"Range": "bytes=44-1043"})
    assert audio_part.status == 206 and len(audio_part.body) == 1000
    actions = {(r["action"], r["object_type"]) for r in audit_rows(store)}
    assert {("change", "meeting_speaker"), ("change", "meeting_segment"), ("change", "meeting_minutes"),
            ("export", "meeting"), ("view", "meeting")} <= actions


def test_meeting_exports_in_every_format(admin, store, tmp_path):
    pytest.importorskip("meetings.export")
    pytest.importorskip("meetings.minutes")
    meeting_id = insert_meeting(store, write_tone(tmp_path / "m.wav", 3.0))
    admin.form(f"/meetings/{meeting_id}/speakers", {"label": "SPEAKER_00", "name": "Herr Vorsitzender"})
    from meetings.export import EXPORTS

    for kind in EXPORTS:
        response = admin.get(f"/meetings/{meeting_id}/export/{kind}")
        assert response.status == 200, (kind, response.text_[:300])
        assert len(response.body) > 20, kind
    assert "Herr Vorsitzender" in admin.get(f"/meetings/{meeting_id}/export/vtt").text_
    assert admin.get(f"/meetings/{meeting_id}/export/pdf").body.startswith(b"%PDF")


def test_admin_deletes_a_meeting(admin, store, config):
    from apps.web.settings import upload_dir

    meeting_id = insert_meeting(store)
    folder = upload_dir(config) / meeting_id
    folder.mkdir(parents=True)
    write_tone(folder / "aufnahme.wav")
    assert admin.form(f"/admin/meetings/{meeting_id}/delete", {}).status == 302
    assert not folder.exists() and upload_dir(config).exists()
    assert store.conn.execute("SELECT count(*) FROM meeting_segments").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM meeting_segments_fts WHERE meeting_segments_fts MATCH 'Personalausweis'").fetchone()[0] == 0


# --- dashboard -----------------------------------------------------------------------------------

def test_dashboard_figures_and_charts(admin, store):
    from datetime import date, datetime, timezone

    today = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    insert_call(store, outcome="answered", action="answer", service_id="reisepass", question="Reisepass Kosten?",
                started=today, latency=600)
    insert_call(store, outcome="answered", action="answer", service_id="reisepass", question="Pass verlängern",
                started=today, latency=1200)
    insert_call(store, outcome="forwarded", question="Wann ist Sperrmüll?", started=today, latency=900)
    insert_call(store, outcome="forwarded", question="wann ist sperrmüll?", started=today, latency=700)
    insert_call(store, outcome="forwarded", question="Ich will einen Menschen", reason="asked_for_human", started=today)
    from apps.web.stats import dashboard

    figures = dashboard(store, 30, date.today())
    assert figures.total == 5 and dict(figures.outcomes) == {"answered": 2, "forwarded": 3}
    assert figures.days[-1][1] == 5 and len(figures.days) == 30
    assert figures.top_services[0] == ("reisepass", 2)
    assert [(g["text"].lower(), g["count"]) for g in figures.gaps] == [("wann ist sperrmüll?", 2)]
    assert figures.latency["count"] == 5 and figures.latency["p50"] == 850
    page = admin.get("/")
    assert page.status == 200 and page.text_.count("<svg") >= 4 and "Sperrmüll" in page.text_
    api = json.loads(admin.get("/api/dashboard").text_)
    assert api["total"] == 5


# --- security headers, CLI -----------------------------------------------------------------------

def test_security_headers(admin):
    response = admin.get("/calls")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["Cache-Control"] == "no-store"
    # every asset and link stays on this server (no CDN); CSRF tokens are random text, so
    # look at the attributes, not for substrings
    targets = re.findall(r'(?:src|href|action)="([^"]*)"', response.text_)
    assert targets and all(t.startswith(("/", "#", "?")) for t in targets), targets


def test_users_cli(cli, store):
    result = cli("users", "add", "doris", "--role", "admin", "--password-stdin", input="doris-passwort-1\n")
    assert result.returncode == 0, result.stderr
    listed = cli("users", "list", "--json")
    assert {json.loads(l)["username"]: json.loads(l)["role"] for l in listed.stdout.splitlines()}["doris"] == "admin"
    short = cli("users", "add", "emil", "--password-stdin", input="kurz\n")
    assert short.returncode == 2 and short.stderr.startswith("rathaus: ") and "10 Zeichen" in short.stderr
    assert cli("users", "passwd", "doris", "--password-stdin", input="neues-passwort-2\n").returncode == 0
    from apps.web.users import authenticate

    assert authenticate(store, "doris", "neues-passwort-2") is not None
    assert cli("users", "passwd", "niemand", "--password-stdin", input="x" * 12 + "\n").returncode == 2
    assert "users" in cli("--help").stdout


def test_catalog_gaps_with_the_phone_bots_own_reasons(store):
    """Reasons as the phone bot writes them (German texts from prompts/de/phone.toml)."""
    import prompts
    from apps.web.stats import catalog_gaps

    if not prompts.has("phone.reason.request", "de"):
        pytest.skip("phone prompts not installed")
    insert_call(store, question="Verbinden Sie mich bitte mit einem Menschen", reason=prompts.text("phone.reason.request"))
    two_tries = insert_call(store, question="Wie melde ich ein Osterfeuer an?", reason=prompts.text("phone.reason.not_understood"))
    with store.conn:
        store.conn.execute(
            "INSERT INTO call_turns (call_id, idx, role, started_at, text, language, action) VALUES (?, 2, 'caller', ?, ?, 'de', 'forward')",
            (two_tries, "2026-11-20T09:15:05.000+00:00", "Osterfeuer anmelden, wo geht das?"))
    gaps = {g["text"] for g in catalog_gaps(store)}
    assert gaps == {"Wie melde ich ein Osterfeuer an?", "Osterfeuer anmelden, wo geht das?"}


def test_passwords_own_change_and_admin_reset(web, store):
    assert web.login("clara", CLERK_PW).status == 302
    assert web.form("/account/password", {"current": "falsch-falsch", "password": "neu-passwort-1", "password2": "neu-passwort-1"}).status == 400
    assert web.form("/account/password", {"current": CLERK_PW, "password": "neu-passwort-1", "password2": "anders-passwort"}).status == 400
    changed = web.form("/account/password", {"current": CLERK_PW, "password": "neu-passwort-1", "password2": "neu-passwort-1"})
    assert changed.status == 302 and changed.headers["Location"].startswith("/login")
    assert web.get("/").status == 302  # the old session ended with the new password
    assert web.login("clara", "neu-passwort-1").status == 302
    web.logout_cookies()
    assert web.login("admin", ADMIN_PW).status == 302
    clara = store.conn.execute("SELECT id FROM users WHERE username = 'clara'").fetchone()[0]
    assert web.form(f"/admin/users/{clara}/password", {"password": "zurueckgesetzt-1"}).status == 302
    assert web.form(f"/admin/users/{clara}/password", {"password": "kurz"}).status == 400
    from apps.web.users import authenticate

    assert authenticate(store, "clara", "zurueckgesetzt-1") is not None


def test_failed_job_can_be_retried(admin, store):
    jobs = pytest.importorskip("meetings.jobs")
    meeting_id = insert_meeting(store)
    job_id = jobs.enqueue_meeting(store, meeting_id, {})
    assert "err=retry_impossible" in admin.form(f"/meetings/{meeting_id}/retry", {}).headers["Location"]
    jobs.fail(store, job_id, "ffmpeg: Datei beschädigt")
    with store.conn:
        store.conn.execute("UPDATE meetings SET status = 'failed' WHERE id = ?", (meeting_id,))
    page = admin.get(f"/meetings/{meeting_id}")
    assert "ffmpeg: Datei beschädigt" in page.text_ and "Erneut versuchen" in page.text_
    assert "ok=retry_queued" in admin.form(f"/meetings/{meeting_id}/retry", {}).headers["Location"]
    assert jobs.get_job(store, job_id).status == "queued"
    assert admin.get(f"/meetings/{meeting_id}/minutes").status == 200


def test_sessions_are_stored_hashed_and_expire(web, store):
    response = web.login("clara", CLERK_PW)
    token = re.search(r"rathaus_session=([^;]+)", response.headers["Set-Cookie"]).group(1)
    stored = store.conn.execute("SELECT token_hash FROM sessions").fetchone()[0]
    assert token not in stored and len(stored) == 64
    assert web.get("/calls").status == 200
    with store.conn:
        store.conn.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000+00:00'")
    assert web.get("/calls").status == 302
    assert store.conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
