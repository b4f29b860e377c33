"""When the SIP layer stops waiting for a call, so that every call slot is given back on every path.

pjsip ends most broken calls by itself, but late or never. A 200 whose ACK never comes holds its
slot for 32 s (Timer H). A call whose session has died keeps its slot until [phone] max_call_s. A
call whose disconnect callback is lost keeps it until the process restarts. With four slots per
process, a few of those make the hotline busy for everyone. voice.phone.sip runs `overdue()` for
every call twice a second on the SIP thread and hangs up (or, when pjsua no longer knows the
call, drops) what it returns. The policy is only times and numbers, so it is tested without SIP.
"""

from __future__ import annotations

from dataclasses import dataclass

HANGUP = "hangup"  # ask pjsua to end the call; its DISCONNECTED callback frees the slot
DROP = "drop"  # the hang-up did not end the call: free the slot without pjsua


@dataclass
class CallTimes:
    """time.monotonic() instants in the life of one call; None: not (yet) happened."""

    invited: float
    confirmed: float | None = None  # the caller's ACK arrived: the call is set up
    audio: float | None = None  # the call's audio reached the session
    session_over: float | None = None  # the session closed its record while the call was still up
    hangup: float | None = None  # we asked pjsua to hang up


@dataclass(frozen=True)
class Overdue:
    action: str  # HANGUP or DROP
    reason: str


def overdue(times: CallTimes, now: float, setup_timeout_s: float, max_call_s: float) -> Overdue | None:
    """What to do with a call that has waited too long for its next step; None while it has not.

    `setup_timeout_s` ([phone]) bounds each wait: for the ACK and the audio after the INVITE, for
    the end after our hang-up, and beyond max_call_s (the session ends a call at max_call_s by
    itself; past that plus the grace it is stuck)."""
    if times.hangup is not None:
        if now - times.hangup > setup_timeout_s:
            return Overdue(DROP, f"still up {now - times.hangup:.1f} s after its hang-up")
        return None
    if times.session_over is not None:
        return Overdue(HANGUP, "its session has ended")
    waited = now - times.invited
    if times.confirmed is None and waited > setup_timeout_s:
        return Overdue(HANGUP, f"no ACK within [phone] setup_timeout_s ({setup_timeout_s:g} s)")
    if times.audio is None and waited > setup_timeout_s:
        return Overdue(HANGUP, f"no audio within [phone] setup_timeout_s ({setup_timeout_s:g} s)")
    if waited > max_call_s + setup_timeout_s:
        return Overdue(HANGUP, f"up {waited:.0f} s, past [phone] max_call_s ({max_call_s:g} s)")
    return None
