"""The phone bot end to end over real SIP on 127.0.0.1.

One `rathaus serve` process (the real command) serves the whole module: separate pjsua2 caller
processes dial it, a pjsua2 staff phone receives transfers (answering or busy, per scenario), and
the results are checked in the SQLite store the bot wrote, in what the caller heard, and in the
staff phone's log. Questions are synthesized speech (voice.tts: SVOX Pico for German, Piper for
English), full sentences as callers say them."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest

from sip_peers import finish_caller, free_port, run_caller, start_bot, start_registrar, start_staff, stop

pytestmark = [pytest.mark.sip]


class Bot:
    def __init__(self, root: Path, sip_port: int, staff_port: int, proc, staff, code_file: Path, staff_log: Path):
        self.root, self.sip_port, self.staff_port = root, sip_port, staff_port
        self.proc, self.staff, self.code_file, self.staff_log = proc, staff, code_file, staff_log
        self.uri = f"sip:hotline@127.0.0.1:{sip_port}"
        self.db_path = root / "home" / "rathaus.db"
        self.n = 0

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=30)
        conn.row_factory = sqlite3.Row
        return conn

    def staff_answers(self, code: int) -> None:
        self.code_file.write_text(str(code))

    def call(self, script: list[dict], timeout: float = 150, wait: bool = True, codecs: str = "PCMA,PCMU"):
        self.n += 1
        out, rec = self.root / f"call{self.n}.json", self.root / f"call{self.n}.wav"
        result = run_caller(self.uri, script, out, rec, timeout=timeout, wait=wait, codecs=codecs)
        return result if wait else (result, out)

    def last_call(self, conn=None) -> sqlite3.Row:
        conn = conn or self.db()
        return conn.execute("SELECT * FROM calls ORDER BY started_at DESC LIMIT 1").fetchone()

    def wait_closed(self, timeout: float = 20) -> sqlite3.Row:
        """The newest call, once the bot has closed its record."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.last_call()
            if row is not None and row["ended_at"]:
                return row
            time.sleep(0.2)
        raise AssertionError(f"call record not closed: {dict(row) if row else None}")

    def turns(self, call_id: str) -> list[sqlite3.Row]:
        return self.db().execute("SELECT * FROM call_turns WHERE call_id = ? ORDER BY idx", [call_id]).fetchall()


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    """Caller utterances synthesized once for the module."""
    from rathaus.config import Config
    from rathaus.speech import audio
    from voice.tts import Synthesizer, TtsSettings

    d = tmp_path_factory.mktemp("speech")
    config = Config.load()
    tts = Synthesizer(config.settings("tts", TtsSettings), d / "voices")
    texts = {
        "ummelden": ("de", "Guten Tag, ich bin letzten Monat innerhalb der Stadt umgezogen und möchte mich jetzt "
                           "ummelden, was muss ich dafür tun?"),
        "name": ("de", "Erika Mustermann"),
        "person": ("en", "Please connect me to a real person."),
    }
    files = {}
    for key, (lang, text) in texts.items():
        samples, rate = tts.synthesize(text, lang, 8000)
        files[key] = str(audio.write_wav(d / f"{key}.wav", samples, rate))
    return files


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    from tests.conftest import make_home

    root = tmp_path_factory.mktemp("phone")
    home = make_home(root)
    sip_port, http_port, staff_port = free_port(), free_port(), free_port()
    config = root / "rathaus.toml"
    config.write_text(f"""
[general]
municipality = "Teststadt"
[catalog]
default_queue = "sip:buergerservice@127.0.0.1:{staff_port}"
[phone]
silence_timeout_s = 20.0
transfer_timeout_s = 15.0
mask_caller = "partial"
keep_audio = true
languages = ["de", "en"]
""")
    registrar = None
    if shutil.which("kamailio"):  # the bot registers at kamailio, as at a PBX
        reg_port = free_port()
        registrar = start_registrar(reg_port, root / "registrar")
        config.write_text(config.read_text() + f"""registrar = "sip:127.0.0.1:{reg_port}"
user = "hotline"
domain = "127.0.0.1"
""")
    code_file, staff_log = root / "staff_code", root / "staff.jsonl"
    code_file.write_text("200")
    staff = start_staff(staff_port, code_file, staff_log, hold_s=1.0)
    env = {"RATHAUS_HOME": str(home), "RATHAUS_DB": str(home / "rathaus.db"), "RATHAUS_CONFIG": str(config)}
    try:
        proc = start_bot(env, sip_port, http_port, root / "bot.log", timeout=300)
    except Exception:
        stop(staff)
        if registrar:
            stop(registrar)
        raise
    b = Bot(root, sip_port, staff_port, proc, staff, code_file, staff_log)
    b.registrar_uri = f"sip:hotline@127.0.0.1:{reg_port}" if registrar else None
    yield b
    output = stop(proc)
    stop(staff)
    if registrar:
        stop(registrar)
    assert proc.returncode == 0, output[-3000:]
    assert "stopped" in output, output[-3000:]


def heard(result: dict) -> tuple[np.ndarray, float]:
    """What the caller heard at 8 kHz, and its start on the caller's clock."""
    from rathaus.speech import audio

    return audio.decode(result["record"], 8000), result["heard_t0"]


def loud_times(samples: np.ndarray, rate: int = 8000, frame_s: float = 0.02, level: float = 0.02) -> np.ndarray:
    n = int(rate * frame_s)
    frames = samples[: len(samples) // n * n].reshape(-1, n)
    return np.nonzero(np.abs(frames).max(axis=1) > level)[0] * frame_s


def event_time(result: dict, name: str) -> float:
    return [e["t"] for e in result["events"] if e["event"] == name][0]


def test_german_question_is_answered_and_recorded(bot, speech):
    """Synthesized German question -> the recorded reply, transcribed, names the right service."""
    result = bot.call([
        {"wait": 1.0}, {"play": speech["ummelden"]},  # spoken over the greeting: barge-in
        {"wait_loud": 60}, {"wait_quiet": 1.5, "timeout": 60},
        {"dtmf": "1"},  # "yes" if the bot asked to confirm; ignored after a direct answer
        {"wait_loud": 60}, {"wait_quiet": 6.0, "timeout": 150},  # the answer, "Kann ich sonst noch helfen?"
        {"hangup": True},
    ])
    assert result["media"] and result["confirmed"], result["output"][-2000:]
    call = bot.wait_closed()
    assert call["service_id"] in ("105", "106"), dict(call)  # Wohnsitz anmelden / ummelden
    assert call["outcome"] == "answered" and call["language"] == "de"
    assert call["caller"].endswith("xxx") or "x" in call["caller"]  # masked
    turns = bot.turns(call["id"])
    caller_turns = [t for t in turns if t["role"] == "caller" and not t["text"].startswith("[DTMF")]
    assert caller_turns and caller_turns[0]["latency_ms"] and caller_turns[0]["latency_ms"] > 0
    assert json.loads(caller_turns[0]["candidates"])[0]["id"] in ("105", "106")
    bot_texts = [t["text"] for t in turns if t["role"] == "bot"]
    assert "Teststadt" in bot_texts[0]
    # what the caller heard after its question, transcribed, names the service
    from rathaus.config import Config
    from rathaus.speech.asr import RECORDING_TEXT, AsrSettings, shared_recognizer
    from rathaus.speech import audio
    from tests.conftest import _models_cache

    samples, t0 = heard(result)
    start = max(0, int((event_time(result, "played") - t0) * 8000))
    reply = audio.resample(samples[start:], 8000, 16000)
    recognizer = shared_recognizer(Config.load().settings("asr", AsrSettings), _models_cache())
    text = recognizer.transcribe(reply, language="de", options=RECORDING_TEXT).text.lower()
    # the German voice is understood, not guessed at: three words in five of the answer come back
    # spelled right, a word of the registration among them. Whether whisper hears the first words
    # of a Pico reply at 8 kHz as "Wohnsitz ummelden", "Wohnsitzumläden" or "Wunsitz umnäden"
    # varies with where the recording starts (CI heard the last), so no single word is required.
    from voice.wer import normalize

    answer = normalize(max(bot_texts[1:], key=len))
    heard_words = set(normalize(text))
    assert sum(w in heard_words for w in answer) >= 0.6 * len(answer), (answer, text)
    assert any(k in text for k in ("wohnsitz", "ummeld", "anmeld", "wohnungsgeber")), text


def test_barge_in_stops_greeting_and_hangup_mid_answer_abandons(bot, speech):
    result = bot.call([
        {"wait": 2.0}, {"play": speech["ummelden"]},
        {"wait_loud": 60}, {"wait": 0.6}, {"hangup": True},  # hang up while the bot answers
    ])
    samples, t0 = heard(result)
    play = event_time(result, "play") - t0
    loud = loud_times(samples)
    assert (loud < play).any(), "the greeting was playing when the caller started"
    after = loud[loud >= play]
    # the greeting stops: the first gap of 0.3 s after the caller starts talking
    gaps = np.nonzero(np.diff(after) > 0.3)[0]
    stop_at = after[gaps[0]] if len(gaps) else after[-1]
    assert stop_at - play <= 0.5, f"greeting still audible {stop_at - play:.2f} s after the caller spoke"
    call = bot.wait_closed()
    assert call["outcome"] == "abandoned" and call["ended_at"]


def test_dtmf_zero_transfers_to_staff_with_handoff(bot):
    bot.staff_answers(200)
    before = len(bot.staff_log.read_text().splitlines()) if bot.staff_log.exists() else 0
    result = bot.call([{"wait": 1.5}, {"dtmf": "0"}, {"wait_end": 40}])
    assert result["transfer_target"] and f"127.0.0.1:{bot.staff_port}" in result["transfer_target"]
    staff_calls = bot.staff_log.read_text().splitlines()[before:]
    assert len(staff_calls) == 1 and json.loads(staff_calls[0])["code"] == 200
    call = bot.wait_closed()
    assert call["outcome"] == "forwarded"
    assert call["transfer_target"] == f"sip:buergerservice@127.0.0.1:{bot.staff_port}"
    handoff = json.loads(call["handoff"])
    assert "Null" in handoff["reason"] and handoff["language"] == "de"
    # [phone] keep_audio: the call's audio is kept as a complete WAV
    from rathaus.speech import audio

    time.sleep(0.5)  # the recorder finishes the WAV header when the SIP thread releases it
    kept = audio.decode(call["audio_path"], 8000)
    assert len(kept) > 8000 and np.abs(kept).max() > 0.05
    assert handoff["transcript"][0]["role"] == "bot" and handoff["transcript"][-1]["text"] == "[DTMF 0]"


def test_spoken_request_for_a_person_transfers(bot, speech):
    bot.staff_answers(200)
    before = len(bot.staff_log.read_text().splitlines()) if bot.staff_log.exists() else 0
    result = bot.call([{"wait": 1.0}, {"play": speech["person"]}, {"wait_end": 90}])
    assert result["transfer_target"], result["output"][-2000:]
    assert len(bot.staff_log.read_text().splitlines()) == before + 1
    call = bot.wait_closed()
    assert call["outcome"] == "forwarded" and call["language"] == "en"
    handoff = json.loads(call["handoff"])
    assert any(t["role"] == "caller" and "person" in t["text"].lower() for t in handoff["transcript"])


def test_failed_transfer_ends_in_callback_request(bot, speech):
    bot.staff_answers(486)
    result = bot.call([
        {"wait": 1.0}, {"dtmf": "0"},
        # the transfer announcement (4 s), then "nobody available, shall we call you back?"
        {"wait_quiet": 1.0, "min_loud": 6.0, "timeout": 60},
        {"dtmf": "1"},
        {"wait_loud": 30}, {"wait_quiet": 1.0, "timeout": 30},  # "your name, please"
        {"play": speech["name"]},
        {"wait_loud": 90},                               # "which number?"
        {"dtmf": "0711123#"},
        {"wait_end": 60},
    ], timeout=240)
    assert result["disconnected"]
    call = bot.wait_closed()
    assert call["outcome"] == "callback", dict(call)
    cb = bot.db().execute("SELECT * FROM callbacks WHERE call_id = ?", [call["id"]]).fetchone()
    assert cb["number"] == "0711123" and cb["name"] and cb["status"] == "open"
    assert "Null" in cb["reason"]
    bot.staff_answers(200)


def test_four_calls_at_once_and_a_fifth_is_busy(bot):
    bot.staff_answers(200)
    # two press 0 as RFC 2833 events, two as SIP INFO: the bot understands both
    procs = [bot.call([{"wait": 8.0}, {"dtmf" if i % 2 else "dtmf_info": "0"}, {"wait_end": 60}], wait=False)
             for i in range(4)]
    deadline = time.monotonic() + 60
    while bot.db().execute("SELECT count(*) FROM calls WHERE ended_at IS NULL").fetchone()[0] < 4:
        assert time.monotonic() < deadline, "4 calls did not get through"
        time.sleep(0.1)
    fifth = bot.call([{"wait_end": 5}], timeout=60)
    results = [finish_caller(p, out, 150) for p, out in procs]
    assert fifth["reason"].startswith("486"), fifth["reason"]
    for r in results:
        assert r["media"] and r["transfer_target"], r["output"][-1500:]
        samples, _ = heard(r)
        assert len(loud_times(samples)) > 25, "each caller heard the greeting"
    time.sleep(1.0)
    rows = bot.db().execute("SELECT outcome FROM calls ORDER BY started_at DESC LIMIT 4").fetchall()
    assert [r["outcome"] for r in rows] == ["forwarded"] * 4


def test_malformed_sip_does_not_crash_the_bot(bot):
    garbage = [
        b"\x00\xff" * 300,
        b"INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: broken\r\n\r\n",
        b"INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK1\r\n"
        b"From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: 1\r\nCSeq: 1 INVITE\r\n"
        b"Content-Type: application/sdp\r\nContent-Length: 9999\r\n\r\nv=0\r\n",
        b"REFER sip:x@127.0.0.1 SIP/2.0\r\nRefer-To: \r\n\r\n",
        b"SIP/2.0 200 OK\r\n\r\n",
    ]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for packet in garbage * 3:
            s.sendto(packet, ("127.0.0.1", bot.sip_port))
    time.sleep(0.5)
    assert bot.proc.poll() is None
    before = len(bot.staff_log.read_text().splitlines()) if bot.staff_log.exists() else 0
    # a caller asking the bot to dial elsewhere (REFER) is refused: no toll fraud through the bot
    result = bot.call([{"wait": 1.0}, {"refer": f"sip:premium@127.0.0.1:{bot.staff_port}"}, {"hangup": True}])
    assert result["media"] and bot.proc.poll() is None
    assert result.get("refer_status", 603) >= 400
    after = len(bot.staff_log.read_text().splitlines()) if bot.staff_log.exists() else 0
    assert after == before


def test_registered_bot_is_reached_through_the_registrar(bot):
    """With [phone] registrar set, the bot registers (here at kamailio) and takes calls routed there."""
    if not bot.registrar_uri:
        pytest.skip("kamailio (Debian package) is not installed")
    deadline = time.monotonic() + 20
    while True:  # registration happens right after start; give it a moment
        bot.n += 1
        out, rec = bot.root / f"call{bot.n}.json", bot.root / f"call{bot.n}.wav"
        result = run_caller(bot.registrar_uri, [{"wait": 1.5}, {"hangup": True}], out, rec, timeout=60)
        if result["media"] or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert result["media"] and result["confirmed"], result["reason"]
    samples, _ = heard(result)
    assert len(loud_times(samples)) > 10, "the greeting came through the registrar"


@pytest.mark.parametrize("codecs,ok", [("PCMU", True), ("PCMA", True), ("GSM,speex", False)])
def test_g711_alaw_and_mulaw_only(bot, codecs, ok):
    result = bot.call([{"wait": 1.5}, {"hangup": True}], codecs=codecs)
    if ok:
        samples, _ = heard(result)
        assert result["media"] and len(loud_times(samples)) > 20, f"greeting heard over {codecs}"
    else:
        assert not result["confirmed"] and result["reason"].startswith("488"), result["reason"]


def test_sigterm_hangs_up_live_calls_and_stops_cleanly(bot):
    """Last in the module: stopping `rathaus serve` mid-call sends BYE, closes the record and
    destroys pjsua2 without a crash (exit code 0)."""
    proc, out = bot.call([{"wait_end": 60}], wait=False)
    deadline = time.monotonic() + 30
    while bot.db().execute("SELECT count(*) FROM calls WHERE ended_at IS NULL").fetchone()[0] < 1:
        assert time.monotonic() < deadline, "the call did not start"
        time.sleep(0.1)
    time.sleep(1.0)
    output = stop(bot.proc, 30)
    assert bot.proc.returncode == 0, output[-3000:]
    result = finish_caller(proc, out, 60)
    assert result["disconnected"] and result["reason"].startswith("200"), result["reason"]
    assert bot.db().execute("SELECT count(*) FROM calls WHERE ended_at IS NULL").fetchone()[0] == 0
    assert "stopped" in output
