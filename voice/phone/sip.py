"""SIP plumbing with pjsua2: one Endpoint, one account, incoming calls, REFER, DTMF.

Threading (DESIGN.md facts): the Endpoint runs with threadCnt=0 and mainThreadOnly=True, so every
SIP callback runs inside `poll()`, which the owner calls every few milliseconds (from an asyncio
task in `rathaus serve`). No other thread touches pjsua2: call sessions ask for a hang-up or a
transfer through `SipBot.post()`, which queues a function for the SIP thread. Audio frames leave
and enter through voice.phone.media (copy and queue only).

Every incoming INVITE passes voice.phone.guard (allowed sources, per-source rate, scanner user
agents) before a session is made; a refused one is answered at once and never reaches a session.
Each call is a voice.phone.sipcall.BotCall, destroyed while its pjsua slot is still its own; a
watchdog (voice.phone.watchdog) frees the slot of any call that waits too long for its next step.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections import deque
from typing import Callable

from rathaus.errors import RathausError
from voice.phone import media
from voice.phone.guard import SipGuard, split_source, user_agent
from voice.phone.settings import PhoneSettings
from voice.phone.sipcall import CallControl, CallHandler, CallInfo, call_class, valid_target
from voice.phone.watchdog import DROP, overdue

__all__ = ["CallControl", "CallHandler", "CallInfo", "SipBot", "SipError", "valid_target"]

log = logging.getLogger(__name__)

# Every INVITE pjsua takes opens two RTP sockets before our callback can refuse it, and pjsip's
# ioqueue keeps a closed socket's slot for 500 ms (PJ_IOQUEUE_KEY_FREE_DELAY) in a table of 64:
# a flood refused at full speed fills that table and pjsip aborts the process. So at most
# REFUSAL_BURST refusals go out per SOCKET_RELEASE_S; beyond that a refused call keeps its call
# slot until the window clears, and while all slots are taken pjsua answers 486 itself, without
# opening sockets. Legitimate callers are busy during such a flood, but the bot stays up.
SOCKET_RELEASE_S = 0.6
REFUSAL_BURST = 12

WATCH_INTERVAL_S = 0.5  # how often the watchdog looks at the calls


class SipError(RuntimeError):
    pass


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
        self.calls: dict = {}  # pjsua slot -> BotCall (voice.phone.sipcall)
        self._abandoned: list = []  # calls pjsua lost track of: kept, never destroyed (sipcall)
        self._next_watch = 0.0
        self._closing = False
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
        now = time.monotonic()
        if now >= self._next_watch:
            self._next_watch = now + WATCH_INTERVAL_S
            try:
                self._watch(now)
            except Exception:  # the watchdog must never stop the SIP loop
                log.exception("SIP watchdog failed")

    def post(self, fn: Callable[[], None]) -> None:
        self._posted.put(fn)

    def shutdown(self, timeout_s: float = 3.0) -> None:
        """Hang up every call, wait for the BYEs, release ports, destroy the Endpoint."""
        if self.ep is None:
            return
        self._closing = True  # INVITEs from now on get 503
        for call in list(self.calls.values()):
            call.do_hangup()
        deadline = time.monotonic() + timeout_s
        while self.calls and time.monotonic() < deadline:
            self.poll(10)
        for call in list(self.calls.values()):
            call.ended("shutdown")
            call.release()  # still up, so its slot is still its own
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
        call = call_class(pj)(self, call_id)
        ip = split_source(source)
        if self._closing:
            self._refuse(call, 503, "Service Unavailable")
            return
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
                code = 503
            else:
                log.exception("cannot start a call session")
                code = 500
            self._end_now(call, code)
            return
        try:
            call.answer_ok()
        except pj.Error as exc:  # the caller gave up meanwhile, say
            log.warning("cannot answer the call: %s", exc.info(), extra=call.log_extra())
            self._end_now(call, 500)

    def _end_now(self, call, code: int) -> None:
        """Refuse or end a call we took; the watchdog frees its slot should pjsua refuse too."""
        try:
            call.refuse(code)
        except _pj().Error as exc:
            log.debug("ending a call: %s", exc.info())

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
            if call.is_over:  # the caller gave up (CANCEL) while parked: the Call is released
                continue
            self._refused_at.append(now)
            try:
                call.refuse(code, reason)
            except pj.Error as exc:
                log.debug("refusal of a parked call failed: %s", exc.info())

    # ------------------------------------------------------------------------------ watchdog
    def _watch(self, now: float) -> None:
        """Free the slot of every call that waits too long for its next step (voice.phone.watchdog)."""
        s = self.settings
        for call in list(self.calls.values()):
            known = call.still_known()
            if known is False:  # its disconnect was never reported, and its slot may be reused
                log.warning("call lost by the SIP stack; freeing its slot", extra=call.log_extra())
                call.abandon("lost")
                self._abandoned.append(call)
                continue
            if known is None:  # ended, the callback missed: the slot is still its own
                log.warning("call ended without notice; freeing its slot", extra=call.log_extra())
                call.ended("disconnected")
                call.release()
                continue
            handler = call.handler
            if handler is not None and handler.ended_event.is_set() and call.times.session_over is None:
                call.times.session_over = now
            verdict = overdue(call.times, now, s.setup_timeout_s, s.max_call_s)
            if verdict is None:
                continue
            if verdict.action == DROP:
                log.warning("call %s; freeing its slot", verdict.reason, extra=call.log_extra())
                call.ended(verdict.reason)
                call.release()
            else:
                log.warning("call %s; hanging up", verdict.reason, extra=call.log_extra())
                call.do_hangup()


def _make_account(pj, bot: SipBot):
    class BotAccount(pj.Account):
        def onIncomingCall(self, prm):
            try:
                bot.incoming(prm.callId, prm.rdata.srcAddress, prm.rdata.wholeMsg)
            except Exception:  # never into pjsua2; a call we kept is ended by the watchdog
                log.exception("incoming call failed")

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
