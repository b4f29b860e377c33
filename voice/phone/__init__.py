"""The SIP phone bot.

Modules, one concern each:
  sip       pjsua2 Endpoint, account (direct or registered), incoming calls, REFER, DTMF
  sipcall   one pjsua2 call object: its callbacks, media, hang-up; destroyed while its slot is its own
  watchdog  timing rules that free a call's line (no ACK or audio, session over, over max length)
  guard     which SIP sources may call, and how often (rate limits, scanners)
  media     20 ms frames between pjsua2 and Python (copy and queue only), playback buffer
  inbox     what a call's listener receives from the SIP side (audio, DTMF, transfer result, end)
  session   one call's listener: VAD frames to the turn detector, its events to ASR and the dialog
  turns     turn-taking fed frame by frame: end of turn, early end, joining, barge-in, as events
  turn_end  whether an early transcript reads as a finished sentence (word lists per language)
  speaker   one call's sentence-by-sentence TTS into the playback buffer
  dialog    the conversation as a pure state machine (greeting, confirm, forward, callback)
  records   calls, call_turns, hand-off JSON and callback requests in the store
  engines   ASR, TTS and the catalog assistant, loaded once per process
  server    PhoneService: the above in one process, polled from asyncio by `rathaus serve`
  kamailio  `rathaus serve --sip-workers N`: N worker processes behind kamailio's dispatcher

Operating it: `rathaus serve` answers on [phone] sip_host:sip_port (default 127.0.0.1:5070,
UDP); point the PBX's hotline extension or SIP trunk there, or set [phone] registrar/user/
password/domain to register at the PBX. Transfers go to the catalog's service queues or
[catalog] default_queue, which must be SIP URIs the caller's side can reach. Open callback
requests: `rathaus phone callbacks`.
"""
