"""The SIP phone bot: pjsua2 plumbing (sip), per-call audio loop (session), the conversation
(dialog), call records (records), and the multi-process front (kamailio)."""
