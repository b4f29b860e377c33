"""SIP plumbing with pjsua2: one Endpoint, one account, incoming calls, REFER, DTMF.

Threading (DESIGN.md facts): the Endpoint runs with threadCnt=0 and mainThreadOnly=True, so every
SIP callback runs inside `poll()`, which the owner calls every few milliseconds (from an asyncio
task in `rathaus serve`). No other thread touches pjsua2: call sessions ask for a hang-up or a
transfer through `SipBot.post()`, which queues a function for the SIP thread. Audio frames leave
and enter through voice.phone.media (copy and queue only).

Every incoming INVITE passes voice.phone.guard (allowed sources, per-source rate, scanner user
agents) before a session is made; a refused one is answered at once and never reaches a session.
"""

from __future__ import annotations

import gc
import logging
import queue
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from rathaus.errors import RathausError
from voice.phone import media
from voice.phone.guard import SipGuard, split_source, user_agent
from voice.phone.settings import PhoneSettings

log = logging.getLogger(__name__)

# Every INVITE pjsua takes opens two RTP sockets before our callback can refuse it, and pjsip's
# ioqueue keeps a closed socket's slot for 500 ms (PJ_IOQUEUE_KEY_FREE_DELAY) in a table of 64:
# a flood refused at full speed fills that table and pjsip aborts the process. So at most
# REFUSAL_BURST refusals go out per SOCKET_RELEASE_S; beyond that a refused call keeps its call
# slot until the window clears, and while all slots are taken pjsua answers 486 itself, without
# opening sockets. Legitimate callers are busy during such a flood, but the bot stays up.
SOCKET_RELEASE_S = 0.6
REFUSAL_BURST = 12

_SIP_URI = re.compile(r"^sips?:([A-Za-z0-9_.!~*'()&=+$,;?/%-]+@)?[A-Za-z0-9.\-\[\]:]+(:\d+)?(;[^\s<>]*)?$")


class SipError(RuntimeError):
    pass


def valid_target(uri: str | None) -> bool:
    """A REFER target must be a plain SIP URI: an empty or odd one crashed the peer (DESIGN.md)."""
    return bool(uri) and bool(_SIP_URI.match(uri.strip()))


@dataclass
class CallInfo:
    call_id: int
    remote_uri: str
    local_uri: str
    sip_call_id: str
    source: str = ""  # the address the INVITE came from


class CallHandler(Protocol):
    """What a call session offers the SIP layer. All methods are called on the SIP thread and
    must return at once."""

    inbox: queue.Queue
    playback: media.Playback

    def started(self, control: "CallControl") -> None: ...

    def dtmf(self, digit: str) -> None: ...

    def transfer_result(self, ok: bool, code: int) -> None: ...

    def ended(self, reason: str) -> None: ...


class CallControl:
    """Thread-safe handle a session uses to steer its call."""

    def __init__(self, bot: "SipBot", info: CallInfo):
        # Only the id, never the pjsua2 Call: a Call still referenced after libDestroy() aborts.
        self._bot = bot
        self.info = info

    def _on_call(self, method: str, *args) -> None:
        def run():
            call = self._bot.calls.get(self.info.call_id)
            if call is not None:
                getattr(call, method)(*args)
        self._bot.post(run)

    def hangup(self) -> None:
        self._on_call("do_hangup")

    def transfer(self, target: str) -> None:
        self._on_call("do_transfer", target)

    def record_to(self, path: Path) -> None:
        self._on_call("do_record", path)


def _pj():
    import pjsua2

    return pjsua2


class SipBot:
    """The SIP user agent of one process. `handler_factory(info)` makes a session per call."""

    def __init__(self, settings: PhoneSettings, handler_factory: Callable[[CallInfo], CallHandler],
                 host: str | None = None, port: int | None = None, rtp_port: int | None = None,
                 log_level: int = 1, front: str | None = None, guard: SipGuard | None = None):
        """`front`: the address of the kamailio this process works behind (trusted, not limited);
        `guard`: the INVITE policy, by default built from `settings` at start()."""
        self.settings = settings
        self.host = host or settings.sip_host
        self.port = settings.sip_port if port is None else port
        self.rtp_port = settings.rtp_port if rtp_port is None else rtp_port
        self.factory = handler_factory
        self.log_level = log_level
        self.max_calls = min(max(1, settings.max_calls), 4)
        self._posted: queue.Queue = queue.Queue()
        self.calls: dict[int, _BotCall] = {}
        self._graveyard: list = []
        self.ep = None
        self.account = None
        self.thread = None
        self.front = front
        self.guard = guard
        self._refused_at: deque[float] = deque()
        self._parked: deque[tuple] = deque()  # (call, status code, reason) awaiting their refusal

    # ----------------------------------------------------------------------------- lifecycle
    def start(self) -> None:
        pj = _pj()
        if self.guard is None:  # before binding: a typo in allowed_sources fails at once
            try:
                self.guard = SipGuard.from_settings(self.settings, front=self.front)
            except ValueError as exc:
                raise SipError(str(exc)) from None
        self.thread = threading.current_thread()
        ep = pj.Endpoint()
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = self.max_calls
        cfg.uaConfig.userAgent = "Rathaus-Assistent"
        cfg.logConfig.level = self.log_level
        cfg.logConfig.consoleLevel = self.log_level
        cfg.medConfig.clockRate = media.RATE
        cfg.medConfig.sndClockRate = media.RATE
        cfg.medConfig.channelCount = 1
        cfg.medConfig.noVad = True
        cfg.medConfig.ecTailLen = 0
        ep.libInit(cfg)
        self.ep = ep
        ep.audDevManager().setNullDev()
        tcfg = pj.TransportConfig()
        tcfg.port = self.port
        tcfg.boundAddress = self.host
        tcfg.publicAddress = self.host if self.host not in ("0.0.0.0", "::") else ""
        kind = {"udp": pj.PJSIP_TRANSPORT_UDP, "tcp": pj.PJSIP_TRANSPORT_TCP,
                "tls": pj.PJSIP_TRANSPORT_TLS}.get(self.settings.transport.lower())
        if kind is None:
            raise SipError(f"[phone] transport must be udp, tcp or tls, not {self.settings.transport!r}")
        try:
            ep.transportCreate(kind, tcfg)
        except pj.Error as exc:
            self._destroy_endpoint()
            raise SipError(f"cannot listen for SIP on {self.host}:{self.port}: {exc.info()}") from None
        ep.libStart()
        self._set_codecs()
        self.account = _make_account(pj, self)
        log.info("SIP bot listening on %s:%s/%s (max %d calls)", self.host, self.port,
                 self.settings.transport, self.max_calls)

    def _set_codecs(self) -> None:
        wanted = [c.upper() for c in self.settings.codecs if c.upper() in ("PCMA", "PCMU")] or ["PCMA", "PCMU"]
        for info in self.ep.codecEnum2():
            name = info.codecId.split("/")[0].upper()
            prio = 255 - wanted.index(name) if name in wanted else 0
            self.ep.codecSetPriority(info.codecId, prio)

    def poll(self, timeout_ms: int = 0) -> None:
        """Run SIP callbacks and queued requests; call every few milliseconds on the SIP thread."""
        while True:
            try:
                fn = self._posted.get_nowait()
            except queue.Empty:
                break
            try:
                fn()
            except Exception:
                log.exception("SIP request failed")
        self.ep.libHandleEvents(timeout_ms)
        if self._parked:
            self._refuse_parked()
        if self._graveyard:
            graves, self._graveyard = self._graveyard, []
            for call in graves:
                call.release()

    def post(self, fn: Callable[[], None]) -> None:
        self._posted.put(fn)

    def shutdown(self, timeout_s: float = 3.0) -> None:
        """Hang up every call, wait for the BYEs, release ports, destroy the Endpoint."""
        if self.ep is None:
            return
        for call in list(self.calls.values()):
            call.do_hangup()
        deadline = time.monotonic() + timeout_s
        while self.calls and time.monotonic() < deadline:
            self.poll(10)
        for call in list(self.calls.values()):
            call.ended("shutdown")
        for _ in range(5):
            self.poll(10)
        # A pjsua2 Call object still alive after libDestroy() aborts the process when it is
        # finally freed: collect released calls (the GC may not have run yet) before destroying.
        gc.collect()
        if self.account is not None:
            try:
                self.account.shutdown()
            except Exception:
                pass
            self.account = None
        self._destroy_endpoint()

    def _destroy_endpoint(self) -> None:
        ep, self.ep = self.ep, None
        if ep is not None:
            try:
                ep.libDestroy()
            except Exception:
                log.exception("libDestroy failed")

    # -------------------------------------------------------------------------------- calls
    def incoming(self, call_id: int, source: str = "", message: str = "") -> None:
        """A new INVITE from `source` ('ip:port'); `message` is its raw text, for the guard."""
        pj = _pj()
        call = _BotCall(pj, self, call_id)
        prm = pj.CallOpParam()
        ip = split_source(source)
        if self.guard is not None:
            active = sum(1 for c in self.calls.values() if c.info is not None and c.info.source == ip)
            verdict = self.guard.check(source, user_agent(message), active)
            if not verdict.allowed:
                self._refuse(call, verdict.code, verdict.phrase)
                return
        if len(self.calls) >= self.max_calls:
            self._refuse(call, 486, "Busy Here")
            return
        self.calls[call_id] = call
        ci = call.getInfo()
        call.info = CallInfo(call_id, ci.remoteUri, ci.localUri, ci.callIdString, ip)
        try:
            call.handler = self.factory(call.info)
        except Exception as exc:
            if isinstance(exc, RathausError):  # a full disk, say: the operator's problem, in one line
                log.error("cannot take a call: %s", exc)
                prm.statusCode = 503
            else:
                log.exception("cannot start a call session")
                prm.statusCode = 500
            call.hangup(prm)
            self.calls.pop(call_id, None)
            return
        prm.statusCode = 200
        call.answer(prm)


    def _refuse(self, call, code: int, reason: str) -> None:
        self._parked.append((call, code, reason))
        self._refuse_parked()

    def _refuse_parked(self) -> None:
        """Answer parked refusals as far as the socket budget allows (see REFUSAL_BURST)."""
        now = time.monotonic()
        while self._refused_at and now - self._refused_at[0] > SOCKET_RELEASE_S:
            self._refused_at.popleft()
        pj = _pj()
        while self._parked and len(self._refused_at) < REFUSAL_BURST:
            call, code, reason = self._parked.popleft()
            prm = pj.CallOpParam()
            prm.statusCode = code
            prm.reason = reason
            self._refused_at.append(now)
            try:
                call.hangup(prm)
            except Exception as exc:  # the caller gave up (CANCEL) while parked
                log.debug("refusal of a parked call failed: %s", exc)


def _make_account(pj, bot: SipBot):
    class BotAccount(pj.Account):
        def onIncomingCall(self, prm):
            bot.incoming(prm.callId, prm.rdata.srcAddress, prm.rdata.wholeMsg)

        def onRegState(self, prm):
            log.info("registration: %s %s", prm.code, prm.reason)

    s = bot.settings
    acfg = pj.AccountConfig()
    if s.registrar:
        domain = s.domain or s.registrar.split(":", 1)[-1].split(";")[0]
        acfg.idUri = f"sip:{s.user}@{domain}"
        acfg.regConfig.registrarUri = s.registrar if s.registrar.startswith("sip") else f"sip:{s.registrar}"
        if s.user:
            acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", s.user, 0, s.password))
    else:
        acfg.idUri = f"sip:rathaus@{bot.host}:{bot.port}"
    if bot.rtp_port:
        acfg.mediaConfig.transportConfig.port = bot.rtp_port
        acfg.mediaConfig.transportConfig.portRange = 1000
    acfg.mediaConfig.transportConfig.boundAddress = bot.host if bot.host not in ("0.0.0.0", "::") else ""
    account = BotAccount()
    account.create(acfg, True)
    return account


class _BotCall:
    """Placeholder replaced by the real class (needs pjsua2) on first use."""

    def __new__(cls, pj, bot, call_id):
        real = _call_class(pj)
        return real(bot, call_id)


_CALL_CLASS = None


def _call_class(pj):
    global _CALL_CLASS
    if _CALL_CLASS is not None:
        return _CALL_CLASS

    class BotCall(pj.Call):
        def __init__(self, bot: SipBot, call_id: int):
            super().__init__(bot.account, call_id)
            self.bot = bot
            self.info: CallInfo | None = None
            self.handler: CallHandler | None = None
            self.port = None
            self.recorder = None
            self._media = None
            self._started = False
            self._ended = False
            self._xfer_pending = False

        # -------- callbacks (SIP thread)
        def onCallState(self, prm):
            ci = self.getInfo()
            if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
                self.ended(f"{ci.lastStatusCode} {ci.lastReason}")

        def onCallMediaState(self, prm):
            ci = self.getInfo()
            for i, mi in enumerate(ci.media):
                if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                    self._connect(self.getAudioMedia(i))
                    break

        def onDtmfDigit(self, prm):
            if self.handler is not None:
                self.handler.dtmf(prm.digit)

        def onCallTransferRequest(self, prm):
            # A caller must never make the bot dial out (toll fraud): refuse incoming REFERs.
            log.warning("refused a REFER from the caller to %r", prm.dstUri)
            prm.statusCode = 603

        def onCallReplaceRequest(self, prm):
            prm.statusCode = 603

        def onCallTransferStatus(self, prm):
            if not self._xfer_pending:
                return
            code = int(prm.statusCode)
            if prm.finalNotify or code >= 200:
                self._xfer_pending = False
                prm.cont = False
                if self.handler is not None:
                    self.handler.transfer_result(200 <= code < 300, code)

        # -------- media
        def _connect(self, aud) -> None:
            if self.handler is None or self.port is not None:
                return
            port_cls = media.make_port_class(pj)
            self.port = port_cls(self.handler.inbox, self.handler.playback)
            self.port.createPort(f"call{self.info.call_id}", media.audio_format(pj))
            aud.startTransmit(self.port)
            self.port.startTransmit(aud)
            self._media = aud
            if not self._started:
                self._started = True
                self.handler.started(CallControl(self.bot, self.info))

        def do_record(self, path: Path) -> None:
            if self._media is None or self.recorder is not None or self._ended:
                return
            rec = pj.AudioMediaRecorder()
            rec.createRecorder(str(path))
            self._media.startTransmit(rec)
            self.port.startTransmit(rec)
            self.recorder = rec

        # -------- requests (SIP thread, through SipBot.post)
        def do_hangup(self) -> None:
            if self._ended:
                return
            try:
                prm = pj.CallOpParam()
                prm.statusCode = 200
                self.hangup(prm)
            except pj.Error as exc:
                log.debug("hangup: %s", exc.info())

        def do_transfer(self, target: str) -> None:
            if self._ended:
                return
            if not valid_target(target):
                log.warning("refusing to transfer to invalid target %r", target)
                self.handler.transfer_result(False, 400)
                return
            try:
                self._xfer_pending = True
                self.xfer(target.strip(), pj.CallOpParam(True))
            except pj.Error as exc:
                self._xfer_pending = False
                log.warning("REFER to %s failed: %s", target, exc.info())
                self.handler.transfer_result(False, 500)

        # -------- end
        def ended(self, reason: str) -> None:
            if self._ended:
                return
            self._ended = True
            self._xfer_pending = False
            if self.handler is not None:
                try:
                    self.handler.ended(reason)
                except Exception:
                    log.exception("session end failed")
            self.bot.calls.pop(self.info.call_id if self.info else -1, None)
            self.bot._graveyard.append(self)  # released after this callback returns

        def release(self) -> None:
            """Disconnect and destroy media objects explicitly (the GC must not do it later)."""
            for obj in (self.recorder, self.port):
                if obj is None:
                    continue
                try:
                    if self._media is not None:
                        self._media.stopTransmit(obj)
                except Exception:
                    pass
            if self.port is not None and self._media is not None:
                try:
                    self.port.stopTransmit(self._media)
                except Exception:
                    pass
            media.destroy(self.recorder)
            media.destroy(self.port)
            self.recorder = None
            self.port = None
            self._media = None
            self.handler = None  # no references out of a dead call
            # The Python proxy may outlive libDestroy() (SWIG keeps a reference we cannot see),
            # and a pj::Call freed after libDestroy() aborts: run its destructor now.
            media.destroy(self)

    _CALL_CLASS = BotCall
    return BotCall
