"""Security of the review page, checked against the real aiohttp app on a real SQLite file.

- Every page an admin can open (all GET routes of app.router, with real ids) carries a strict
  Content-Security-Policy (no 'unsafe-inline'/'unsafe-eval'), frame-ancestors 'none' and
  X-Frame-Options, nosniff and a Referrer-Policy; so do redirects, 404s and static files.
- The templates (and the rendered pages) hold no inline executable script, no inline event
  handler and no style attribute, so the CSP needs no exceptions.
- Path traversal: raw request paths with ../ and %2e%2e never leave the static folder, meeting
  and call routes with ../ ids find nothing, and an upload named ../../etc/passwd is stored
  inside the upload folder.
- Secrets: the admin password, [llm] api_key, [meetings] pyannote_token and the session cookie
  never appear in logs, the audit log, the database or `rathaus config show`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
from pathlib import Path

import pytest
from aiohttp import FormData

from tests.web.client import ADMIN_PW, Web, catalog_service, check_headers, get_paths, insert_call, insert_meeting, write_tone

TEMPLATES = Path(__file__).resolve().parents[2] / "apps" / "web" / "templates"
LLM_KEY = "sk-llm-geheim-4711-abcdef"
HUB_TOKEN = "hf_hubtoken_geheim_0815_xyz"


def test_every_page_has_the_security_headers(admin, store, tmp_path):
    audio = write_tone(tmp_path / "m.wav", 1.0)
    ids = {"meetings.id": insert_meeting(store, audio), "calls.id": insert_call(store, audio_path=str(audio)),
           "api.id": "", "catalog.id": catalog_service(store), "kind": "md", "sid": "0"}
    ids["api.id"] = ids["meetings.id"]
    paths = get_paths(admin.app, ids)
    assert "/meetings/{}/export/md".format(ids["meetings.id"]) in paths and "/admin/audit" in paths
    problems, html_pages = [], 0
    for path in paths:
        response = admin.get(path)
        assert response.status < 500, (path, response.text_[:500])
        problems += check_headers(path, response)
        if response.content_type == "text/html":
            html_pages += 1
            problems += [f"{path}: {p}" for p in _inline_code(response.text_)]
    # the other responses: static files, 404, the redirect to the login page
    problems += check_headers("/static/app.js", admin.get("/static/app.js"))
    problems += check_headers("/meetings/unknown", admin.get("/meetings/unknown"))
    admin.logout_cookies()
    anonymous = admin.get("/calls")
    assert anonymous.status == 302
    problems += check_headers("/calls (anonymous)", anonymous)
    problems += check_headers("/login", admin.get("/login"))
    assert html_pages >= 10, html_pages
    assert not problems, "\n".join(problems)


# --- no inline code in the templates -------------------------------------------------------------

SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE)
STYLE_ATTR = re.compile(r"""<[^>]*\sstyle\s*=""", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _inline_code(html: str) -> list[str]:
    """Inline scripts, event handlers, style attributes and <style> blocks in one document."""
    found = []
    for match in SCRIPT.finditer(html):
        attrs = match.group(1)
        if "src=" not in attrs and not re.search(r"""type\s*=\s*["']application/json["']""", attrs):
            found.append(f"inline script {match.group(0)}")
    found += [f"event handler {m.group(0)[:80]}" for m in EVENT_HANDLER.finditer(html)]
    if "'unsafe-inline'" not in _csp_style():
        found += [f"style attribute {m.group(0)[:80]}" for m in STYLE_ATTR.finditer(html)]
        found += ["<style> block"] * len(re.findall(r"<style\b", html, re.IGNORECASE))
    found += [f"javascript: URL {m.group(0)}" for m in JS_URL.finditer(html)]
    return found


def _csp_style() -> str:
    from apps.web.security import CSP

    return next((d for d in CSP.split(";") if d.strip().startswith("style-src")), "")


def test_templates_hold_no_inline_code():
    templates = sorted(TEMPLATES.glob("*.html"))
    assert len(templates) >= 10
    problems = [f"{t.name}: {p}" for t in templates for p in _inline_code(t.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems)
    # the rule the scan relies on: the CSP itself forbids inline scripts and styles
    from apps.web.security import CSP

    assert "script-src 'self'" in CSP and "style-src 'self'" in CSP and "object-src 'none'" in CSP


def test_the_scan_would_notice_inline_code():
    bad = ('<script>alert(1)</script><button onclick="x()">x</button><p style="color:red">'
           '<a href="javascript:alert(1)">x</a>')
    assert len(_inline_code(bad)) == 4
    assert not _inline_code('<script src="/static/app.js" defer></script>'
                            '<script type="application/json" id="d">{}</script>')


# --- path traversal ------------------------------------------------------------------------------

async def _raw_get(port: int, path: str, cookie: str = "") -> tuple[int, bytes]:
    """One GET with the request path exactly as given: a browser or aiohttp's client would
    normalise ../ away before sending, an attacker's script does not."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data.split(b" ", 2)[1])
    return status, data


TRAVERSALS = [
    "/static/../rathaus.db", "/static/../../rathaus.db", "/static/../app.py", "/static/..%2fapp.py",
    "/static/%2e%2e/app.py", "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2fdefaults.toml", "/static/..\\app.py", "/static//etc/passwd",
    "/static/%252e%252e/app.py", "/static/....//app.py", "/static/.%2e/.%2e/config.py",
]


def test_path_traversal_stays_inside(admin, store, config, tmp_path):
    from apps.web.sessions import COOKIE

    meeting_id = insert_meeting(store, write_tone(tmp_path / "m.wav", 1.0))
    port = admin.client.server.port
    cookie = admin.client.session.cookie_jar.filter_cookies(admin.client.make_url("/"))[COOKIE].value
    cookie = f"{COOKIE}={cookie}"
    paths = TRAVERSALS + [
        f"/meetings/../meetings/{meeting_id}/../../etc/passwd/audio", "/meetings/..%2f..%2fetc%2fpasswd/audio",
        "/meetings/%2e%2e%2f%2e%2e%2frathaus.db/audio", "/meetings/..%2F..%2Frathaus.db/export/md",
        f"/meetings/{meeting_id}/export/..%2f..%2frathaus.db", "/calls/..%2f..%2frathaus.db/audio",
        "/calls/%2e%2e/audio", "/api/calls/..%2f..%2frathaus.db/handoff",
    ]
    secrets_on_disk = [b"SQLite format 3", b"root:x:0:0", b"def create_app", b"[web]", b"import "]
    for path in paths:
        status, data = admin.loop.run_until_complete(_raw_get(port, path, cookie))
        assert status in (400, 403, 404), (path, status, data[:300])
        assert not any(s in data for s in secrets_on_disk), (path, data[:300])
    # the same requests without a session do not even reach a handler
    for path in paths[-8:]:
        status, _ = admin.loop.run_until_complete(_raw_get(port, path))
        assert status in (302, 400, 401, 403, 404), path
    # the real files are still served (the checks above are not a blanket refusal)
    assert admin.loop.run_until_complete(_raw_get(port, "/static/app.css"))[0] == 200
    assert admin.loop.run_until_complete(_raw_get(port, f"/meetings/{meeting_id}/audio", cookie))[0] == 200


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "....//x.wav",
                                  "%2e%2e%2fx.wav", ".htaccess", "\x00evil.wav", "a/../../b.wav"])
def test_upload_names_stay_in_the_upload_folder(name):
    from apps.web.uploads import safe_filename

    safe = safe_filename(name)
    assert safe and "/" not in safe and "\\" not in safe and ".." not in safe and "\x00" not in safe
    assert not safe.startswith(".")


def test_uploaded_traversal_name_lands_inside(admin, store, config, tmp_path):
    from apps.web.settings import upload_dir

    wav = write_tone(tmp_path / "ton.wav", 1.0)
    form = FormData()
    form.add_field("csrf_token", admin.csrf)
    form.add_field("file", wav.read_bytes(), filename="../../../../etc/passwd", content_type="audio/wav")
    response = admin.post("/meetings", data=form, headers={"X-Requested-With": "fetch"})
    assert response.status == 201, response.text_
    meeting = store.db["meetings"].get(json.loads(response.text_)["id"])
    stored = Path(meeting["audio_path"]).resolve()
    assert stored.is_relative_to(upload_dir(config).resolve()) and stored.read_bytes() == wav.read_bytes()
    assert Path("/etc/passwd").read_bytes() != wav.read_bytes()


# --- secrets never logged ------------------------------------------------------------------------

def test_secrets_never_logged(rathaus_home, tmp_path, monkeypatch, caplog, cli):
    from rathaus.config import Config
    from rathaus.store import open_store
    from apps.web.sessions import COOKIE

    cfg = tmp_path / "rathaus.toml"
    cfg.write_text(f'[llm]\nurl = "http://127.0.0.1:9"\napi_key = "{LLM_KEY}"\n'
                   f'[meetings]\npyannote_token = "{HUB_TOKEN}"\n[phone]\npassword = "sip-geheim-123"\n')
    monkeypatch.setenv("RATHAUS_CONFIG", str(cfg))
    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    caplog.set_level(logging.DEBUG)
    config = Config.load(cfg)
    store = open_store(config)
    web = Web(config, store)
    try:
        wrong = "falsches-passwort-999"
        assert web.login("admin", wrong).status != 302
        assert web.login("nobody", wrong).status != 302
        assert web.login("admin", ADMIN_PW).status == 302
        cookie = web.client.session.cookie_jar.filter_cookies(web.client.make_url("/"))[COOKIE].value
        assert len(cookie) >= 20
        assert web.get("/admin/audit").status == 200
        web.form("/account/password", {"current": wrong, "password": "neu-passwort-1", "password2": "neu-passwort-1"})
        assert web.form("/logout", {}).status == 302
    finally:
        web.close()
    secrets = {"admin password": ADMIN_PW, "wrong password": wrong, "llm api_key": LLM_KEY,
               "pyannote_token": HUB_TOKEN, "sip password": "sip-geheim-123", "session cookie": cookie}
    places = {"logs": caplog.text}
    places["audit log"] = json.dumps([dict(r) for r in store.db.query("SELECT * FROM audit_log")], ensure_ascii=False)
    store.close()
    with sqlite3.connect(rathaus_home / "rathaus.db") as conn:  # every table, every value
        places["database"] = "\n".join(conn.iterdump())
    shown = cli("config", "show")
    assert shown.returncode == 0, shown.stderr
    places["config show"] = shown.stdout + shown.stderr
    assert "***" in shown.stdout and "pyannote_token" in shown.stdout
    asked = cli("-v", "ask", "--explain", "Wo beantrage ich einen Personalausweis?")
    assert asked.returncode == 0, asked.stderr[-2000:]
    places["rathaus ask (llm configured, unreachable)"] = asked.stdout + asked.stderr
    leaks = [f"{what} in {where}" for where, text in places.items() for what, value in secrets.items() if value in text]
    assert not leaks, leaks
    assert places["audit log"].count("login") >= 3  # the attempts were logged, only without secrets


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example"])
def test_login_never_redirects_off_site(web_only, target):
    page = web_only.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text_).group(1)
    response = web_only.post("/login", data={"username": "admin", "password": ADMIN_PW, "csrf_token": token,
                                             "next": target})
    assert response.status == 302 and response.headers["Location"] == "/", response.headers.get("Location")
