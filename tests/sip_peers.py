"""Real SIP peers for the phone tests, each a separate pjsua2 process on 127.0.0.1.

As a script:
  python tests/sip_peers.py caller --target URI --script JSON --out RESULT.json --record HEARD.wav
      dials the bot, runs the steps of the script (wait, wait_quiet, play WAV, dtmf, hangup),
      records everything it hears, follows REFER (a blind transfer) and writes a JSON result.
  python tests/sip_peers.py staff --port N --code-file FILE --log CALLS.jsonl
      a staff phone: answers incoming calls with the status code in FILE (200: talk, 486: busy,
      read anew for every call so one staff phone serves several test scenarios) and logs them.

Imported by the tests: `free_port()`, `start_staff()`, `run_caller()`, `start_bot()`, and `RawSip`,
a SIP peer in plain UDP text (bursts of INVITEs, a 200 never acknowledged).
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# ------------------------------------------------------------------------------ test-side helpers
def _below_ephemeral() -> tuple[int, int]:
    """Ports below the kernel's ephemeral range: a port handed out by bind(0) can be taken by any
    outgoing socket while the bot loads its models, before it binds (CI saw "Address already in
    use" on such a port)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return 20000, max(20001, low - 1)


def free_port(ip: str = "127.0.0.1", even: bool = False) -> int:
    """A port free for UDP and TCP on `ip`, outside the ephemeral range; `even` for an RTP port
    (SIPp's media port must leave room for port+2)."""
    first, last = _below_ephemeral()
    for _ in range(200):
        port = random.randint(first, last) & ~1 if even else random.randint(first, last)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                u.bind((ip, port))
                t.bind((ip, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


def _python() -> str:
    return sys.executable


def start_staff(port: int, code_file: Path, log: Path, hold_s: float = 2.0) -> subprocess.Popen:
    proc = subprocess.Popen([_python(), __file__, "staff", "--port", str(port), "--code-file", str(code_file),
                             "--log", str(log), "--hold", str(hold_s)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _wait_line(proc, "STAFF READY", 30)
    return proc


def run_caller(target: str, script: list[dict], out: Path, record: Path, timeout: float = 120,
               wait: bool = True, codecs: str = "PCMA,PCMU") -> dict | subprocess.Popen:
    proc = subprocess.Popen([_python(), __file__, "caller", "--target", target, "--script",
                             json.dumps(script), "--out", str(out), "--record", str(record),
                             "--codecs", codecs],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if not wait:
        return proc
    return finish_caller(proc, out, timeout)


def finish_caller(proc: subprocess.Popen, out: Path, timeout: float = 120) -> dict:
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        raise AssertionError(f"caller did not finish in {timeout} s:\n{output[-3000:]}")
    if not out.exists():
        raise AssertionError(f"caller wrote no result (rc {proc.returncode}):\n{output[-3000:]}")
    result = json.loads(out.read_text())
    result["output"] = output
    return result


def start_bot(env: dict, sip_port: int, http_port: int, log: Path, extra: list[str] = (),
              timeout: float = 120) -> subprocess.Popen:
    """`rathaus serve` as a user starts it (output to `log`), once its ready line is printed."""
    fh = open(log, "w")
    proc = subprocess.Popen([_python(), "-m", "apps.cli", "serve", "--sip-port", str(sip_port),
                             "--http-port", str(http_port), "--no-worker", *extra],
                            stdout=fh, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **env}, cwd=ROOT, start_new_session=True)
    proc.log_path = Path(log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = Path(log).read_text(errors="replace")
        if "rathaus serve ready" in text:
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    proc.kill()
    proc.wait()
    raise AssertionError(f"rathaus serve did not start:\n{Path(log).read_text(errors='replace')[-4000:]}")


def stop(proc: subprocess.Popen, timeout: float = 20) -> str:
    """SIGTERM, then SIGKILL; returns what the process printed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    if getattr(proc, "log_path", None):
        return proc.log_path.read_text(errors="replace")
    return (getattr(proc, "_seen", "") or "") + (out or "")


def _wait_line(proc: subprocess.Popen, marker: str, timeout: float) -> None:
    seen = []
    result = {}

    def reader():
        for line in proc.stdout:
            seen.append(line)
            if marker in line:
                result["ok"] = True
                return

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    t.join(timeout)
    proc._seen = "".join(seen)
    if not result.get("ok"):
        proc.kill()
        raise AssertionError(f"{marker!r} not seen in {timeout} s:\n{''.join(seen)[-4000:]}")
    # keep draining so the pipe never fills up
    threading.Thread(target=lambda: [seen.append(l) for l in proc.stdout], daemon=True).start()
    proc._lines = seen


REGISTRAR_CFG = """#!KAMAILIO
debug=1
log_stderror=yes
children=1
listen=udp:127.0.0.1:{port}
mpath="{module_path}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "pv.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("usrloc", "db_mode", 0)
request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (is_method("REGISTER")) {{ save("location"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
        sl_send_reply("404", "Not here"); exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    if (is_method("INVITE")) {{ record_route(); }}
    if (!lookup("location")) {{ sl_send_reply("404", "Not registered"); exit; }}
    t_relay();
}}
"""


def start_registrar(port: int, workdir: Path) -> subprocess.Popen:
    """kamailio as a plain registrar/proxy (what a PBX does for the bot): REGISTER, then calls to
    the registered user are relayed to its contact."""
    from voice.phone.kamailio import module_path

    workdir.mkdir(parents=True, exist_ok=True)
    cfg = workdir / "registrar.cfg"
    cfg.write_text(REGISTRAR_CFG.format(port=port, module_path=module_path()))
    log = open(workdir / "registrar.log", "w")
    proc = subprocess.Popen(["kamailio", "-f", str(cfg), "-DD", "-E", "-Y", str(workdir), "-w", str(workdir),
                             "-m", "32", "-M", "4"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(1.0)
    if proc.poll() is not None:
        raise AssertionError((workdir / "registrar.log").read_text()[-2000:])
    return proc


# ------------------------------------------------------------------------------- raw SIP peer
class RawSip:
    """A SIP user agent written as plain UDP text, for what a pjsua2 peer will not do: INVITEs sent
    as one train of datagrams (pjsip then reads them in a single poll), a 200 never acknowledged,
    a caller that simply goes away. It answers the bot's own BYEs with 200, as a phone does."""

    SDP = ("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
           "m=audio {rtp} RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n")

    def __init__(self, port: int, source: str = "127.0.0.1", local_port: int = 0):
        self.target = ("127.0.0.1", port)
        self.source = source
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((source, local_port))
        self.local_port = self.sock.getsockname()[1]
        self.rtp_port = self.local_port + 1  # nothing listens there: the bot's RTP goes nowhere
        self.dialogs: dict[str, dict] = {}
        self.byes_answered = 0
        self._adopting = False
        self._n = 0

    def close(self) -> None:
        self.sock.close()

    def invite(self, user: str, agent: str = "raw-peer") -> tuple[str, bytes]:
        """A new INVITE (not sent): its Call-ID and its bytes."""
        self._n += 1
        call_id = f"raw-{os.getpid()}-{self.local_port}-{self._n}@{self.source}"
        tag, branch = f"t{self._n}{self.local_port}", f"z9hG4bK-raw-{self.local_port}-{self._n}"
        body = self.SDP.format(ip=self.source, rtp=self.rtp_port)
        here = f"{self.source}:{self.local_port}"
        head = (f"INVITE sip:hotline@127.0.0.1:{self.target[1]} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {here};branch={branch};rport\r\n"
                f"From: <sip:{user}@{here}>;tag={tag}\r\n"
                f"To: <sip:hotline@127.0.0.1:{self.target[1]}>\r\n"
                f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:{user}@{here}>\r\n"
                f"Max-Forwards: 70\r\nUser-Agent: {agent}\r\nContent-Type: application/sdp\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        self.dialogs[call_id] = {"user": user, "tag": tag, "branch": branch, "final": None, "to": None,
                                 "bye_from_bot": False, "bye_answer": None}
        return call_id, (head + body).encode()

    def send(self, *packets: bytes) -> None:
        for packet in packets:
            self.sock.sendto(packet, self.target)

    def pump(self, seconds: float) -> None:
        """Read what the bot sends for `seconds`: final answers, and BYEs (answered with 200)."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(min(left, 0.1))
            try:
                data, _ = self.sock.recvfrom(65535)
            except (socket.timeout, ConnectionRefusedError):
                continue
            self._received(data.decode(errors="replace"))

    def adopt(self, stop: threading.Event) -> None:
        """Stand in for a peer that has left this port (SIPp, say), until `stop` is set (run it in
        a thread): acknowledge the bot's retransmitted 200s and answer its BYEs for any call, so
        that pjsip ends those dialogs now instead of after its 2 x 32 s of timeouts."""
        self._adopting = True
        while not stop.is_set():
            self.pump(0.2)

    def wait_finals(self, call_ids, timeout: float = 30) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(self.dialogs[c]["final"] is None for c in call_ids):
            self.pump(0.1)
        return {c: self.dialogs[c]["final"] for c in call_ids}

    def _received(self, text: str) -> None:
        head = text.split("\r\n\r\n", 1)[0]
        lines = head.split("\r\n")
        headers: dict[str, str] = {}
        vias = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            if key in ("via", "v"):
                vias.append(line)
            headers.setdefault(key, value.strip())
        dialog = self.dialogs.get(headers.get("call-id", headers.get("i", "")))
        if dialog is None and lines[0].startswith("SIP/2.0 200") and headers.get("cseq", "").endswith("INVITE") \
                and self._adopting:
            self._n += 1
            here = f"{self.source}:{self.local_port}"
            ack = (f"ACK sip:hotline@127.0.0.1:{self.target[1]} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP {here};branch=z9hG4bK-raw-adopted-{self.local_port}-{self._n};rport\r\n"
                   f"From: {headers.get('from', headers.get('f'))}\r\nTo: {headers.get('to', headers.get('t'))}\r\n"
                   f"Call-ID: {headers.get('call-id', headers.get('i'))}\r\n"
                   f"CSeq: {headers['cseq'].split()[0]} ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
            self.send(ack.encode())
            return
        if dialog is None and not lines[0].startswith("BYE "):
            return
        if lines[0].startswith("SIP/2.0 "):
            code = int(lines[0].split()[1])
            cseq = headers.get("cseq", "")
            if cseq.endswith("BYE"):
                dialog["bye_answer"] = code
            elif cseq.endswith("INVITE") and code >= 200:
                dialog["final"], dialog["to"] = code, headers.get("to", headers.get("t"))
                if code >= 300:  # a refusal is acknowledged in the INVITE's transaction
                    self._ack(dialog, headers, new_branch=False)
        elif lines[0].startswith("BYE "):  # answered even for calls another peer made from this port
            if dialog is not None:
                dialog["bye_from_bot"] = True
            reply = ("SIP/2.0 200 OK\r\n" + "".join(v + "\r\n" for v in vias) +
                     f"From: {headers.get('from', headers.get('f'))}\r\nTo: {headers.get('to', headers.get('t'))}\r\n"
                     f"Call-ID: {headers.get('call-id', headers.get('i'))}\r\nCSeq: {headers['cseq']}\r\n"
                     "Content-Length: 0\r\n\r\n")
            self.send(reply.encode())
            self.byes_answered += 1

    def _in_dialog(self, method: str, call_id: str, cseq: int, branch: str) -> bytes:
        d = self.dialogs[call_id]
        here = f"{self.source}:{self.local_port}"
        return (f"{method} sip:hotline@127.0.0.1:{self.target[1]} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {here};branch={branch};rport\r\n"
                f"From: <sip:{d['user']}@{here}>;tag={d['tag']}\r\nTo: {d['to']}\r\n"
                f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
                "Content-Length: 0\r\n\r\n").encode()

    def _ack(self, dialog: dict, headers: dict, new_branch: bool) -> None:
        call_id = headers.get("call-id", headers.get("i"))
        branch = dialog["branch"] + ("-ack" if new_branch else "")
        self.send(self._in_dialog("ACK", call_id, 1, branch))

    def ack(self, call_id: str) -> None:
        """Acknowledge the 200 to `call_id`'s INVITE: the call is set up."""
        self.send(self._in_dialog("ACK", call_id, 1, self.dialogs[call_id]["branch"] + "-ack"))

    def bye(self, call_id: str, timeout: float = 10) -> int | None:
        """Hang up; the bot's answer to the BYE (None: no answer)."""
        self.send(self._in_dialog("BYE", call_id, 2, self.dialogs[call_id]["branch"] + "-bye"))
        deadline = time.monotonic() + timeout
        while self.dialogs[call_id]["bye_answer"] is None and time.monotonic() < deadline:
            self.pump(0.1)
        return self.dialogs[call_id]["bye_answer"]


# ------------------------------------------------------------------------------------ peers
def _endpoint(port: int, user: str = "peer", codecs: tuple[str, ...] = ("PCMA", "PCMU")):
    import pjsua2 as pj

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.logConfig.level = 0
    cfg.logConfig.consoleLevel = 0
    cfg.medConfig.clockRate = 8000
    cfg.medConfig.sndClockRate = 8000
    cfg.medConfig.noVad = True
    ep.libInit(cfg)
    ep.audDevManager().setNullDev()
    t = pj.TransportConfig()
    t.port = port
    t.boundAddress = "127.0.0.1"
    ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, t)
    ep.libStart()
    for info in ep.codecEnum2():
        name = info.codecId.split("/")[0].upper()
        ep.codecSetPriority(info.codecId, 255 - codecs.index(name) if name in codecs else 0)
    acfg = pj.AccountConfig()
    acfg.idUri = f"sip:{user}@127.0.0.1:{port}"
    acfg.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    return pj, ep, acfg


def caller_main(args) -> int:
    import numpy as np

    from rathaus.speech import audio
    from voice.phone import media

    pj, ep, acfg = _endpoint(free_port(), user="+4971112345", codecs=tuple(args.codecs.split(",")))
    script = json.loads(args.script)
    heard: list[tuple[float, bytes]] = []
    loud_at: list[float] = []  # arrival times of audible frames, judged once on arrival
    state = {"media": False, "disconnected": False, "refer": None, "reason": None, "confirmed": False,
             "transfer_target": None, "play_start": None, "play_end": None}
    Port = media.make_port_class(pj)

    class Heard:
        def put(self, item):  # a voice.phone.inbox.Audio from the port
            heard.append((item.at, item.data))
            if np.abs(audio.from_pcm16(item.data)).max() > 0.02:
                loud_at.append(item.at)

    class Player(media.Playback):
        pass

    player = Player()

    class Acc(pj.Account):
        pass

    acc = Acc()
    acc.create(acfg)

    class Call(pj.Call):
        port = None

        def onCallState(self, prm):
            ci = self.getInfo()
            if ci.state == pj.PJSIP_INV_STATE_CONFIRMED:
                state["confirmed"] = True
            if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
                state["disconnected"] = True
                state["reason"] = f"{ci.lastStatusCode} {ci.lastReason}"

        def onCallMediaState(self, prm):
            ci = self.getInfo()
            for i, mi in enumerate(ci.media):
                if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE and self.port is None:
                    aud = self.getAudioMedia(i)
                    self.port = Port(Heard(), player)
                    self.port.createPort("caller", media.audio_format(pj))
                    aud.startTransmit(self.port)
                    self.port.startTransmit(aud)
                    self.aud = aud
                    state["media"] = True

        def onCallTransferRequest(self, prm):
            state["transfer_target"] = prm.dstUri
            prm.statusCode = 202
            # the call to the transfer target gets its own object, so its busy/answer does not
            # look like the end of this call
            xfer = TransferredCall(acc)
            transferred.append(xfer)
            prm.newCall = xfer

        def onCallTransferStatus(self, prm):
            state["refer_status"] = int(prm.statusCode)

        def onCallReplaced(self, prm):
            pass

    class TransferredCall(pj.Call):
        def onCallState(self, prm):
            ci = self.getInfo()
            if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
                state["transfer_result"] = f"{ci.lastStatusCode} {ci.lastReason}"
            elif ci.state == pj.PJSIP_INV_STATE_CONFIRMED:
                state["transfer_result"] = "200 connected"

    transferred: list = []
    call = Call(acc)
    prm = pj.CallOpParam(True)
    t0 = time.monotonic()
    call.makeCall(args.target, prm)
    events = []

    def pump(seconds: float):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ep.libHandleEvents(5)

    def heard_since(t: float, quiet_s: float) -> tuple[bool, float]:
        """(something heard after t, seconds of quiet at the end)."""
        if not loud_at or loud_at[-1] < t:
            return False, 0.0
        return True, time.monotonic() - loud_at[-1]

    def loud_s(t: float) -> float:
        """Seconds of audible frames heard since t."""
        return 0.02 * (len(loud_at) - bisect.bisect_left(loud_at, t))

    deadline = time.monotonic() + 15
    while not state["media"] and not state["disconnected"] and time.monotonic() < deadline:
        pump(0.02)
    events.append({"t": time.monotonic() - t0, "event": "media" if state["media"] else "no-media"})
    step_start = time.monotonic()
    for step in script:
        if state["disconnected"]:
            break
        if "wait" in step:
            pump(step["wait"])
        elif "wait_quiet" in step:
            limit = time.monotonic() + step.get("timeout", 30)
            while time.monotonic() < limit and not state["disconnected"]:
                got, quiet = heard_since(step_start, step["wait_quiet"])
                if got and quiet >= step["wait_quiet"] and loud_s(step_start) >= step.get("min_loud", 0):
                    break
                pump(0.05)
        elif "wait_loud" in step:
            limit = time.monotonic() + step["wait_loud"]
            while time.monotonic() < limit and not state["disconnected"]:
                if heard_since(step_start, 0)[0]:
                    break
                pump(0.02)
            events.append({"t": time.monotonic() - t0, "event": "loud"})
        elif "play" in step:
            samples = audio.decode(step["play"], 8000)
            started = time.monotonic()
            player.append(audio.to_pcm16(samples * step.get("gain", 1.0)))
            events.append({"t": started - t0, "event": "play", "file": step["play"]})
            while player.playing and not state["disconnected"]:
                pump(0.01)
            state["play_end"] = time.monotonic() - t0
            events.append({"t": time.monotonic() - t0, "event": "played"})
        elif "dtmf_info" in step:  # DTMF as SIP INFO instead of RFC 2833 events
            for digit in step["dtmf_info"]:
                prm = pj.CallSendDtmfParam()
                prm.method = pj.PJSUA_DTMF_METHOD_SIP_INFO
                prm.digits = digit
                prm.duration = 160
                try:
                    call.sendDtmf(prm)
                except pj.Error as exc:
                    events.append({"event": "dtmf-error", "info": exc.info()})
                pump(0.2)
            events.append({"t": time.monotonic() - t0, "event": "dtmf", "digits": step["dtmf_info"]})
        elif "dtmf" in step:
            try:
                call.dialDtmf(step["dtmf"])
            except pj.Error as exc:
                events.append({"event": "dtmf-error", "info": exc.info()})
            events.append({"t": time.monotonic() - t0, "event": "dtmf", "digits": step["dtmf"]})
            pump(0.3 + 0.1 * len(step["dtmf"]))
        elif "refer" in step:  # ask the bot to transfer us (it must refuse)
            try:
                call.xfer(step["refer"], pj.CallOpParam(True))
            except pj.Error as exc:
                events.append({"event": "refer-error", "info": exc.info()})
            events.append({"t": time.monotonic() - t0, "event": "refer", "target": step["refer"]})
            pump(1.0)
        elif "hangup" in step:
            events.append({"t": time.monotonic() - t0, "event": "hangup"})
            try:
                call.hangup(pj.CallOpParam())
            except pj.Error:
                pass
            pump(0.5)
        elif "wait_end" in step:
            limit = time.monotonic() + step["wait_end"]
            while not state["disconnected"] and time.monotonic() < limit:
                pump(0.05)
        step_start = time.monotonic()
    if not state["disconnected"]:
        try:
            call.hangup(pj.CallOpParam())
        except pj.Error:
            pass
        pump(0.5)
    # what we heard, as one WAV on the time line of the call (gaps are silence)
    if heard:
        first = heard[0][0]
        total = int((heard[-1][0] - first) * 8000) + media.FRAME_SAMPLES
        out = np.zeros(total, dtype=np.float32)
        for ts, data in heard:
            pos = int((ts - first) * 8000)
            x = audio.from_pcm16(data)[: max(0, total - pos)]
            out[pos:pos + len(x)] = x
        audio.write_wav(args.record, out, 8000) if hasattr(audio, "write_wav") else None
        heard_t0 = first - t0
    else:
        heard_t0 = None
    if call.port is not None:
        try:
            call.aud.stopTransmit(call.port)
            call.port.stopTransmit(call.aud)
        except Exception:
            pass
        media.destroy(call.port)
        call.port = None
    result = {**state, "events": events, "heard_t0": heard_t0, "record": str(args.record)}
    Path(args.out).write_text(json.dumps(result, indent=1))
    try:
        ep.hangupAllCalls()
    except pj.Error:
        pass
    pump(0.3)
    del call
    transferred.clear()
    pump(0.2)
    ep.libDestroy()
    return 0


def staff_main(args) -> int:
    pj, ep, acfg = _endpoint(args.port)
    log = Path(args.log)
    calls = []

    class Acc(pj.Account):
        def onIncomingCall(self, prm):
            call = StaffCall(self, prm.callId)
            ci = call.getInfo()
            code = int(Path(args.code_file).read_text().strip() or 200)
            with log.open("a") as fh:
                fh.write(json.dumps({"from": ci.remoteUri, "to": ci.localUri, "code": code,
                                     "at": time.time()}) + "\n")
            op = pj.CallOpParam()
            op.statusCode = code
            if code == 200:
                call.answer(op)
                calls.append((call, time.monotonic()))
            else:
                call.hangup(op)

    class StaffCall(pj.Call):
        pass

    acc = Acc()
    acc.create(acfg)
    running = {"on": True}
    signal.signal(signal.SIGTERM, lambda *a: running.update(on=False))
    print("STAFF READY", flush=True)
    while running["on"]:
        ep.libHandleEvents(10)
        for call, at in list(calls):
            if time.monotonic() - at > args.hold:
                try:
                    call.hangup(pj.CallOpParam())
                except pj.Error:
                    pass
                calls.remove((call, at))
    try:
        ep.hangupAllCalls()
    except Exception:
        pass
    for _ in range(20):
        ep.libHandleEvents(10)
    calls.clear()
    ep.libDestroy()
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("caller")
    c.add_argument("--target", required=True)
    c.add_argument("--script", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--record", required=True)
    c.add_argument("--codecs", default="PCMA,PCMU", help="codecs offered, in order (pjsua2 names)")
    s = sub.add_parser("staff")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--code-file", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--hold", type=float, default=2.0)
    args = p.parse_args()
    return caller_main(args) if args.mode == "caller" else staff_main(args)


if __name__ == "__main__":
    sys.exit(main())
