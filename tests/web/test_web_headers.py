"""Issue 15 item 5: HEAD and error responses behave like the pages.

`curl -I /` answered `401 Unauthorized` as plain text without any security header, while GET /
redirected to the login page with them; the `Server` header named Python's and aiohttp's versions.
Now every response of the real app (HEAD, 404, 405, 413, 500, denials, redirects) carries the
security headers, HEAD answers like GET without a body, and `Server` says only "rathaus".
"""

from __future__ import annotations

import asyncio
import re

from aiohttp.test_utils import TestClient, TestServer

from tests.web.client import ADMIN_PW, Web, check_headers, get_paths, insert_call, insert_meeting, write_tone

VERSION = re.compile(r"python|aiohttp|\d+\.\d+", re.IGNORECASE)


def _problems(label: str, response) -> list[str]:
    found = check_headers(label, response)
    server = response.headers.get("Server", "")
    if VERSION.search(server):
        found.append(f"{label} ({response.status}): Server header gives away versions: {server}")
    return found


def test_defect_head_and_errors_anonymous(web_only):
    problems = []
    get, head = web_only.get("/"), web_only.request("HEAD", "/")
    assert get.status == 302 and get.headers["Location"].startswith("/login")
    assert head.status == 302 and head.headers["Location"] == get.headers["Location"], (head.status, head.text_)
    assert head.body == b""
    problems += _problems("HEAD /", head) + _problems("GET /", get)
    for method, path, status in [("GET", "/no/such/page", 302), ("POST", "/healthz", 405), ("PUT", "/login", 405),
                                 ("GET", "/static/none.js", 404), ("HEAD", "/login", 200), ("HEAD", "/healthz", None),
                                 ("POST", "/calls", 401), ("GET", "/api/calls/x/handoff", 401)]:
        response = web_only.request(method, path)
        if status is not None:
            assert response.status == status, (method, path, response.status)
        if method == "HEAD":
            assert response.body == b"", (method, path)
        problems += _problems(f"{method} {path}", response)
    big = web_only.post("/login", data={"username": "x", "password": "y" * (5 * 1024 * 1024)})
    assert big.status == 413
    problems += _problems("POST /login (5 MiB)", big)
    assert not problems, "\n".join(problems)


def test_defect_head_and_errors_every_page_head_like_get(admin, store, tmp_path):
    audio = write_tone(tmp_path / "m.wav", 1.0)
    ids = {"meetings.id": insert_meeting(store, audio), "calls.id": insert_call(store, audio_path=str(audio)),
           "kind": "md", "sid": "0"}
    ids["api.id"] = ids["meetings.id"]
    problems = []
    for path in get_paths(admin.app, ids):
        get, head = admin.get(path), admin.request("HEAD", path)
        assert head.status == get.status, (path, get.status, head.status)
        assert head.body == b"", path
        assert head.headers.get("Content-Type") == get.headers.get("Content-Type"), path
        problems += _problems(f"HEAD {path}", head) + _problems(f"GET {path}", get)
    for path in ("/meetings/unknown", "/calls/unknown"):
        problems += _problems(f"HEAD {path}", admin.request("HEAD", path))
    assert not problems, "\n".join(problems)


def test_defect_head_and_errors_unhandled_exception_500(config, store, monkeypatch):
    """A bug in a handler: aiohttp writes the 500 itself, outside every middleware."""
    from apps.site import create_site

    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    app = create_site(config, store)

    async def boom(request):
        raise RuntimeError("a bug")

    app.router.add_get("/healthz/boom", boom)
    loop = asyncio.new_event_loop()
    client = TestClient(TestServer(app), loop=loop)
    loop.run_until_complete(client.start_server())
    try:
        async def go():
            # /healthz/boom is not public: log in through the real form first
            web = Web.__new__(Web)
            web.loop, web.client = loop, client
            return web

        web = loop.run_until_complete(go())
        assert web.login("admin", ADMIN_PW).status == 302
        for method in ("GET", "HEAD"):
            response = web.request(method, "/healthz/boom")
            assert response.status == 500
            assert "a bug" not in response.text_ and "Traceback" not in response.text_
            assert not _problems(f"{method} /healthz/boom", response), _problems("/healthz/boom", response)
    finally:
        loop.run_until_complete(client.close())
        loop.close()


def test_defect_head_and_errors_unparseable_request_names_no_versions(web_only):
    """aiohttp's own 400 for a request it cannot parse, read from a real socket."""
    async def raw(data: bytes) -> str:
        server = web_only.client.server
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(data)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(4000), 10)
        writer.close()
        return answer.decode("latin-1")

    for data in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"):
        answer = web_only.loop.run_until_complete(raw(data))
        assert answer.startswith("HTTP/1.") and " 400 " in answer.split("\r\n", 1)[0], answer[:200]
        server = re.search(r"^Server: (.*)$", answer, re.MULTILINE | re.IGNORECASE)
        assert server and not VERSION.search(server.group(1)), answer[:400]
