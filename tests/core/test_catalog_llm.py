"""The optional language model: a real HTTP server on 127.0.0.1 that speaks the OpenAI chat API.

No language model runs on these machines, so the server answers from a script (a local fake
endpoint); what is tested is our client and every fallback: error, timeout, an answer naming no
retrieved record, and an answer with invented numbers all fall back to the templates.
"""

from __future__ import annotations

import asyncio
import json
import threading
from importlib import resources

import pytest
from aiohttp import web

from rathaus.catalog import repository as R
from rathaus.catalog.assistant import Assistant, CatalogSettings
from rathaus.llm import LlmClient, LlmError, LlmSettings
from rathaus.store import Store


class FakeLlm:
    """aiohttp server in a thread; `reply` decides what /v1/chat/completions answers."""

    def __init__(self):
        self.reply = lambda body: {"service_id": None, "answer": ""}
        self.status = 200
        self.delay = 0.0
        self.requests: list[dict] = []
        self.loop = asyncio.new_event_loop()
        self.port = None
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    async def _chat(self, request):
        body = await request.json()
        self.requests.append({"body": body, "auth": request.headers.get("Authorization")})
        await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.Response(status=self.status, text="overloaded")
        content = self.reply(body)
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        return web.json_response({"choices": [{"message": {"role": "assistant", "content": text}}]})

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        runner = web.AppRunner(app)
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self.runner = runner
        ready.set()
        self.loop.run_forever()

    def close(self):
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def llm_server():
    server = FakeLlm()
    yield server
    server.close()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, llm_server):
    store = Store(tmp_path_factory.mktemp("llm") / "rathaus.db")
    with resources.as_file(resources.files("rathaus.catalog.data").joinpath("sample_musterstadt.json")) as sample:
        R.import_file(store, sample, "json")
    settings = LlmSettings(url=f"http://127.0.0.1:{llm_server.port}", model="local-model", api_key="k", timeout_s=1.0)
    a = Assistant(store, CatalogSettings(), settings)
    a.warm_up()
    yield a
    store.close()


def test_client_talks_openai_chat(llm_server):
    llm_server.reply = lambda body: "Hallo"
    client = LlmClient(LlmSettings(url=f"http://127.0.0.1:{llm_server.port}/v1", model="m", api_key="secret"))
    assert client.chat([{"role": "user", "content": "Hi"}]) == "Hallo"
    assert llm_server.requests[-1]["auth"] == "Bearer secret" and llm_server.requests[-1]["body"]["model"] == "m"
    with pytest.raises(LlmError, match="no language model"):
        LlmClient(LlmSettings()).chat([])
    with pytest.raises(LlmError, match="unreachable"):
        LlmClient(LlmSettings(url="http://127.0.0.1:9", timeout_s=0.5)).chat([{"role": "user", "content": "x"}])


def test_model_reranks_and_phrases_from_retrieved_records(assistant, llm_server):
    def reply(body):
        records = body["messages"][1]["content"]
        assert "Reisepass beantragen" in records  # it sees the retrieved records only
        return {"service_id": "102", "answer": "Ein Reisepass kostet 70 Euro ab 24 Jahren."}
    llm_server.reply = reply
    d = assistant.ask("Was kostet ein Reisepass?")
    assert d.action == "answer" and d.service.id == "102"
    assert d.answer == "Ein Reisepass kostet 70 Euro ab 24 Jahren."
    assert d.reason.startswith("vom Sprachmodell")


@pytest.mark.parametrize("case", ["invented_fee", "unknown_record", "not_json", "http_error", "timeout"])
def test_every_failure_falls_back_to_templates(assistant, llm_server, case):
    llm_server.status, llm_server.delay = 200, 0.0
    if case == "invented_fee":
        llm_server.reply = lambda body: {"service_id": "102", "answer": "Der Pass kostet 99 Euro."}
    elif case == "unknown_record":
        llm_server.reply = lambda body: {"service_id": "999", "answer": "Gehen Sie zum Amt."}
    elif case == "not_json":
        llm_server.reply = lambda body: "Ich weiß es nicht."
    elif case == "http_error":
        llm_server.status = 503
    else:
        llm_server.delay = 1.5  # the client waits 1 s
    try:
        d = assistant.ask("Was kostet ein Reisepass?")
    finally:
        llm_server.status, llm_server.delay = 200, 0.0
    assert d.action == "answer" and d.service.id == "102"
    assert "70 Euro ab 24 Jahren" in d.answer and d.reason == "ein Dienst passt eindeutig"


def test_person_requests_never_reach_the_model(assistant, llm_server):
    before = len(llm_server.requests)
    assert assistant.ask("Ich möchte mit Herrn Maier sprechen").action == "forward"
    assert len(llm_server.requests) == before
