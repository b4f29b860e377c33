"""End to end in a real headless Chromium (Debian's /usr/bin/chromium through Playwright):
log in, upload a short two-speaker meeting, wait for the real meeting worker to transcribe it,
rename a speaker, click a word to play from there, search, open a call. Screenshots go to
test-artifacts/ for people to look at."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest
from sip_peers import free_port

from tests.conftest import ROOT, shared_path

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
ADMIN_PW = "e2e-admin-passwort"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


class LiveServer:
    """The real web app on a real port plus the real meeting worker, each in its own thread."""

    def __init__(self, config, store):
        from apps.site import create_site

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stop = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.app = create_site(config, store)
        self.ready = threading.Event()
        self.web_thread = threading.Thread(target=self._serve, daemon=True)
        self.worker_thread = None
        try:
            from meetings.worker import run_worker
        except ImportError:
            run_worker = None
        if run_worker is not None:
            from rathaus.store import Store

            worker_store = Store(store.path)
            self.worker_thread = threading.Thread(target=run_worker, args=(config, worker_store, self.stop), daemon=True)

    def _serve(self):
        from aiohttp import web

        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self.app)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self.ready.set()
        self.loop.run_forever()

    def start(self):
        self.web_thread.start()
        assert self.ready.wait(30)
        if self.worker_thread:
            self.worker_thread.start()

    def close(self):
        self.stop.set()
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.web_thread.join(10)
        if self.worker_thread:
            self.worker_thread.join(60)


def two_speaker_meeting(path: Path) -> Path:
    """Two real German speakers taking turns: Thorsten, another speaker, Thorsten again."""
    from rathaus.speech.audio import decode, write_wav

    a1 = decode(shared_path("audio", "de", "thorsten", "1386ecbb98a8f46dd0b0eb75d68ee0d0.wav"))
    b = decode(shared_path("audio", "de", "speakers", "de_Anka.wav"))[: 16000 * 7]
    a2 = decode(shared_path("audio", "de", "thorsten", "2b0d202fa8b36fa7b01322fa78225358.wav"))
    pause = np.zeros(8000, dtype=np.float32)
    return write_wav(path, np.concatenate([a1, pause, b, pause, a2]), 16000)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        # the test call's recording uses Chromium's fake microphone, fed with real German speech
        question = shared_path("audio", "de", "thorsten", "1386ecbb98a8f46dd0b0eb75d68ee0d0.wav")
        fake_mic = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-audio-capture={question}"]
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + fake_mic, headless=True)
        yield b
        b.close()


@pytest.fixture
def live(config, store, monkeypatch):
    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    server = LiveServer(config, store)
    server.start()
    yield server
    server.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)


def login(page, url: str) -> None:
    page.goto(url + "/")
    assert "/login" in page.url
    shot(page, "01-login")
    page.get_by_label("Benutzername").fill("admin")
    page.get_by_label("Passwort").fill(ADMIN_PW)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(url + "/")


def insert_call(store) -> str:
    call_id = str(uuid.uuid4())
    started = "2026-11-20T09:15:00.000+00:00"
    handoff = {"transcript": [{"role": "caller", "text": "Wann wird bei uns der Sperrmüll abgeholt?"}],
               "candidates": [], "language": "de", "caller": "+49 721 555***", "reason": "no_match"}
    with store.conn:
        store.conn.execute(
            "INSERT INTO calls (id, started_at, ended_at, caller, language, outcome, decision, handoff)"
            " VALUES (?, ?, ?, '+49 721 555***', 'de', 'forwarded', 'forward', ?)",
            (call_id, started, started, json.dumps(handoff, ensure_ascii=False)))
        store.conn.execute(
            "INSERT INTO call_turns (call_id, idx, role, started_at, text, language, action, latency_ms)"
            " VALUES (?, 0, 'caller', ?, 'Wann wird bei uns der Sperrmüll abgeholt?', 'de', 'forward', 920)",
            (call_id, started))
        store.conn.execute(
            "INSERT INTO call_turns (call_id, idx, role, started_at, text, language)"
            " VALUES (?, 1, 'bot', ?, 'Dazu verbinde ich Sie mit dem Bürgerservice.', 'de')", (call_id, started))
    return call_id


def test_meeting_upload_transcript_rename_search_and_call(browser, live, store, tmp_path):
    recording = two_speaker_meeting(tmp_path / "ausschuss.wav")
    call_id = insert_call(store)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    context.grant_permissions(["microphone"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    login(page, live.url)
    shot(page, "02-dashboard")

    # upload: the progress bar shows, then the meeting page polls the worker
    page.goto(live.url + "/meetings")
    # drag and drop: a file dropped on the zone becomes the form's file
    page.evaluate("""() => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(2048)], "probe.wav", {type: "audio/wav"}));
        const zone = document.getElementById("dropzone");
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
    }""")
    assert "probe.wav" in page.locator("#file-name").inner_text()
    assert page.evaluate("document.getElementById('file').files[0].name") == "probe.wav"
    page.set_input_files("#file", str(recording))
    page.get_by_label("Titel").fill("Bauausschuss E2E")
    page.get_by_label("Anzahl Sprecher (falls bekannt)").fill("2")
    shot(page, "03-upload")
    page.get_by_role("button", name="Hochladen und verarbeiten").click()
    page.wait_for_function("() => /\\/meetings\\/[0-9a-f-]{36}$/.test(location.pathname)"
                           " || (document.getElementById('upload-error') && !document.getElementById('upload-error').hidden)",
                           timeout=60_000)
    assert re.search(r"/meetings/[0-9a-f-]{36}$", page.url), page.locator("#upload-error").inner_text()
    meeting_id = page.url.rsplit("/", 1)[1]
    if live.worker_thread is None:
        pytest.skip("meeting worker (meetings.worker) not installed: upload checked, transcript not")
    shot(page, "04-processing")
    page.wait_for_selector("#transcript .seg", timeout=300_000)
    status = store.conn.execute("SELECT status FROM meetings WHERE id = ?", (meeting_id,)).fetchone()[0]
    assert status == "done"
    segments = page.locator("#transcript .seg")
    assert segments.count() >= 2
    colours = {c for c in (segments.nth(i).get_attribute("class") for i in range(segments.count()))}
    assert len({re.search(r"spk-\d", c).group(0) for c in colours}) >= 2, "two speakers shown in two colours"
    shot(page, "05-transcript")

    # click a word: the player jumps there and the word is highlighted while playing
    words = page.locator("#transcript .w")
    target = words.nth(min(5, words.count() - 1))
    start = float(target.get_attribute("data-s"))
    target.click()
    page.wait_for_function("() => document.getElementById('player').currentTime > 0", timeout=10_000)
    position = page.evaluate("document.getElementById('player').currentTime")
    assert abs(position - start) < 1.5
    page.wait_for_selector("#transcript .w.current", timeout=10_000)
    page.evaluate("document.getElementById('player').pause()")

    # rename the first speaker
    first_name = page.locator(".speakers input[name=name]").first
    first_name.fill("Frau Müller")
    page.locator(".speakers form.rename").first.get_by_role("button").click()
    page.wait_for_selector("text=Der Name wurde gespeichert.")
    assert page.locator("#transcript .speaker", has_text="Frau Müller").count() >= 1
    shot(page, "06-renamed")

    # search a word that the recogniser wrote
    word = next(w for w in page.locator("#transcript .w").all_inner_texts() if len(re.sub(r"\W", "", w)) >= 5)
    term = re.sub(r"\W", "", word)
    page.get_by_role("link", name="Suche").click()
    page.get_by_label("Suchbegriff").fill(term)
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_selector("ol.hits mark")
    assert term.lower() in page.locator("ol.hits mark").first.inner_text().lower()
    shot(page, "07-search")
    page.locator("ol.hits a").first.click()
    page.wait_for_selector("#transcript .seg.target")

    # open the call the phone bot wrote
    page.get_by_role("link", name="Anrufe").click()
    page.get_by_role("link", name=re.compile(r"20\.11\.2026")).first.click()
    page.wait_for_url(f"{live.url}/calls/{call_id}")
    assert page.get_by_text("Wann wird bei uns der Sperrmüll abgeholt?").first.is_visible()
    assert page.locator("dl.facts dd", has_text="no_match").count() == 2  # call facts and hand-off
    shot(page, "08-call")
    page.goto(live.url + "/")
    assert page.get_by_text("Wann wird bei uns der Sperrmüll abgeholt?").first.is_visible()  # a catalog gap
    shot(page, "09-dashboard-gaps")

    # test call: typed, then spoken into the (fake) microphone
    page.get_by_role("link", name="Testanruf").click()
    page.get_by_label("Ihre Frage").fill("Wo kann ich einen Reisepass beantragen?")
    page.get_by_role("button", name="Fragen").click()
    page.wait_for_function("() => document.getElementById('tc-answer').textContent.trim().length > 10", timeout=120_000)
    shot(page, "11-testcall-typed")
    page.get_by_role("button", name="Frage aufnehmen").click()
    page.wait_for_timeout(4000)
    page.get_by_role("button", name="Aufnahme beenden").click()
    page.wait_for_selector("#tc-heard-row:not([hidden])", timeout=120_000)
    assert len(page.locator("#tc-heard").inner_text().strip()) > 5
    shot(page, "12-testcall-spoken")

    page.get_by_role("link", name="Leistungskatalog").click()
    assert page.locator("table.list tbody tr").count() >= 1  # the sample catalog on a fresh install
    shot(page, "13-catalog")
    page.get_by_role("link", name="Protokoll").click()
    assert page.locator("table.list td", has_text="hochgeladen").count() >= 1
    shot(page, "14-audit")

    page.set_viewport_size({"width": 820, "height": 1180})  # tablet portrait
    page.goto(f"{live.url}/meetings/{meeting_id}")
    shot(page, "10-tablet-meeting")
    context.close()
    assert not [e for e in errors if "favicon" not in e], errors
