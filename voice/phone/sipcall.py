"""One incoming call as a pjsua2 Call, and the handle its session steers it with.

The rule this module exists for is about when a Call object may be destroyed. pjsua numbers
calls by slot (0 .. max_calls-1) and gives a slot to the next INVITE as soon as the previous
call in it is DISCONNECTED, often within the same `libHandleEvents()` when INVITEs arrive in a
burst. A pjsua2 Call keeps its slot number after the call ends (2.15.1). Its C++ destructor then
clears that slot's link to its Python object and hangs up whatever call is active there. So
destroying an ended Call later, after its slot has gone to a new call, silently disconnects the
new call's callbacks and hangs it up behind the bot's back. That call's session never hears of
the end, and its slot stays taken until restart (seen under a flood on a loaded machine).
Therefore a Call is destroyed in its own DISCONNECTED callback, or right after our own request
(hang-up, answer) that disconnected it, while the slot is still its own. A Call that pjsua no
longer knows (its slot may belong to someone else by now) is abandoned: its media is freed, its
C++ object deliberately never destroyed.

Everything here runs on the SIP thread (see voice.phone.sip); sessions reach it only through
`CallControl`, which queues requests for that thread.
"""

from __future__ import annotations

import logging
import queue
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from voice.phone import media
from voice.phone.watchdog import CallTimes

if TYPE_CHECKING:
    import threading

log = logging.getLogger(__name__)

_SIP_URI = re.compile(r"^sips?:([A-Za-z0-9_.!~*'()&=+$,;?/%-]+@)?[A-Za-z0-9.\-\[\]:]+(:\d+)?(;[^\s<>]*)?$")


def valid_target(uri: str | None) -> bool:
    """A REFER target must be a plain SIP URI: an empty or odd one crashed the peer (DESIGN.md)."""
    return bool(uri) and bool(_SIP_URI.match(uri.strip()))


@dataclass
class CallInfo:
    call_id: int  # pjsua's slot number: reused by later calls, never an identity
    remote_uri: str
    local_uri: str
    sip_call_id: str  # the SIP Call-ID: the identity of this call
    source: str = ""  # the address the INVITE came from


class CallOwner(Protocol):
    """What a call needs of the bot that took it (sip.SipBot): its account, the calls by slot,
    and a way to run a function on the SIP thread."""

    account: object
    calls: dict

    def post(self, fn: Callable[[], None]) -> None: ...


class CallHandler(Protocol):
    """What a call session offers the SIP layer. All methods are called on the SIP thread and
    must return at once."""

    inbox: queue.Queue
    playback: media.Playback
    ended_event: "threading.Event"  # set once the session is over; the SIP layer then frees the slot
    record_id: str  # the id its log lines carry (call=...)

    def started(self, control: "CallControl") -> None: ...

    def dtmf(self, digit: str) -> None: ...

    def transfer_result(self, ok: bool, code: int) -> None: ...

    def ended(self, reason: str) -> None: ...


class CallControl:
    """Thread-safe handle a session uses to steer its call."""

    def __init__(self, bot: CallOwner, info: CallInfo):
        # Only the info, never the pjsua2 Call: a Call still referenced after libDestroy() aborts.
        self._bot = bot
        self.info = info

    def _on_call(self, method: str, *args) -> None:
        def run():
            call = self._bot.calls.get(self.info.call_id)
            if call is not None and call.info is self.info:  # not a later call in the same slot
                getattr(call, method)(*args)
        self._bot.post(run)

    def hangup(self) -> None:
        self._on_call("do_hangup")

    def transfer(self, target: str) -> None:
        self._on_call("do_transfer", target)

    def record_to(self, path: Path) -> None:
        self._on_call("do_record", path)


_CALL_CLASS = None


def call_class(pj) -> type:
    """The pjsua2 Call subclass, built on first use so that importing this module needs no pjsua2."""
    global _CALL_CLASS
    if _CALL_CLASS is None:
        _CALL_CLASS = _build(pj)
    return _CALL_CLASS


def _build(pj) -> type:
    class BotCall(pj.Call):
        def __init__(self, bot: CallOwner, call_id: int):
            super().__init__(bot.account, call_id)
            self.bot = bot
            self.info: CallInfo | None = None
            self.handler: CallHandler | None = None
            self.times = CallTimes(invited=time.monotonic())
            self.port = None
            self.recorder = None
            self._media = None
            self._started = False
            self._ended = False
            self._xfer_pending = False
            self._requests = 0  # our own pjsua2 requests on this call now running
            self._released = False
            self._abandoned = False

        @property
        def is_over(self) -> bool:
            return self._ended

        def log_extra(self) -> dict:
            """The call's record id for the log line's call= field (its SIP Call-ID before one exists)."""
            record_id = getattr(self.handler, "record_id", None)
            return {"call_id": record_id or (self.info.sip_call_id if self.info else "-")}

        # -------- callbacks (SIP thread)
        def onCallState(self, prm):
            ci = self.getInfo()
            if ci.state == pj.PJSIP_INV_STATE_CONFIRMED and self.times.confirmed is None:
                self.times.confirmed = time.monotonic()
            if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
                self.ended(f"{ci.lastStatusCode} {ci.lastReason}")
                if not self._requests:
                    self.release()  # now: after this callback returns, pjsua may reuse the slot

        def onCallMediaState(self, prm):
            ci = self.getInfo()
            for i, mi in enumerate(ci.media):
                if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                    try:
                        self._connect(self.getAudioMedia(i))
                    except Exception:
                        log.exception("cannot connect the call's audio", extra=self.log_extra())
                        self.bot.post(self.do_hangup)
                    break

        def onDtmfDigit(self, prm):
            if self.handler is not None:
                self.handler.dtmf(prm.digit)

        def onCallTransferRequest(self, prm):
            # A caller must never make the bot dial out (toll fraud): refuse incoming REFERs.
            log.warning("refused a REFER from the caller to %r", prm.dstUri, extra=self.log_extra())
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
            if self.handler is None or self.port is not None or self._ended:
                return
            port_cls = media.make_port_class(pj)
            self.port = port_cls(self.handler.inbox, self.handler.playback)
            self.port.createPort(f"call{self.info.call_id}", media.audio_format(pj))
            aud.startTransmit(self.port)
            self.port.startTransmit(aud)
            self._media = aud
            if not self._started:
                self._started = True
                self.times.audio = time.monotonic()
                self.handler.started(CallControl(self.bot, self.info))

        def do_record(self, path: Path) -> None:
            if self._media is None or self.recorder is not None or self._ended:
                return
            rec = pj.AudioMediaRecorder()
            rec.createRecorder(str(path))
            self._media.startTransmit(rec)
            self.port.startTransmit(rec)
            self.recorder = rec

        # -------- requests (SIP thread; sessions go through CallControl)
        def _request(self, fn: Callable[[], None]) -> None:
            """Run our own pjsua2 request on this call. A DISCONNECTED callback inside it (pjsua
            reports a hang-up at once) ends the call, and it is released once the request has
            returned: still before pjsua can give the slot to another call."""
            self._requests += 1
            try:
                fn()
            finally:
                self._requests -= 1
                if self._ended and not self._requests:
                    self.release()

        def answer_ok(self) -> None:
            prm = pj.CallOpParam()
            prm.statusCode = 200
            self._request(lambda: self.answer(prm))

        def refuse(self, code: int, reason: str = "") -> None:
            """Answer the INVITE with `code` (or end the call); raises pj.Error when pjsua cannot."""
            prm = pj.CallOpParam()
            prm.statusCode = code
            if reason:
                prm.reason = reason
            if self.times.hangup is None:
                self.times.hangup = time.monotonic()
            self._request(lambda: self.hangup(prm))

        def do_hangup(self) -> None:
            if self._ended:
                return
            try:
                self.refuse(0)  # pjsua's choice: BYE once answered, 603 before
            except pj.Error as exc:
                log.debug("hangup: %s", exc.info())

        def do_transfer(self, target: str) -> None:
            if self._ended:
                return
            if not valid_target(target):
                log.warning("refusing to transfer to invalid target %r", target, extra=self.log_extra())
                self.handler.transfer_result(False, 400)
                return
            try:
                self._xfer_pending = True
                self.xfer(target.strip(), pj.CallOpParam(True))
            except pj.Error as exc:
                self._xfer_pending = False
                log.warning("REFER to %s failed: %s", target, exc.info(), extra=self.log_extra())
                self.handler.transfer_result(False, 500)

        # -------- watchdog (SIP thread)
        def still_known(self) -> bool | None:
            """Whether pjsua still has this call in its slot: True (up), False (its slot is empty
            or holds another call: the disconnect was never reported), None (ended, same slot)."""
            try:
                ci = self.getInfo()
            except pj.Error:
                return False
            if self.info is not None and ci.callIdString != self.info.sip_call_id:
                return False
            return None if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED else True

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
                    log.exception("session end failed", extra=self.log_extra())
            if self.info is not None and self.bot.calls.get(self.info.call_id) is self:
                del self.bot.calls[self.info.call_id]

        def release(self) -> None:
            """Destroy the media objects and the Call itself now, while its slot number is still
            its own (module docstring); the GC must not do it later."""
            if self._released or self._abandoned:
                return
            self._released = True
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
            self._drop_media()
            # The Python proxy may outlive libDestroy() (SWIG keeps a reference we cannot see),
            # and a pj::Call freed after libDestroy() aborts: run its destructor now.
            media.destroy(self)

        def abandon(self, reason: str) -> None:
            """pjsua no longer knows this call: end it and free its media, but never run the C++
            destructor (its slot may hold another call by now). The bot keeps the object."""
            self.ended(reason)
            if self._released or self._abandoned:
                return
            self._abandoned = True
            self._drop_media()  # removing our port from the bridge also disconnects it
            self.thisown = False

        def _drop_media(self) -> None:
            media.destroy(self.recorder)
            media.destroy(self.port)
            self.recorder = None
            self.port = None
            self._media = None
            self.handler = None  # no references out of a dead call

    return BotCall
