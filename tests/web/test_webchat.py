"""The public citizen chat through aiohttp's test client: the real app, the real catalog
assistant and dialog engine, a real SQLite file.

Covers: a conversation with a follow-up, asking for a person and leaving a contact request, all
stored as a call with channel 'web' that the review page, search, dashboard and privacy export
and delete see; refusals (413 oversized, 429 flooding, 403 foreign origin, 415, 422); the embed
page's frame-ancestors from the allow list; no login and no admin page reachable from the chat.
"""

from __future__ import annotations

import json

import pytest

from tests.web.client import ADMIN_PW, Web

ALLOWED = "https://www.musterstadt.example"


@pytest.fixture
def chat(config, store, monkeypatch):
    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    config.data.setdefault("webchat", {})["allowed_origins"] = [ALLOWED + "/"]
    config.data["webchat"]["per_address_per_minute"] = 12
    from rathaus.catalog import repository

    repository.ensure_initial(config, store)
    web = Web(config, store)
    yield web
    web.close()


def say(web, text, token=None, kind="text", **headers):
    response = web.post("/api/chat/message", json={"text": text, "token": token, "kind": kind, "lang": "de"},
                        headers=headers)
    return response, (json.loads(response.text_) if response.text_.startswith("{") else None)


def test_conversation_follow_up_person_and_callback_are_stored_as_a_web_call(chat, store, cli):
    page = chat.get("/chat")
    assert page.status == 200 and 'role="log"' in page.text_ and "Fragen an die Stadt" in page.text_
    assert "frame-ancestors 'self' https://www.musterstadt.example" in page.headers["Content-Security-Policy"]
    assert "set-cookie" not in {k.lower() for k in page.headers}

    r, first = say(chat, "Was kostet ein Personalausweis?")
    assert r.status == 200, r.text_
    assert first["action"] == "answer" and "37 Euro" in first["text"]
    assert first["office"]["phone"] and first["token"]
    r, follow = say(chat, "Und welche Unterlagen brauche ich?", first["token"])
    assert follow["action"] == "answer" and "Passfoto" in follow["text"]  # the topic carried over
    r, person = say(chat, "", follow["token"], kind="person")
    assert person["person"] is True and person["office"]["hours"]
    r = chat.post("/api/chat/callback", json={"token": follow["token"], "name": "Erika Muster",
                                              "phone": "0711 2345678", "message": "Bitte um Rückruf"})
    assert r.status == 200, r.text_

    call = store.conn.execute("SELECT id, channel, outcome, service_id FROM calls").fetchone()
    assert call[1:] == ("web", "callback", "101")
    turns = store.conn.execute("SELECT role, text FROM call_turns WHERE call_id = ? ORDER BY idx", (call[0],)).fetchall()
    assert [t[0] for t in turns] == ["caller", "bot"] * 3 and "Unterlagen" in turns[2][1]
    assert store.conn.execute("SELECT name, number FROM callbacks WHERE call_id = ?", (call[0],)).fetchone() == (
        "Erika Muster", "0711 2345678")

    # staff see it on the review page: the calls list filtered by channel, the detail with the request
    assert chat.login("admin", ADMIN_PW).status == 302
    listing = chat.get("/calls?channel=web")
    assert listing.status == 200 and call[0] in listing.text_ and "Chat" in listing.text_
    assert call[0] not in chat.get("/calls?channel=phone").text_
    detail = chat.get(f"/calls/{call[0]}")
    assert "Erika Muster" in detail.text_ and "Bitte um Rückruf" in detail.text_
    assert "Unterlagen" in chat.get("/search?q=Unterlagen").text_
    figures = json.loads(chat.get("/api/dashboard").text_)
    assert sum(n for _, n in figures["channels"]["web"]) == 1
    start = chat.get("/").text_  # the open contact request on the start page, linked to the chat
    assert "Offene Rückruf- und Kontaktwünsche" in start and "Erika Muster" in start and f"/calls/{call[0]}" in start

    # the data subject finds the conversation by the reference the chat showed, and erases it by
    # the number left in the form
    by_reference = cli("privacy", "export", "--call", person["reference"])
    assert by_reference.returncode == 0 and "Passfoto" in by_reference.stdout
    exported = cli("privacy", "export", "--number", "0711 2345678")
    assert exported.returncode == 0, exported.stderr
    assert "Unterlagen" in exported.stdout
    erased = cli("privacy", "delete", "--number", "0711 2345678", "--yes")
    assert erased.returncode == 0, erased.stderr
    assert store.conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM web_chats").fetchone()[0] == 0
    # the token of an erased conversation continues nothing: a new one starts
    r, again = say(chat, "Was kostet ein Reisepass?", follow["token"])
    assert r.status == 200 and again["token"] != follow["token"]


def test_refusals(chat, store):
    too_big = chat.post("/api/chat/message", data=b'{"text": "' + b"x" * 5000 + b'"}',
                        headers={"Content-Type": "application/json"})
    assert too_big.status == 413 and "500" in json.loads(too_big.text_)["error"]
    r, body = say(chat, "x" * 501)
    assert r.status == 413 and body["code"] == "too_long"
    r, body = say(chat, "   ")
    assert r.status == 422 and body["error"]
    assert chat.post("/api/chat/message", data="text=hallo",
                     headers={"Content-Type": "application/x-www-form-urlencoded"}).status == 415
    assert chat.post("/api/chat/message", data=b"{not json", headers={"Content-Type": "application/json"}).status == 400
    r, body = say(chat, "Hallo", Origin="https://evil.example")
    assert r.status == 403 and body["code"] == "origin"
    r, body = say(chat, "Hallo", kind="<script>")
    assert r.status == 400
    bad = chat.post("/api/chat/callback", json={"token": "nope", "name": "A", "phone": "<b>1</b>"})
    assert bad.status == 422
    # flooding from one address: refused with Retry-After, nothing stored for the refused ones
    statuses = []
    for _ in range(14):
        r, _body = say(chat, "Hallo")
        statuses.append(r.status)
    assert 429 in statuses and r.status == 429 and int(r.headers["Retry-After"]) >= 1
    assert store.conn.execute("SELECT count(*) FROM calls WHERE channel = 'web'").fetchone()[0] < 14
    # another address (through the trusted proxy) is still served
    r, body = say(chat, "Was kostet ein Reisepass?", **{"X-Forwarded-For": "203.0.113.7"})
    assert r.status == 200 and body["action"] in ("answer", "confirm")


def test_user_text_is_never_markup_and_admin_pages_stay_closed(chat, store):
    r, body = say(chat, "<img src=x onerror=alert(1)> Personalausweis")
    assert r.status == 200
    page = chat.get("/chat")
    assert "<img" not in page.text_ and "innerHTML" not in chat.get("/chat/static/chat.js").text_
    for path in ("/calls", "/admin/users", "/api/dashboard", "/testcall"):
        assert chat.get(path, headers={"Accept": "application/json"}).status in (401, 302)


def test_embed_snippet_and_refused_embedder(chat):
    js = chat.get("/chat/embed.js")
    assert js.status == 200 and js.headers["Content-Type"].startswith("application/javascript")
    assert "Chat: Fragen an die Stadt" in js.text_ and "/chat?embed=1" in js.text_
    ok = chat.get("/chat?embed=1&lang=en", headers={"Sec-Fetch-Dest": "iframe", "Referer": ALLOWED + "/rathaus/"})
    assert ok.status == 200 and 'lang="en"' in ok.text_
    refused = chat.get("/chat?embed=1", headers={"Sec-Fetch-Dest": "iframe", "Referer": "https://evil.example/"})
    assert refused.status == 403 and "frame-ancestors" in refused.headers["Content-Security-Policy"]
    arabic = chat.get("/chat?lang=ar")
    assert 'dir="rtl"' in arabic.text_


def test_chat_only_app_has_no_review_page(config, store):
    """`rathaus serve --chat-only`: the chat answers, nothing of the review page exists."""
    import asyncio

    from aiohttp.test_utils import TestClient, TestServer

    from apps.webchat.app import create_chat_app

    async def go():
        client = TestClient(TestServer(create_chat_app(config, store)))
        await client.start_server()
        try:
            out = {}
            for path in ("/chat", "/chat/embed.js", "/login", "/calls", "/admin/users", "/api/dashboard"):
                r = await client.get(path, allow_redirects=False)
                out[path] = (r.status, r.headers.get("X-Content-Type-Options"))
            return out
        finally:
            await client.close()

    seen = asyncio.new_event_loop().run_until_complete(go())
    assert seen["/chat"] == (200, "nosniff") and seen["/chat/embed.js"][0] == 200
    assert all(seen[p][0] == 404 for p in ("/login", "/calls", "/admin/users", "/api/dashboard")), seen


def test_confirm_buttons_languages_gaps_and_retention(chat, store, cli):
    # a close call gets "Geht es um ...?" with Ja/Nein; "Ja" answers about that service
    r, ask = say(chat, "Ich hab eine Frage zum Müll")
    assert ask["action"] == "confirm" and ask["confirm"] == {"yes": "Ja", "no": "Nein"}
    r, yes = say(chat, "", ask["token"], kind="yes")
    assert yes["action"] == "answer" and yes["service"]["name"] == ask["service"]["name"]
    # the dialog answers in the language the citizen writes, whatever the page's language
    r, english = say(chat, "How much does an ID card cost?")
    assert english["language"] == "en" and english["text"].startswith("The fee") and english["dir"] == "ltr"
    r, arabic = say(chat, "كم تكلفة جواز السفر؟")
    assert arabic["language"] == "ar" and arabic["dir"] == "rtl"
    # a question the catalog cannot answer: a hand-over offer, and a catalog gap for staff
    r, unknown = say(chat, "Wie füttere ich Einhörner im Stadtpark?")
    assert unknown["action"] == "forward" and unknown["person"] is True and unknown["office"]["phone"]
    assert chat.login("admin", ADMIN_PW).status == 302
    gaps = json.loads(chat.get("/api/dashboard").text_)["gaps"]
    assert any("Einhörner" in g["text"] for g in gaps)
    # the stored dialog state holds no text the citizen wrote
    states = " ".join(s for (s,) in store.conn.execute("SELECT state FROM web_chats"))
    assert "Einhörner" not in states and "How much" not in states and "Müll" not in states

    # retention removes the texts of old conversations like those of calls; an idle
    # conversation's state goes with the next message anyone sends
    with store.conn:
        store.conn.execute("UPDATE calls SET started_at = '2020-01-01T10:00:00.000+00:00'")
        store.conn.execute("UPDATE web_chats SET updated_at = '2020-01-01T10:00:00.000+00:00'")
    done = cli("privacy", "retention", "--json")
    assert done.returncode == 0, done.stderr
    assert store.conn.execute("SELECT count(*) FROM call_turns").fetchone()[0] == 0
    r, fresh = say(chat, "Was kostet ein Reisepass?", yes["token"])
    assert fresh["token"] != yes["token"]  # the idle conversation is not continued
    assert store.conn.execute("SELECT count(*) FROM web_chats").fetchone()[0] == 1


def test_read_aloud_speaks_only_this_conversations_replies(chat):
    import io
    import wave

    r, reply = say(chat, "Wann hat das Bürgerbüro geöffnet?")
    spoken = chat.post("/api/chat/speak", json={"token": reply["token"], "turn": reply["turn"]})
    if spoken.status == 503:  # no speech synthesis installed: a clear refusal, the text stays
        assert json.loads(spoken.text_)["code"] == "no_speech"
        return
    assert spoken.status == 200 and spoken.headers["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(spoken.body)) as w:
        assert w.getnframes() / w.getframerate() > 2.0
    # the citizen's own turn, another conversation's token: nothing is spoken
    assert chat.post("/api/chat/speak", json={"token": reply["token"], "turn": reply["turn"] - 1}).status == 404
    assert chat.post("/api/chat/speak", json={"token": "x" * 32, "turn": reply["turn"]}).status == 404


def test_a_follow_up_sees_what_the_citizen_wrote_in_earlier_messages(chat, store):
    # the age is in the first message only; the fee question needs it, as on the phone
    r, first = say(chat, "Ich bin 20 und brauche einen Reisepass, wo beantrage ich den?")
    assert first["action"] == "answer" and "Reisepass" in first["service"]["name"]
    r, fee = say(chat, "Was kostet der?", first["token"])
    assert fee["action"] == "answer" and "37,50 Euro" in fee["text"] and "70 Euro" not in fee["text"], fee["text"]
    # the state between requests still holds no text the citizen wrote: it is read back from the
    # stored (redacted) turns
    states = " ".join(s for (s,) in store.conn.execute("SELECT state FROM web_chats"))
    assert "bin 20" not in states and "kostet" not in states
