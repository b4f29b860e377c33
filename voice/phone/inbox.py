"""What a call's listener thread receives through its inbox (queue.Queue), from the SIP side:
audio frames (from the conference bridge's clock, voice.phone.media), key presses, the outcome of
a transfer, the end of the call. Each carries its time.monotonic() instant of arrival."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Audio:
    """20 ms of the caller's audio, 8 kHz PCM16."""

    at: float
    data: bytes


@dataclass(slots=True)
class Dtmf:
    at: float
    digit: str


@dataclass(slots=True)
class TransferResult:
    """The REFER's outcome: accepted and completed (`ok`), or the SIP `code` it failed with."""

    at: float
    ok: bool
    code: int


@dataclass(slots=True)
class CallEnded:
    at: float
    reason: str


CallEvent = Audio | Dtmf | TransferResult | CallEnded
