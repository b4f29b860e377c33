"""The phone bot on a public SIP port: allowed sources, per-source rate limits, scanners, floods
and malformed SIP.

Unit tests of voice.phone.guard (no SIP), then end to end: SIPp (tests/sipp/*.xml) sends broken
INVITEs, floods, scanner traffic and calls from a source outside [phone] allowed_sources to a real
`rathaus serve`, and afterwards a pjsua2 caller must still be answered; a raw UDP peer
(tests/sip_peers.RawSip) sends INVITE bursts and vanishes mid-setup, and every call slot must come
back; the same traffic against the kamailio front (`--sip-workers`) with a SIPp UAS standing in
for the worker."""

from __future__ import annotations

import logging
import re
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sip_peers import free_port

from voice.phone.guard import (SCANNER_AGENTS, LogThrottle, SipGuard, is_scanner, parse_networks, registrar_host,
                               split_source, user_agent)
from voice.phone.settings import PhoneSettings
from voice.phone.watchdog import DROP, HANGUP, CallTimes, overdue

SIPP_DIR = Path(__file__).parents[1] / "sipp"


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


# ------------------------------------------------------------------------------------ unit tests
def test_networks_and_addresses_are_parsed():
    nets = parse_networks(["10.1.2.3", "192.168.0.0/24", "::1", "10.9.9.9/8"])
    assert [str(n) for n in nets] == ["10.1.2.3/32", "192.168.0.0/24", "::1/128", "10.0.0.0/8"]
    with pytest.raises(ValueError, match="allowed_sources"):
        parse_networks(["10.0.0.300"])
    assert split_source("192.0.2.7:5060") == "192.0.2.7"
    assert split_source("[2001:db8::1]:5060") == "2001:db8::1"
    assert split_source("2001:db8::1") == "2001:db8::1"
    assert registrar_host("sip:hotline@pbx.example.org:5060;transport=tcp") == "pbx.example.org"
    assert registrar_host("127.0.0.9") == "127.0.0.9"
    assert registrar_host("sip:[2001:db8::5]:5080") == "2001:db8::5"


def test_user_agent_is_read_from_the_raw_message():
    msg = ("INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nuser-agent:  friendly-scanner \r\n"
           "Content-Length: 20\r\n\r\nUser-Agent: in body\r\n")
    assert user_agent(msg) == "friendly-scanner"
    assert user_agent("INVITE sip:x@h SIP/2.0\r\nVia: x\r\n\r\n") == ""
    assert user_agent("") == ""
    assert is_scanner("Friendly-Scanner/1.0") and is_scanner("sipvicious 0.3") and is_scanner("VaxSIPUserAgent/3.1")
    assert not is_scanner("Rathaus-Assistent") and not is_scanner("Linphone/5.2 (belle-sip)") and not is_scanner("")


def test_default_policy_is_loopback_only():
    guard = SipGuard.from_settings(PhoneSettings())
    assert guard.check("127.0.0.1:5060", "Linphone").allowed
    assert guard.check("127.8.9.1:5060").allowed and guard.check("[::1]:5060").allowed
    assert guard.check("[::ffff:127.0.0.1]:5060").allowed
    v = guard.check("192.0.2.1:5060", "Linphone")
    assert (v.code, v.reason) == (403, "not-allowed")
    assert guard.check("not-an-address").code == 403


def test_registrar_is_allowed_trusted_and_exempt_from_rate_limits():
    s = PhoneSettings(registrar="sip:127.0.0.9:5080", max_invites_per_minute=2, max_calls_per_source=1)
    guard = SipGuard.from_settings(s)
    assert all(guard.check("127.0.0.9:5080", "Asterisk", active_calls=3).allowed for _ in range(10))
    assert guard.check("127.0.0.9:5080", "friendly-scanner").code == 403  # relayed scanner traffic
    # explicit allowed_sources replace loopback, but the registrar stays allowed
    s.allowed_sources = ["192.0.2.0/24"]
    guard = SipGuard.from_settings(s)
    assert guard.check("127.0.0.1:5060").code == 403
    assert guard.check("127.0.0.9:5080").allowed and guard.check("192.0.2.77:5060").allowed


def test_token_bucket_limits_invites_per_source():
    clock = Clock()
    guard = SipGuard(parse_networks(["0.0.0.0/0"]), max_invites_per_minute=6, clock=clock)
    verdicts = [guard.check("192.0.2.1:5060") for _ in range(10)]
    assert [v.allowed for v in verdicts] == [True] * 6 + [False] * 4
    assert verdicts[-1].code == 503 and verdicts[-1].reason == "rate"
    assert guard.check("192.0.2.2:5060").allowed  # another source has its own bucket
    clock.t += 10.0  # one token per 10 s at 6 per minute
    assert guard.check("192.0.2.1:5060").allowed
    assert not guard.check("192.0.2.1:5060").allowed
    clock.t += 3600.0  # saved-up tokens are capped at one minute's worth
    assert sum(guard.check("192.0.2.1:5060").allowed for _ in range(20)) == 6
    assert guard.rejected["rate"] == 4 + 1 + 14


def test_concurrent_calls_per_source_and_front_trust():
    guard = SipGuard(parse_networks(["127.0.0.0/8"]), trusted=parse_networks(["127.0.0.1"]),
                     max_invites_per_minute=1, max_calls_per_source=2)
    assert guard.check("127.0.0.2:5060", active_calls=1).allowed
    guard.buckets.clear()
    v = guard.check("127.0.0.2:5060", active_calls=2)
    assert (v.code, v.reason) == (486, "source-busy")
    # the kamailio front carries every caller: no per-source limits for it
    assert all(guard.check("127.0.0.1:5061", active_calls=9).allowed for _ in range(5))


def test_worker_behind_front_trusts_it():
    guard = SipGuard.from_settings(PhoneSettings(allowed_sources=["192.0.2.0/24"], max_invites_per_minute=1),
                                   front="10.0.0.5")
    assert all(guard.check("10.0.0.5:5070").allowed for _ in range(5))
    assert guard.check("10.0.0.6:5070").code == 403


def test_refusals_are_logged_once_per_source_and_minute(caplog):
    clock = Clock()
    guard = SipGuard(parse_networks(["127.0.0.1"]), max_invites_per_minute=1, clock=clock)
    with caplog.at_level(logging.WARNING, logger="voice.phone.guard"):
        for _ in range(100):
            guard.check("192.0.2.1:5060", "x")
        guard.check("192.0.2.2:5060", "x")
        for _ in range(50):
            guard.check("127.0.0.1:5060")
        clock.t += 61
        guard.check("192.0.2.1:5060", "x")
    lines = [r.getMessage() for r in caplog.records]
    assert len([m for m in lines if "192.0.2.1" in m]) == 2, lines
    assert "99 more" in [m for m in lines if "192.0.2.1" in m][1]
    assert len([m for m in lines if "192.0.2.2" in m]) == 1
    assert len([m for m in lines if "127.0.0.1" in m and "max_invites_per_minute" in m]) == 1


def test_log_throttle_memory_is_bounded():
    clock = Clock()
    throttle = LogThrottle(60, clock)
    logging.getLogger("voice.phone.guard").disabled = True
    try:
        for i in range(30000):  # a spoofed-source flood: every packet a new address
            throttle(("198.51.100.1", i), "x %s", i)
            clock.t += 0.001
            assert len(throttle.last) <= 10001
    finally:
        logging.getLogger("voice.phone.guard").disabled = False


def test_watchdog_ends_every_call_that_waits_too_long():
    t0, setup, longest = 100.0, 10.0, 600.0
    times = CallTimes(invited=t0)
    assert overdue(times, t0 + 9.9, setup, longest) is None
    assert "no ACK" in overdue(times, t0 + 10.1, setup, longest).reason  # INVITE, then the caller vanished
    times.confirmed = t0 + 0.1
    v = overdue(times, t0 + 10.1, setup, longest)
    assert v.action == HANGUP and "no audio" in v.reason
    times.audio = t0 + 0.1
    assert overdue(times, t0 + longest + setup - 1, setup, longest) is None  # the session ends it at max_call_s
    assert "max_call_s" in overdue(times, t0 + longest + setup + 1, setup, longest).reason
    times.session_over = t0 + 30
    assert overdue(times, t0 + 30, setup, longest).action == HANGUP  # nobody talks to the caller any more
    times.hangup = t0 + 31
    assert overdue(times, t0 + 31 + setup - 1, setup, longest) is None
    assert overdue(times, t0 + 31 + setup + 1, setup, longest).action == DROP  # the hang-up did not end it


def test_defaults_toml_lists_the_guard_keys():
    from rathaus.config import Config

    phone = Config.load().settings("phone", PhoneSettings)
    assert phone.allowed_sources == [] and phone.max_invites_per_minute == 30
    assert tuple(phone.blocked_user_agents) == SCANNER_AGENTS


def test_kamailio_config_carries_the_policy(tmp_path):
    from voice.phone.kamailio import scanner_regex, write_config

    assert scanner_regex(["friendly-scanner", "a.b(c)|d", 'q"x']) == "friendly-scanner|a[.]b[(]c[)][|]d|q.x"
    if not shutil.which("kamailio"):
        pytest.skip("kamailio (Debian package) is not installed")
    phone = PhoneSettings(allowed_sources=["192.0.2.0/24", "::1"], registrar="sip:127.0.0.9", max_invites_per_minute=7)
    files = write_config(tmp_path, "127.0.0.1", free_port(), [free_port()], phone=phone)
    text = files.config.read_text()
    assert 'is_in_subnet("$si", "192.0.2.0/24,::1/128,127.0.0.9/32")' in text
    assert "> 7)" in text and "sanity_check()" in text and "pike_check_req()" in text
    assert "friendly-scanner|sipvicious" in text
    check = subprocess.run(["kamailio", "-c", "-f", str(files.config)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr[-2000:]


# ----------------------------------------------------------------------------------- SIPp helpers
def sipp(scenario: str, port: int, work: Path, source: str = "127.0.0.1", calls: int = 1, rate: float = 10,
         ua: str = "SIPp-test", user: str = "sipp", extra: tuple[str, ...] = (), timeout: float = 90) -> dict:
    """Run a SIPp scenario from `source` against 127.0.0.1:`port`; returns the exit code, the
    final response code per call (from SIPp's message trace) and SIPp's SIP port."""
    work.mkdir(parents=True, exist_ok=True)
    trace = work / f"{scenario}-{user}-{time.monotonic_ns()}.log"
    local_port = free_port(source)
    cmd = ["sipp", f"127.0.0.1:{port}", "-sf", str(SIPP_DIR / f"{scenario}.xml"), "-s", "hotline",
           "-i", source, "-bind_local", "-p", str(local_port), "-mi", source, "-mp", str(free_port(source, even=True)),
           "-m", str(calls), "-r", str(rate), "-l", str(calls), "-key", "ua", ua, "-key", "user", user,
           "-nostdin", "-trace_msg", "-message_file", str(trace), "-timeout", f"{int(timeout - 10)}s",
           "-timeout_error", *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=work)
    text = trace.read_text(errors="replace") if trace.exists() else ""
    finals: dict[str, int] = {}
    for chunk in text.split("----------------------------------------------- "):
        m = re.search(r"received \[\d+\] bytes :\s*\n\s*SIP/2\.0 (\d{3})", chunk)
        cid = re.search(r"^Call-ID:\s*(\S+)", chunk, re.M | re.I)
        invite = re.search(r"^CSeq:\s*\d+\s+INVITE", chunk, re.M | re.I)
        if m and cid and invite and int(m.group(1)) >= 200:
            finals[cid.group(1)] = int(m.group(1))
    return {"rc": proc.returncode, "finals": finals, "trace": text, "output": proc.stdout + proc.stderr,
            "port": local_port}


def count(finals: dict[str, int], code: int) -> int:
    return sum(1 for c in finals.values() if c == code)


needs_sipp = pytest.mark.skipif(not shutil.which("sipp"), reason="SIPp (Debian package sip-tester) is not installed")


# ------------------------------------------------------------------------------ against the bot
@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    from tests.conftest import make_home
    from sip_peers import start_bot, stop

    root = tmp_path_factory.mktemp("sipsec")
    home = make_home(root)
    config = root / "rathaus.toml"
    # 127.0.0.1: the legitimate pjsua2 caller; .3: flood; .4: malformed and scanner traffic;
    # .7: raw UDP calls; .2 and .6: not allowed
    config.write_text("""
[phone]
mask_caller = "none"
allowed_sources = ["127.0.0.1", "127.0.0.3", "127.0.0.4/32", "127.0.0.7"]
max_invites_per_minute = 10
max_calls_per_source = 2
setup_timeout_s = 5
""")
    env = {"RATHAUS_HOME": str(home), "RATHAUS_DB": str(home / "rathaus.db"), "RATHAUS_CONFIG": str(config)}
    port = free_port()
    proc = start_bot(env, port, free_port(), root / "bot.log", extra=["--no-web"], timeout=300)
    proc.port, proc.root, proc.db_path = port, root, home / "rathaus.db"
    yield proc
    output = stop(proc)
    assert proc.returncode == 0, output[-3000:]


def _db(bot) -> sqlite3.Connection:
    return sqlite3.connect(bot.db_path, timeout=30)


def _calls_from(bot, user: str) -> int:
    return _db(bot).execute("SELECT count(*) FROM calls WHERE caller = ?", [user]).fetchone()[0]


def _log(bot) -> str:
    return bot.log_path.read_text(errors="replace")


def _legit_call(bot, name: str, wait: bool = True):
    from sip_peers import run_caller

    out = bot.root / f"{name}.json"
    result = run_caller(f"sip:hotline@127.0.0.1:{bot.port}", [{"wait": 1.5}, {"hangup": True}], out,
                        bot.root / f"{name}.wav", timeout=90, wait=wait)
    return result if wait else (result, out)


def _closed(bot, user: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        row = _db(bot).execute("SELECT ended_at FROM calls WHERE caller = ?", [user]).fetchone()
        if row and row[0]:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def _end_leftover_dialogs(bot, run: dict, user: str, timeout: float = 20) -> None:
    """The bot hung up the calls SIPp had answered and then left, but pjsip sends no BYE before
    the ACK and keeps each dialog up to 2 x 32 s, holding one of its 4 call slots (the next tests
    need them). Stand in for SIPp on its port: acknowledge the bot's 200s, answer its BYEs."""
    from sip_peers import RawSip

    answered = _calls_from(bot, user)
    if not answered:
        return
    peer, stop_it = RawSip(bot.port, "127.0.0.4", local_port=run["port"]), threading.Event()
    thread = threading.Thread(target=peer.adopt, args=(stop_it,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while peer.byes_answered < answered and time.monotonic() < deadline:
            time.sleep(0.2)
        assert peer.byes_answered >= answered, f"{peer.byes_answered} of {answered} BYEs came"
    finally:
        stop_it.set()
        thread.join(5)
        peer.close()


def _no_open_calls(bot, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        open_calls = _db(bot).execute("SELECT id, caller FROM calls WHERE ended_at IS NULL").fetchall()
        if not open_calls:
            return
        assert time.monotonic() < deadline, f"call records left open: {open_calls}"
        time.sleep(0.5)


@needs_sipp
@pytest.mark.sip
def test_malformed_invites_and_garbage_leave_the_bot_answering(bot, tmp_path):
    run = sipp("malformed", bot.port, tmp_path, source="127.0.0.4", user="malformed",
               extra=("-default_behaviors", "none"))
    assert run["rc"] in (0, 1), run["output"][-2000:]  # 1: some cases got no answer, as expected
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for packet in [b"\x00\xff" * 700, b"\r\n\r\n", b"INVITE", b"SIP/2.0 200 OK\r\n\r\n",
                       b"OPTIONS sip:x SIP/2.0\r\n" + b"X: " + b"y" * 3900 + b"\r\n\r\n", bytes(range(256)) * 4]:
            for _ in range(5):
                s.sendto(packet, ("127.0.0.1", bot.port))
    time.sleep(1.0)
    assert bot.poll() is None, _log(bot)[-3000:]
    result = _legit_call(bot, "after-malformed")
    assert result["media"] and result["confirmed"], result["output"][-2000:]
    assert bot.poll() is None
    _no_open_calls(bot)  # cases 4 and 5, if answered: hung up after setup_timeout_s without an ACK
    _end_leftover_dialogs(bot, run, "malformed")
    # cases 4 and 5 are valid SIP with long headers and may be answered (their sessions end when
    # no ACK comes); no broken INVITE became a call
    broken = {cid: code for cid, code in run["finals"].items() if not cid.startswith(("bad4-", "bad5-"))}
    assert broken and all(code >= 400 for code in broken.values()), run["finals"]
    assert _calls_from(bot, "malformed") <= 2, run["finals"]


@needs_sipp
@pytest.mark.sip
def test_source_not_allowed_gets_no_call_and_one_log_line(bot, tmp_path):
    run = sipp("invite_ok", bot.port, tmp_path, source="127.0.0.2", calls=5, user="stranger")
    assert count(run["finals"], 403) == 5, (run["finals"], run["output"][-2000:])
    assert _calls_from(bot, "stranger") == 0
    lines = [l for l in _log(bot).splitlines() if "127.0.0.2" in l and "allowed_sources" in l]
    assert len(lines) == 1, lines


@needs_sipp
@pytest.mark.sip
def test_scanner_user_agent_gets_no_session(bot, tmp_path):
    run = sipp("invite_ok", bot.port, tmp_path, source="127.0.0.4", calls=3, ua="Friendly-Scanner/1.0",
               user="scanner")
    assert count(run["finals"], 403) == 3, (run["finals"], run["output"][-2000:])
    assert _calls_from(bot, "scanner") == 0
    assert len([l for l in _log(bot).splitlines() if "scanner" in l and "127.0.0.4" in l]) == 1
    # the same source with an ordinary user agent is allowed
    ok = sipp("invite_ok", bot.port, tmp_path, source="127.0.0.4", calls=1, user="notascanner")
    assert count(ok["finals"], 200) == 1, (ok["finals"], ok["output"][-2000:])


@needs_sipp
@pytest.mark.sip
def test_flood_is_rate_limited_and_other_sources_still_get_through(bot, tmp_path):
    legit, out = _legit_call(bot, "during-flood", wait=False)
    # 20 INVITEs/s: slow enough that refusals are not paced (test_fast_flood_...), so the call slots
    # stay free for the legitimate caller
    run = sipp("invite_ok", bot.port, tmp_path, source="127.0.0.3", calls=40, rate=20, user="flood")
    from sip_peers import finish_caller

    result = finish_caller(legit, out, 90)
    assert result["media"] and result["confirmed"], result["output"][-2000:]
    finals = run["finals"]
    # At most max_invites_per_minute (10) become calls; every other INVITE is refused: 503 from the
    # rate limit, or pjsua's own 486 while its four call slots are busy (more of those when a loaded
    # machine reads the flood slowly), so the test counts refusals of either kind.
    refused = sum(1 for code in finals.values() if code >= 400)
    assert count(finals, 200) <= 10 and count(finals, 503) >= 1, (sorted(finals.values()), run["output"][-2000:])
    assert len(finals) >= 35 and refused >= len(finals) - 10, sorted(finals.values())
    assert bot.poll() is None
    after = _legit_call(bot, "after-flood")
    assert after["media"] and after["confirmed"], after["output"][-2000:]
    _no_open_calls(bot)
    assert 1 <= _calls_from(bot, "flood") <= 10
    lines = [l for l in _log(bot).splitlines() if "127.0.0.3" in l and "max_invites_per_minute" in l]
    assert len(lines) == 1, lines


@needs_sipp
@pytest.mark.sip
def test_fast_flood_does_not_abort_the_bot(bot, tmp_path):
    """300 INVITEs at 150/s: refused at full speed they would fill pjsip's socket table and abort
    the process (voice.phone.sip.REFUSAL_BURST); paced, the bot lives and answers afterwards."""
    run = sipp("invite_ok", bot.port, tmp_path, source="127.0.0.3", calls=300, rate=150, user="fastflood")
    assert bot.poll() is None, _log(bot)[-3000:]
    assert "Assertion" not in _log(bot)
    finals = run["finals"]
    # At most max_invites_per_minute (10) of the flood become calls. How many exactly depends on
    # how fast the bot reads it: most INVITEs get pjsua's own 486 while the slots are full and never
    # take a token, so on a loaded machine a token saved up or refilled (one per 6 s) lets a third in.
    assert len(finals) >= 250 and count(finals, 200) <= 10, sorted(finals.values())
    after = _legit_call(bot, "after-fast-flood")
    assert after["media"] and after["confirmed"], after["output"][-2000:]
    _no_open_calls(bot)


@pytest.mark.sip
def test_call_right_after_refused_burst_keeps_its_line(bot):
    """Four refused INVITEs and a good one in one train of datagrams: pjsip reads them in one
    poll and gives the good call the slot a refused one had just left. Destroying that refused
    Call afterwards used to hang up the good call behind the bot's back and cut its callbacks:
    its session never ended and its slot stayed taken until restart (voice.phone.sipcall)."""
    from sip_peers import RawSip

    strangers, peer = RawSip(bot.port, "127.0.0.6"), RawSip(bot.port, "127.0.0.7")
    try:
        refused = [strangers.invite("burst-stranger") for _ in range(4)]
        good, invite = peer.invite("burst-caller")
        strangers.send(*[packet for _, packet in refused])
        peer.send(invite)
        assert peer.wait_finals([good], 30) == {good: 200}
        assert set(strangers.wait_finals([c for c, _ in refused], 10).values()) == {403}
        peer.ack(good)
        peer.pump(1.0)
        assert not peer.dialogs[good]["bye_from_bot"], "the bot hung up a call it had just answered"
        assert peer.bye(good) == 200
        assert _closed(bot, "burst-caller", 10), _log(bot)[-3000:]
    finally:
        strangers.close()
        peer.close()
    assert "lost by the SIP stack" not in _log(bot) and "without notice" not in _log(bot)


@pytest.mark.sip
def test_caller_vanishing_after_invite_frees_the_line(bot):
    """INVITE, 200, and then nothing: no ACK, no BYE. pjsip alone keeps the call for 32 s
    (Timer H); the bot hangs up after [phone] setup_timeout_s (5 s here) and says why."""
    from sip_peers import RawSip

    peer = RawSip(bot.port, "127.0.0.7")
    try:
        call, invite = peer.invite("vanisher")
        peer.send(invite)
        started = time.monotonic()
        assert peer.wait_finals([call], 30) == {call: 200}
        deadline = started + 15
        while time.monotonic() < deadline and not _closed(bot, "vanisher", 0.2):
            peer.pump(0.3)  # answer the bot's BYE, as a phone would; never ACK the 200
        assert _closed(bot, "vanisher", 0), _log(bot)[-3000:]
    finally:
        peer.close()
    record = _db(bot).execute("SELECT id FROM calls WHERE caller = 'vanisher'").fetchone()[0]
    assert re.search(rf"\[call={record}\]: call no ACK within \[phone\] setup_timeout_s", _log(bot)), _log(bot)[-3000:]
    after = _legit_call(bot, "after-vanisher")
    assert after["media"] and after["confirmed"], after["output"][-2000:]
    _no_open_calls(bot, 20)


# --------------------------------------------------------------------------- against kamailio
@pytest.fixture
def front(tmp_path):
    """kamailio rendered from kamailio.cfg.j2 in front of a SIPp UAS that stands in for a worker."""
    if not shutil.which("kamailio"):
        pytest.skip("kamailio (Debian package) is not installed")
    from voice.phone.kamailio import write_config

    worker_port, port = free_port(), free_port()
    uas_trace = tmp_path / "uas.log"
    uas = subprocess.Popen(["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(worker_port), "-aa", "-nostdin",
                            "-mp", str(free_port(even=True)), "-trace_msg", "-message_file", str(uas_trace)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    phone = PhoneSettings(allowed_sources=["127.0.0.1", "127.0.0.3", "127.0.0.4"], max_invites_per_minute=5)
    files = write_config(tmp_path / "kam", "127.0.0.1", port, [worker_port], phone=phone)
    klog = tmp_path / "kamailio.log"
    kam = subprocess.Popen(["kamailio", "-f", str(files.config), "-DD", "-E", "-Y", str(tmp_path / "kam"),
                            "-w", str(tmp_path / "kam"), "-m", "32", "-M", "4"],
                           stdout=klog.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(1.5)
    assert kam.poll() is None, klog.read_text()[-2000:]
    yield {"port": port, "uas_trace": uas_trace, "log": klog, "proc": kam, "dir": tmp_path / "work"}
    for proc in (kam, uas):
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _invites_at_worker(front, user: str) -> int:
    text = front["uas_trace"].read_text(errors="replace") if front["uas_trace"].exists() else ""
    return len(re.findall(rf"received \[\d+\] bytes :\s*\n\s*INVITE [^\n]*\n(?:[^\n]+\n)*?From: <sip:{user}@",
                          text))


@needs_sipp
@pytest.mark.sip
def test_kamailio_front_applies_the_same_policy(front):
    port, work = front["port"], front["dir"]
    # wait until the dispatcher has probed the worker; at most four tries in the first minute, since a
    # fifth INVITE from this source would meet the per-minute limit (on a loaded machine it did)
    deadline = time.monotonic() + 45
    while True:
        ok = sipp("invite_ok", port, work, user="legit", timeout=30)
        if count(ok["finals"], 200) == 1 or time.monotonic() > deadline:
            break
        time.sleep(14)
    assert count(ok["finals"], 200) == 1, (ok["finals"], front["log"].read_text()[-2000:])
    stranger = sipp("invite_ok", port, work, source="127.0.0.2", calls=3, user="stranger")
    assert count(stranger["finals"], 403) == 3, stranger["finals"]
    scanner = sipp("invite_ok", port, work, source="127.0.0.4", calls=2, ua="sipvicious", user="scanner",
                   extra=("-recv_timeout", "3000"), timeout=60)
    assert scanner["finals"] == {}, scanner["finals"]  # dropped: not even a 403
    sipp("malformed", port, work, source="127.0.0.4", user="malformed", extra=("-default_behaviors", "none"))
    flood = sipp("invite_ok", port, work, source="127.0.0.3", calls=40, rate=40, user="flood",
                 extra=("-recv_timeout", "4000"), timeout=90)
    # 5 get through; the rest get 503 (htable count) or no answer at all (pike drops the source)
    assert 1 <= count(flood["finals"], 200) <= 5 and count(flood["finals"], 503) >= 1, \
        sorted(flood["finals"].values())
    time.sleep(0.5)
    assert front["proc"].poll() is None, front["log"].read_text()[-2000:]
    after = sipp("invite_ok", port, work, user="legit2", timeout=30)
    assert count(after["finals"], 200) == 1, (after["finals"], front["log"].read_text()[-2000:])
    assert _invites_at_worker(front, "stranger") == 0 and _invites_at_worker(front, "scanner") == 0
    assert _invites_at_worker(front, "legit2") == 1
    assert 1 <= _invites_at_worker(front, "flood") <= 5
    log = front["log"].read_text(errors="replace")
    assert len(re.findall(r"refused INVITE from 127\.0\.0\.2 ", log)) == 1, log[-2000:]
    assert len(re.findall(r"refused INVITE from 127\.0\.0\.4 \(SIP scanner", log)) == 1, log[-2000:]
