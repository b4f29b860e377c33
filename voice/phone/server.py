"""The phone bot of one process: engines loaded once, a SipBot, a session per call.

`PhoneService.run()` is an asyncio task that polls pjsua2 every few milliseconds, so the SIP
stack shares the event loop with the web app in `rathaus serve`; all pjsua2 calls happen on the
thread that runs the loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time

from rathaus.config import Config
from rathaus.store import Store
from voice.phone.records import close_stale_calls
from voice.phone.settings import PhoneSettings
from voice.phone.sip import CallInfo, SipBot

log = logging.getLogger(__name__)


class PhoneService:
    def __init__(self, config: Config, store: Store, sip_port: int | None = None,
                 rtp_port: int | None = None, warm_up: bool = True, behind_front: bool = False):
        """`behind_front`: a `--sip-only` worker behind our kamailio, which listens on the same
        sip_host; its requests are trusted (kamailio already applied the per-source checks)."""
        self.config = config
        self.store = store
        self.settings = config.settings("phone", PhoneSettings)
        if sip_port is not None:
            self.settings.sip_port = sip_port
        if rtp_port is not None:
            self.settings.rtp_port = rtp_port
        self.worker = f"{socket.gethostname()}:{self.settings.sip_port}"
        self.warm_up = warm_up
        self.front = self.settings.sip_host if behind_front else None
        self.sessions: list = []
        self.bot: SipBot | None = None
        self.engines = None

    def start(self) -> None:
        """Load the models (before the first call, not during it) and start listening."""
        from voice.phone.engines import Engines

        # Bind the SIP port first so a taken port fails at once; calls are only taken once
        # run() polls, after the models are loaded.
        level = 3 if self.config.get("general.log_level") == "debug" else 1
        bot = SipBot(self.settings, self._new_session, log_level=level, front=self.front)
        bot.start()
        try:
            self.engines = Engines(self.config, self.store)
            if self.warm_up:
                self.engines.warm_up()
        except BaseException:
            bot.shutdown()
            raise
        self.bot = bot
        stale = close_stale_calls(self.store, self.worker)
        if stale:
            log.warning("closed %d call record(s) left open by an earlier run", stale)

    def _new_session(self, info: CallInfo):
        from voice.phone.session import CallSession

        audio_dir = self.config.data_dir / "calls" if self.settings.keep_audio else None
        session = CallSession(self.engines, self.settings, info, self.store,
                              municipality=self.config.get("general.municipality"),
                              worker=self.worker, audio_dir=audio_dir)
        self.sessions = [s for s in self.sessions if not s.ended_event.is_set()] + [session]
        log.info("call %s from %s", session.record.id, session.record.caller, extra={"call_id": session.record.id})
        return session

    async def run(self, stop: asyncio.Event, interval_s: float = 0.005, beat=None) -> None:
        """Poll SIP until `stop` is set, then hang up all calls and destroy the stack. `beat`
        (rathaus.liveness) is called after every poll: a SIP stack stuck in pjsua2 stops it."""
        assert self.bot is not None
        try:
            while not stop.is_set():
                self.bot.poll(0)
                if beat is not None:
                    beat()
                await asyncio.sleep(interval_s)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        if self.bot is None:
            return
        bot, self.bot = self.bot, None
        bot.shutdown()
        deadline = time.monotonic() + 5
        for session in self.sessions:
            session.ended_event.wait(max(0.0, deadline - time.monotonic()))
        log.info("SIP bot on port %s stopped (pid %d)", self.settings.sip_port, os.getpid())
