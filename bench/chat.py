"""Web chat under load: N concurrent citizen conversations against a real `rathaus serve`.

Starts `rathaus serve` (SIP and web in one process, as installed) on 127.0.0.1 with a fresh
database, then:
  1. sessions: N concurrent conversations (aiohttp clients), each a question, a follow-up, a
     person request and a contact request, each from its own address (X-Forwarded-For through
     the trusted local proxy, as behind the town's reverse proxy). Reply latency p50/p95 per
     message, errors, and lost conversations: every conversation must be in the database as a
     channel 'web' call with all its turns and its callback request.
  2. abuse: one address floods the chat (--flood messages per second), oversized (200 kB) and
     malformed bodies are sent; counts of 413/429/400 and anything else. For as long as the
     flood lasts, a real phone call (pjsua2 caller from tests/sip_peers.py speaking a synthesized
     German question) must get its answer, and citizens from other addresses asking every two
     seconds must still be answered.
Prints one JSON object.

  .venv/bin/python bench/chat.py --sessions 50
  .venv/bin/python bench/chat.py --sessions 50 --no-call     # without SIP/ASR
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from rathaus.evaluation.stats import percentile  # noqa: E402

CONVERSATIONS = [
    ("Was kostet ein Personalausweis?", "Und welche Unterlagen brauche ich?"),
    ("Wie melde ich meinen Wohnsitz um?", "Wo ist das?"),
    ("Ich möchte meinen Hund anmelden.", "Was kostet das?"),
    ("Wann hat das Bürgerbüro geöffnet?", "Und am Freitag?"),
    ("Ich brauche einen Reisepass.", "Wie lange dauert das?"),
]


async def _post(session, url: str, payload: dict, address: str) -> tuple[int, dict, float]:
    started = time.perf_counter()
    async with session.post(url, json=payload, headers={"X-Forwarded-For": address}) as r:
        body = await r.json(content_type=None)
        return r.status, body or {}, (time.perf_counter() - started) * 1000


async def conversation(session, base: str, i: int, latencies: list, errors: list) -> str | None:
    """One citizen's conversation; returns its token (None when it failed)."""
    address = f"198.51.100.{i % 250 + 1}"
    first, follow = CONVERSATIONS[i % len(CONVERSATIONS)]
    token = None
    for text, kind in ((first, "text"), (follow, "text"), ("", "person")):
        status, body, ms = await _post(session, base + "/api/chat/message",
                                       {"token": token, "text": text, "kind": kind, "lang": "de"}, address)
        if status != 200:
            errors.append(f"{status} {body.get('code')}")
            return None
        latencies.append(ms)
        token = body["token"]
    status, body, ms = await _post(session, base + "/api/chat/callback",
                                   {"token": token, "name": f"Bürgerin {i}", "phone": f"0711 55{i:04d}"}, address)
    if status != 200:
        errors.append(f"callback {status} {body.get('code')}")
        return None
    latencies.append(ms)
    return token


async def sessions_phase(base: str, n: int) -> dict:
    import aiohttp

    latencies: list[float] = []
    errors: list[str] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
        started = time.perf_counter()
        tokens = await asyncio.gather(*(conversation(session, base, i, latencies, errors) for i in range(n)))
        wall = time.perf_counter() - started
    return {"sessions": n, "completed": sum(1 for t in tokens if t), "messages": len(latencies),
            "p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95),
            "max_ms": round(max(latencies), 1) if latencies else None, "errors": len(errors),
            "error_kinds": sorted(set(errors))[:5], "wall_s": round(wall, 1)}


async def abuse_phase(base: str, until, rate: int) -> dict:
    """Flood from one address (`rate` messages per second) plus oversized and malformed bodies,
    while well-behaved citizens from other addresses keep asking, until `until()` is true."""
    import aiohttp

    statuses: dict[str, int] = {}
    citizens: list[tuple[int, float]] = []

    def count(key) -> None:
        statuses[str(key)] = statuses.get(str(key), 0) + 1

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
        async def flood_one(k: int) -> None:
            status, _, _ = await _post(session, base + "/api/chat/message",
                                       {"text": f"Hallo {k}", "lang": "de"}, "192.0.2.66")
            count(status)

        async def raw(body: bytes, address: str) -> None:
            async with session.post(base + "/api/chat/message", data=body,
                                    headers={"Content-Type": "application/json", "X-Forwarded-For": address}) as r:
                count(r.status)

        async def citizen(k: int) -> None:
            status, _, ms = await _post(session, base + "/api/chat/message",
                                        {"text": "Was kostet ein Reisepass?", "lang": "de"}, f"198.51.100.{200 + k % 50}")
            citizens.append((status, ms))

        jobs: list[asyncio.Task] = []
        started = time.monotonic()
        k = 0
        while not until() and time.monotonic() - started < 300:
            for _ in range(max(1, rate // 10)):
                jobs.append(asyncio.create_task(flood_one(k)))
                k += 1
            if k % 50 == 0:
                jobs.append(asyncio.create_task(raw(b'{"text":"' + b"x" * 200_000 + b'"}', "192.0.2.67")))
                jobs.append(asyncio.create_task(raw(b'{"text": ', "192.0.2.68")))
            if k % (2 * max(10, rate // 10 * 10)) == 0:  # about every two seconds
                jobs.append(asyncio.create_task(citizen(len(jobs))))
            await asyncio.sleep(0.1)
        await asyncio.gather(*jobs)
        duration = time.monotonic() - started
    ok = [ms for status, ms in citizens if status == 200]
    return {"duration_s": round(duration, 1), "flood_rate_per_s": rate, "statuses": statuses,
            "citizens_during_flood": {"asked": len(citizens), "answered": len(ok),
                                      "p50_ms": percentile(ok, 0.5), "p95_ms": percentile(ok, 0.95)}}


def phone_call(sip_port: int, work: Path) -> dict:
    """One real call while the chat is flooded: did the caller hear an answer?"""
    from sip_peers import finish_caller, run_caller
    from rathaus.speech import audio
    from voice.tts import Synthesizer, TtsSettings
    from rathaus.config import Config

    config = Config.load()
    samples, rate = Synthesizer(config.settings("tts", TtsSettings),
                                config.path("tts.voice_dir", "voices")).synthesize("Was kostet ein Personalausweis?", "de", 8000)
    wav = str(audio.write_wav(work / "question.wav", samples, rate))
    script = [{"wait": 1.5}, {"play": wav}, {"wait_loud": 90}, {"wait": 0.5}, {"hangup": True}]
    proc = run_caller(f"sip:hotline@127.0.0.1:{sip_port}", script, work / "call.json", work / "call.wav", wait=False)
    return {"proc": proc, "out": work / "call.json"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--flood", type=int, default=50, help="messages per second from one address in the abuse phase")
    p.add_argument("--flood-s", type=float, default=20, help="length of the abuse phase without a phone call")
    p.add_argument("--no-call", dest="call", action="store_false", help="no phone call during the flood")
    args = p.parse_args()

    from rathaus.config import dump_toml
    from sip_peers import finish_caller, free_port, start_bot, stop

    work = Path(tempfile.mkdtemp(prefix="rathaus-bench-chat-"))
    home = work / "home"
    home.mkdir()
    models = Path(os.environ.get("RATHAUS_TEST_MODELS", Path.home() / ".cache" / "rathaus-test-models"))
    if models.is_dir():
        (home / "models").symlink_to(models.resolve(), target_is_directory=True)
    config_file = work / "bench.toml"
    # all clients are local: the local proxy is trusted, and the global limit fits N sessions
    config_file.write_text(dump_toml({"web": {"trusted_proxies": ["127.0.0.1"]},
                                      "webchat": {"global_per_minute": max(600, args.sessions * 6)},
                                      "phone": {"max_invites_per_minute": 0}}), encoding="utf-8")
    env = {"RATHAUS_HOME": str(home), "RATHAUS_DB": str(home / "rathaus.db"), "RATHAUS_CONFIG": str(config_file)}
    os.environ.update(env)
    sip_port, http_port = free_port(), free_port()
    extra = [] if args.call else ["--no-sip"]
    bot = start_bot(env, sip_port, http_port, work / "serve.log", extra=extra, timeout=900)
    base = f"http://127.0.0.1:{http_port}"
    try:
        # the page view loads the catalog index, as a citizen opening the chat does
        import urllib.request

        urllib.request.urlopen(base + "/chat", timeout=30).read()
        asyncio.run(_post_once(base))
        load = asyncio.run(sessions_phase(base, args.sessions))
        call = phone_call(sip_port, work) if args.call else None
        if call:  # the flood lasts as long as the phone call
            until = lambda: call["proc"].poll() is not None  # noqa: E731
        else:
            end = time.monotonic() + args.flood_s
            until = lambda: time.monotonic() > end  # noqa: E731
        abuse = asyncio.run(abuse_phase(base, until, args.flood))
        call_result = None
        if call:
            try:
                r = finish_caller(call["proc"], call["out"], 240)
                call_result = {"confirmed": bool(r.get("confirmed")), "media": bool(r.get("media")),
                               "ended": r.get("reason")}
            except AssertionError as exc:
                call_result = {"answered": False, "why": str(exc).splitlines()[0]}
        time.sleep(0.5)
        conn = sqlite3.connect(home / "rathaus.db")
        stored = conn.execute(
            "SELECT count(*) FROM calls c WHERE channel = 'web' AND (SELECT count(*) FROM call_turns t"
            " WHERE t.call_id = c.id) = 6 AND EXISTS (SELECT 1 FROM callbacks b WHERE b.call_id = c.id)").fetchone()[0]
        phone_turns = conn.execute(
            "SELECT t.action, t.latency_ms, t.text FROM call_turns t JOIN calls c ON c.id = t.call_id"
            " WHERE c.channel = 'phone' AND t.role = 'caller' ORDER BY t.idx").fetchall()
        conn.close()
        if call_result is not None:  # the bot's side: what it understood and decided, how fast
            call_result["bot_turns"] = [{"action": a, "latency_ms": ms, "heard": text} for a, ms, text in phone_turns]
            call_result["answered"] = any(a in ("answer", "confirm", "forward") and ms for a, ms, _ in phone_turns)
    finally:
        stop(bot, 60)
    print(json.dumps({
        "benchmark": "web chat: concurrent conversations against rathaus serve",
        "load": {**load, "stored_complete": stored, "lost_conversations": load["completed"] - stored},
        "abuse": abuse, "phone_call_during_flood": call_result,
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "load_avg": os.getloadavg(), "python": platform.python_version()},
    }, indent=1))
    return 0


async def _post_once(base: str) -> None:
    """A first message outside the measurement: waits until the catalog index is loaded."""
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
        await _post(session, base + "/api/chat/message", {"text": "Hallo", "lang": "de"}, "203.0.113.1")


if __name__ == "__main__":
    raise SystemExit(main())
