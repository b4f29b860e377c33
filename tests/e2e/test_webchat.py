"""The citizen chat in a real headless Chromium (Debian's /usr/bin/chromium through Playwright).

A town page on another origin that is in [webchat] allowed_origins embeds the chat with
/chat/embed.js: a question gets the answer with the catalog's form link, a follow-up keeps the
topic, "Mitarbeiter sprechen" shows the office's phone and hours, and the contact request then
shows on the review page. The same snippet on an origin not in the list is refused. axe-core
(tests/e2e/package.json) finds no WCAG 2.1 A/AA violation on the chat page and the embed; the
whole flow works with the keyboard alone, with a visible focus, at 320 px and at 200 % zoom.
"""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import pytest

from sip_peers import free_port
from tests.conftest import ROOT
from tests.e2e.test_browser import ADMIN_PW, ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FORM_URL = "https://www.musterstadt.example/formulare/personalausweis.pdf"


class Servers:
    """The real rathaus app plus two plain 'town website' servers on other ports (other origins)."""

    def __init__(self, config, store):
        from aiohttp import web

        from apps.site import create_site

        self.loop = asyncio.new_event_loop()
        self.port, self.town_ok, self.town_bad = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config.data.setdefault("webchat", {})["allowed_origins"] = [f"http://127.0.0.1:{self.town_ok}"]
        self.apps = [(create_site(config, store), self.port), (self._town(web), self.town_ok), (self._town(web), self.town_bad)]
        self.runners = []
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _town(self, web):
        html = ('<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Musterstadt: Bürgerservice</title>'
                '</head><body><main><h1>Bürgerservice der Stadt Musterstadt</h1><p>Fragen Sie uns im Chat.</p>'
                f'<script src="{self.url}/chat/embed.js" data-lang="de" data-height="700"></script></main></body></html>')

        async def page(request):
            return web.Response(text=html, content_type="text/html")

        app = web.Application()
        app.router.add_get("/", page)
        return app

    def _serve(self):
        from aiohttp import web

        asyncio.set_event_loop(self.loop)
        for app, port in self.apps:
            runner = web.AppRunner(app)
            self.loop.run_until_complete(runner.setup())
            self.loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
            self.runners.append(runner)
        self.ready.set()
        self.loop.run_forever()

    def start(self):
        self.thread.start()
        assert self.ready.wait(30)

    def close(self):
        for runner in self.runners:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def servers(config, store, monkeypatch):
    from rathaus.catalog import repository
    from rathaus.catalog.model import Link

    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    repository.ensure_initial(config, store)
    repository.update_service(store, "101", forms=[Link("Antrag Personalausweis", FORM_URL)],
                              links=[Link("Termin buchen", "https://termine.musterstadt.example/")])
    s = Servers(config, store)
    s.start()
    yield s
    s.close()


def axe(target) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations in a page or frame (injected through DevTools, which
    the page's CSP does not restrict)."""
    if not AXE.exists():
        pytest.skip(f"axe-core not installed: run `npm ci` in tests/e2e ({AXE})")
    target.evaluate(AXE.read_text(encoding="utf-8"))
    result = target.evaluate("async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                             ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html)}))",
                             WCAG)
    return result


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"webchat-{name}.png"), full_page=True)


def test_embedded_chat_on_an_allowed_town_page_and_refused_elsewhere(browser, servers, store):
    page = browser.new_page(viewport={"width": 1000, "height": 1000})
    page.goto(f"http://127.0.0.1:{servers.town_ok}/")
    frame = page.frame_locator("iframe[title='Chat: Fragen an die Stadt']")
    frame.locator("#question").fill("Was kostet ein Personalausweis?")
    frame.get_by_role("button", name="Senden").click()
    first = frame.locator(".msg.bot").first
    first.wait_for(timeout=120_000)
    assert "37 Euro" in first.inner_text()
    link = first.get_by_role("link", name=re.compile("Antrag Personalausweis"))
    assert link.get_attribute("href") == FORM_URL
    shot(page, "first-answer")  # the README's picture (docs/webchat.png) is this one
    frame.locator("#question").fill("Und welche Unterlagen brauche ich?")
    frame.locator("#question").press("Enter")
    frame.locator(".msg.bot").nth(1).wait_for(timeout=60_000)
    assert "Passfoto" in frame.locator(".msg.bot").nth(1).inner_text()
    frame.get_by_role("button", name="Mitarbeiter sprechen").click()
    person = frame.locator(".msg.bot").nth(2)
    person.wait_for(timeout=60_000)
    assert "01234 567-100" in person.inner_text() and "Öffnungszeiten" in person.inner_text()
    contact = frame.locator("#contact")
    assert contact.is_visible()
    frame.get_by_label("Name (Pflichtangabe)").fill("Erika Mustermann")
    frame.get_by_label("Telefonnummer").fill("0711 9876543")
    frame.get_by_label("Ihr Anliegen (freiwillig)").fill("Termin für den Ausweis meiner Tochter")
    frame.get_by_role("button", name="Kontaktwunsch senden").click()
    frame.get_by_text("Ihr Kontaktwunsch ist angekommen").wait_for(timeout=30_000)
    shot(page, "embedded")
    violations = axe(page) + axe(next(f for f in page.frames if "/chat?embed=1" in f.url))
    assert violations == [], violations

    # staff see the request on the review page
    staff = browser.new_page()
    staff.goto(servers.url + "/calls?channel=web")
    staff.get_by_label("Benutzername").fill("admin")
    staff.get_by_label("Passwort").fill(ADMIN_PW)
    staff.get_by_role("button", name=re.compile("Anmelden")).click()
    staff.wait_for_url(re.compile(r"/calls\?channel=web"))
    staff.get_by_role("link", name=re.compile(r"\d")).first.click()
    body = staff.locator("main").inner_text()
    assert "Erika Mustermann" in body and "0711 9876543" in body and "Chat" in body
    staff.close()

    # the same snippet on a town page whose origin is not in the list: refused
    refused = browser.new_page()
    statuses = []
    refused.on("response", lambda r: statuses.append(r.status) if "/chat?embed=1" in r.url else None)
    refused.goto(f"http://127.0.0.1:{servers.town_bad}/")
    refused.wait_for_timeout(1500)
    inner = refused.frame_locator("iframe").locator("#question")
    assert inner.count() == 0
    assert statuses == [403]
    page.close()
    refused.close()


def _tab_to(page, selector: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", selector):
            style = page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                                  " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
            assert style[0] != "none" and style[1] >= 2, f"no visible focus on {selector}: {style}"
            return
    raise AssertionError(f"{selector} not reachable with Tab")


def test_chat_page_keyboard_only_accessible_and_reflows(browser, servers):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(servers.url + "/chat")
    assert axe(page) == []
    _tab_to(page, "#question")
    page.keyboard.type("Wann hat das Bürgerbüro geöffnet?")
    page.keyboard.press("Enter")
    page.locator(".msg.bot").first.wait_for(timeout=120_000)
    assert "Montag" in page.locator(".msg.bot").first.inner_text()
    assert page.evaluate("() => document.activeElement.id") == "question"
    _tab_to(page, "#person")
    page.keyboard.press("Enter")
    page.locator(".msg.bot").nth(1).wait_for(timeout=60_000)
    assert page.evaluate("() => document.activeElement.id") == "contact-title"  # focus moved to the form
    _tab_to(page, "#c-name")
    page.keyboard.type("Kai Tastatur")
    _tab_to(page, "#c-email")
    page.keyboard.type("kai@example.org")
    _tab_to(page, "#contact-form button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_text("Ihr Kontaktwunsch ist angekommen").wait_for(timeout=30_000)
    # the reply is announced: it sits in the log live region
    assert page.locator("#log[role=log][aria-live=polite] .msg.bot").count() == 3
    shot(page, "page")
    assert axe(page) == []
    # 320 px wide, and 200 % zoom of a 640 px window: no horizontal scrolling
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    shot(page, "320px")
    page.set_viewport_size({"width": 640, "height": 800})
    page.evaluate("() => { document.documentElement.style.zoom = '2'; }")
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
    page.evaluate("() => { document.documentElement.style.zoom = ''; }")
    # the check itself finds a violation when there is one: an input without a label
    page.evaluate("() => { const i = document.createElement('input'); i.id = 'unlabelled'; document.body.append(i); }")
    assert "label" in [v["id"] for v in axe(page)]
    page.evaluate("() => document.getElementById('unlabelled').remove()")
    # switching the language with the keyboard keeps the conversation
    page.set_viewport_size({"width": 1000, "height": 900})
    page.focus("#lang")
    for _ in range(6):  # de, ar, en, ...: arrow keys move through the closed list
        if page.evaluate("() => document.getElementById('lang').value") == "en":
            break
        page.keyboard.press("ArrowDown")
    _tab_to(page, "#lang-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("h1").inner_text() == "Questions for the town"
    assert page.locator(".msg.you").first.inner_text().endswith("Wann hat das Bürgerbüro geöffnet?")
    assert page.locator(".msg.bot").count() == 3
    # Arabic right to left
    page.goto(servers.url + "/chat?lang=ar")
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    assert axe(page) == []
    page.close()
