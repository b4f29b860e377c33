"""Issue 15 item 7: operations that tell the truth.

- /healthz runs a real query and asks the liveness of the parts `rathaus serve` runs (SIP stack,
  meeting worker): 503 naming the failed check.
- /metrics in the Prometheus text format, only for configured addresses or a bearer token.
- The call id is a structured field (`call_id`) of log records, shown by the log format.
- sd_notify: a real process sends READY=1 and WATCHDOG=1 to a real unix datagram socket, and the
  watchdog is not fed while a part is unhealthy.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

from rathaus.config import Config
from rathaus.liveness import Liveness
from rathaus.store import now_iso, open_store
from tests.conftest import ROOT
from tests.test_web import ADMIN_PW, Web, insert_call


def _web(rathaus_home, monkeypatch, extra: str = "", liveness: Liveness | None = None):
    from apps.site import create_site

    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    path = rathaus_home / "ops.toml"
    path.write_text(extra, encoding="utf-8")
    config = Config.load(path)
    store = open_store(config)
    web = Web.__new__(Web)
    web.loop, web.store = asyncio.new_event_loop(), store
    web.app = create_site(config, store, liveness)
    from aiohttp.test_utils import TestClient, TestServer

    web.client = TestClient(TestServer(web.app), loop=web.loop)
    web.loop.run_until_complete(web.client.start_server())
    return web, store


# ---------------------------------------------------------------------------------- /healthz

def test_defect_operations_healthz_checks_database_and_components(rathaus_home, monkeypatch):
    liveness = Liveness()
    sip_beat = liveness.register("sip", max_age_s=0.5)
    worker_alive = threading.Event()
    worker_alive.set()
    liveness.register("meeting-worker", max_age_s=60, alive=worker_alive.is_set)
    web, store = _web(rathaus_home, monkeypatch, liveness=liveness)
    try:
        sip_beat()
        ok = web.get("/healthz")
        assert ok.status == 200, ok.text_
        body = json.loads(ok.text_)
        assert body == {"status": "ok", "checks": {"database": "ok", "sip": "ok", "meeting-worker": "ok"}}

        time.sleep(0.7)  # the SIP loop stopped beating: a hung stack
        stale = json.loads(web.get("/healthz").text_)
        assert stale["status"] == "fail" and stale["checks"]["sip"].startswith("no heartbeat")
        assert web.get("/healthz").status == 503
        sip_beat()
        worker_alive.clear()  # the worker thread died
        dead = web.get("/healthz")
        assert dead.status == 503 and json.loads(dead.text_)["checks"]["meeting-worker"] == "stopped"
        worker_alive.set()
        assert web.get("/healthz").status == 200

        store.conn.execute("ALTER TABLE calls RENAME TO calls_gone")  # the database no longer answers the query
        broken = web.get("/healthz")
        assert broken.status == 503
        assert json.loads(broken.text_)["checks"]["database"].startswith("failed")
    finally:
        web.close()
        store.close()


# ---------------------------------------------------------------------------------- /metrics

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$')


def parse_exposition(text: str) -> dict[tuple[str, tuple], float]:
    """A strict reader of the text format 0.0.4: every line is HELP, TYPE or a valid sample, every
    sample belongs to a declared family, histogram buckets are cumulative and end with +Inf."""
    assert text.endswith("\n")
    types: dict[str, str] = {}
    samples: dict[tuple[str, tuple], float] = {}
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped") and name not in types, line
            types[name] = kind
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name = match.group(1)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, f"sample {name} without # TYPE"
        labels = tuple(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        samples[(name, labels)] = float(match.group(4))
    for family, kind in types.items():
        if kind == "histogram":
            buckets = [(k[1], v) for k, v in samples.items() if k[0] == f"{family}_bucket"]
            assert buckets and buckets[-1][0][-1] == ("le", "+Inf"), family
            values = [v for _, v in buckets]
            assert values == sorted(values) and values[-1] == samples[(f"{family}_count", ())], family
    return samples


def test_defect_operations_metrics_exposition(rathaus_home, monkeypatch):
    from meetings import jobs
    from rathaus import metrics

    web, store = _web(rathaus_home, monkeypatch, '[web]\nmetrics_token = "metrik-geheim-123"\n')
    try:
        insert_call(store, outcome="forwarded")
        insert_call(store, outcome="forwarded")
        insert_call(store, outcome="answered")
        live = insert_call(store, outcome="answered")
        store.conn.execute("UPDATE calls SET outcome = NULL, ended_at = NULL WHERE id = ?", [live])
        store.conn.commit()
        store.db["meetings"].insert({"id": "m1", "title": "Rat", "created_at": now_iso(), "status": "new"})
        queued = jobs.enqueue_meeting(store, "m1", {})
        jobs.enqueue_meeting(store, "m1", {})
        jobs.claim_next(store, "a@b")
        store.db["jobs"].update(queued, {"heartbeat_at": time.time() - 3600})
        before = metrics.asr_seconds.snapshot()[2]
        metrics.asr_seconds.observe(0.42)

        response = web.get("/metrics")
        assert response.status == 200 and response.content_type == "text/plain", response.status
        samples = parse_exposition(response.text_)
        turns = store.conn.execute("SELECT count(*) FROM call_turns WHERE latency_ms IS NOT NULL").fetchone()[0]
        assert samples[("rathaus_calls_active", ())] == 1
        assert samples[("rathaus_calls", (("outcome", "forwarded"),))] == 2
        assert samples[("rathaus_calls", (("outcome", "answered"),))] == 1
        assert samples[("rathaus_turn_latency_seconds_count", ())] == turns
        assert samples[("rathaus_asr_seconds_count", ())] == before + 1
        assert samples[("rathaus_meeting_jobs", (("state", "queued"),))] == 1
        assert samples[("rathaus_meeting_jobs", (("state", "running"),))] == 1
        assert samples[("rathaus_meeting_jobs", (("state", "stale"),))] == 1

        # through the local proxy, a client on the LAN is not local: no metrics without the token
        relayed = {"X-Forwarded-For": "192.0.2.50"}
        assert web.get("/metrics", headers=relayed).status == 404
        assert web.get("/metrics", headers={**relayed, "Authorization": "Bearer falsch"}).status == 404
        with_token = web.get("/metrics", headers={**relayed, "Authorization": "Bearer metrik-geheim-123"})
        assert with_token.status == 200 and "rathaus_calls_active" in with_token.text_
    finally:
        web.close()
        store.close()


def test_defect_operations_metrics_refused_outside_allow_list(rathaus_home, monkeypatch):
    web, store = _web(rathaus_home, monkeypatch, "[web]\nmetrics_allow = []\n")
    try:
        refused = web.get("/metrics")
        assert refused.status == 404 and "rathaus_" not in refused.text_
        assert web.get("/metrics", headers={"Authorization": "Bearer "}).status == 404  # no token configured
    finally:
        web.close()
        store.close()


# ------------------------------------------------------------------------------ call_id in logs

LOGGING_SCRIPT = """
import logging, threading, sys
from apps.cli import main
from rathaus.logcontext import call_context, set_call_id
main(["config", "show"])            # configures logging as every rathaus command does
log = logging.getLogger("voice.phone.session")
log.warning("outside any call")
with call_context("c-4711"):
    log.warning("heard something")
    logging.getLogger("faster_whisper").warning("a library line")
def thread():
    set_call_id("c-0815")
    log.warning("in the call's own thread")
t = threading.Thread(target=thread); t.start(); t.join()
class Keep(logging.Handler):
    def emit(self, record): print("FIELD", record.getMessage(), getattr(record, "call_id", None))
logging.getLogger().addHandler(Keep())
from rathaus.logcontext import install; install()
with call_context("c-9"):
    log.warning("structured")
"""


def test_defect_operations_call_id_is_a_log_field(rathaus_home):
    result = subprocess.run([sys.executable, "-c", LOGGING_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stderr.splitlines()

    def line(text):
        return next(l for l in lines if text in l)

    assert "[call=-]" in line("outside any call")
    assert "[call=c-4711]" in line("heard something") and "[call=c-4711]" in line("a library line")
    assert "[call=c-0815]" in line("in the call's own thread")
    assert "FIELD structured c-9" in result.stdout


# ---------------------------------------------------------------------------------- sd_notify

def _notify_socket(tmp_path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify.sock"
    sock.bind(str(path))
    sock.settimeout(0.5)
    return sock, path


def _receive(sock, until: float) -> list[str]:
    got = []
    while time.time() < until:
        try:
            got.append(sock.recv(4096).decode())
        except socket.timeout:
            continue
        if sum(m.startswith("WATCHDOG=1") for m in got) >= 3:
            break
    return got


def test_defect_operations_sd_notify_ready_and_watchdog_from_a_real_process(rathaus_home, tmp_path):
    sock, path = _notify_socket(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "400000"}
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([sys.executable, "-m", "apps.cli", "jobs", "work"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        got = _receive(sock, time.time() + 60)
        assert got and got[0].startswith("READY=1"), got
        assert sum(m == "WATCHDOG=1" for m in got) >= 3, got
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        rest = []
        try:
            while True:
                rest.append(sock.recv(4096).decode())
        except socket.timeout:
            pass
        assert "STOPPING=1" in rest and proc.returncode == 0, (rest, proc.stderr.read()[-2000:])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()


def test_defect_operations_watchdog_starves_while_a_part_is_unhealthy(tmp_path, monkeypatch):
    from rathaus.sdnotify import supervise

    sock, path = _notify_socket(tmp_path)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    liveness = Liveness()
    beat = liveness.register("sip", max_age_s=0.3)

    async def scenario():
        stop = asyncio.Event()
        task = asyncio.create_task(supervise(stop, liveness, "test"))
        for _ in range(10):  # healthy for 0.5 s
            beat()
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # no beats: stale after 0.3 s
        stop.set()
        await task

    messages = []

    def read():
        try:
            while True:
                messages.append((time.time(), sock.recv(4096).decode()))
        except socket.timeout:
            pass

    sock.settimeout(3.0)  # the unhealthy second sends nothing
    reader = threading.Thread(target=read)
    reader.start()
    asyncio.run(scenario())
    reader.join(10)
    sock.close()
    texts = [m for _, m in messages]
    assert texts[0].startswith("READY=1") and texts[-1] == "STOPPING=1", texts
    pings = texts.count("WATCHDOG=1")
    assert 3 <= pings <= 20, texts  # fed every 50 ms while healthy (0.5 s + 0.3 s to go stale), then never
    assert any(t.startswith("STATUS=unhealthy: sip no heartbeat") for t in texts), texts
    last_ping = max(i for i, t in enumerate(texts) if t == "WATCHDOG=1")
    assert texts.index(next(t for t in texts if t.startswith("STATUS=unhealthy"))) > last_ping


def test_defect_operations_children_do_not_inherit_the_notify_socket(tmp_path, monkeypatch):
    """SIP workers and kamailio started by `rathaus serve` must not notify in the unit's name."""
    import rathaus.sdnotify as sd

    sock, path = _notify_socket(tmp_path)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setattr(sd, "_claimed", None)
    sd.claim()
    try:
        child = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get('NOTIFY_SOCKET'))"],
                               capture_output=True, text=True, timeout=60)
        assert child.stdout.strip() == "None"
        assert sd.notify("READY=1") and sock.recv(100) == b"READY=1"
    finally:
        sock.close()
