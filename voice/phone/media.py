"""Moving 20 ms G.711-decoded frames between pjsua2 and Python queues, nothing more.

pjsua2 calls `onFrameReceived` / `onFrameRequested` on the conference bridge's clock thread while
holding the GIL, so these callbacks only copy bytes (with ctypes: `bytes(frame.buf)` costs about
100 times more) and touch a queue or a buffer. Everything else (VAD, ASR, TTS) runs in other
threads. The port runs at 8 kHz, 16-bit mono: the bridge decodes A-law / mu-law for us.
"""

from __future__ import annotations

import ctypes
import queue
import threading
import time
from collections import deque

from voice.phone.inbox import Audio

RATE = 8000
FRAME_MS = 20
FRAME_SAMPLES = RATE * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * 2
_PTR = ctypes.sizeof(ctypes.c_void_p)


def read_bytes(vector) -> bytes:
    """Copy a pjsua2 ByteVector (std::vector<unsigned char>) with one memcpy.

    The SWIG proxy's `this` is the vector's address; libstdc++ lays out a vector as three
    pointers (begin, end, end of storage)."""
    address = int(vector.this)
    begin = ctypes.c_void_p.from_address(address).value
    end = ctypes.c_void_p.from_address(address + _PTR).value
    if not begin or not end or end <= begin:
        return b""
    return ctypes.string_at(begin, end - begin)


def write_bytes(vector, data: bytes) -> None:
    """Fill a pjsua2 ByteVector with `data` (resize, then one memmove)."""
    vector.resize(len(data))
    if data:
        begin = ctypes.c_void_p.from_address(int(vector.this)).value
        ctypes.memmove(begin, data, len(data))


class Playback:
    """What the bot says next, as 8 kHz PCM16 bytes, pulled 20 ms at a time by the SIP clock.

    Segments carry a flag: interruptible ones are dropped by barge-in (`interrupt()`), others
    (transfer announcement, goodbye) always play to the end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._segments: deque[list] = deque()  # [bytearray, interruptible, on_start]
        self.frames_played = 0
        self.last_audio_at = 0.0

    def append(self, data: bytes, interruptible: bool = True, on_start=None) -> None:
        with self._lock:
            self._segments.append([bytearray(data), interruptible, on_start])

    def pull(self) -> bytes | None:
        """The next frame, or None when nothing is queued. Called on the SIP clock thread."""
        with self._lock:
            while self._segments:
                seg = self._segments[0]
                if seg[2] is not None:
                    callback, seg[2] = seg[2], None
                    try:
                        callback()
                    except Exception:  # a bookkeeping callback must never break audio
                        pass
                buf = seg[0]
                if not buf:
                    self._segments.popleft()
                    continue
                frame = bytes(buf[:FRAME_BYTES])
                del buf[:FRAME_BYTES]
                if len(frame) < FRAME_BYTES:
                    frame += b"\x00" * (FRAME_BYTES - len(frame))
                self.frames_played += 1
                self.last_audio_at = time.monotonic()
                return frame
            return None

    def interrupt(self) -> bool:
        """Drop interruptible audio (barge-in). True when something was dropped."""
        with self._lock:
            before = len(self._segments)
            kept = deque(s for s in self._segments if not s[1])
            dropped = before != len(kept)
            self._segments = kept
            return dropped

    @property
    def playing(self) -> bool:
        with self._lock:
            return any(s[0] for s in self._segments)

    @property
    def interruptible(self) -> bool:
        with self._lock:
            return bool(self._segments) and self._segments[0][1]

    def clear(self) -> None:
        with self._lock:
            self._segments.clear()


def make_port_class(pj):
    """The AudioMediaPort subclass, built lazily so that importing this module needs no pjsua2."""

    class FramePort(pj.AudioMediaPort):
        """Received frames go to `inbox` as inbox.Audio; sent frames come from `playback`."""

        def __init__(self, inbox: queue.Queue, playback: Playback):
            super().__init__()
            self.inbox = inbox
            self.playback = playback
            self._silence = b"\x00" * FRAME_BYTES

        def onFrameReceived(self, frame):
            if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO:
                data = read_bytes(frame.buf)
                if data:
                    self.inbox.put(Audio(time.monotonic(), data))

        def onFrameRequested(self, frame):
            data = self.playback.pull()
            frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
            write_bytes(frame.buf, data if data is not None else self._silence)
            frame.size = FRAME_BYTES

    return FramePort


def audio_format(pj):
    fmt = pj.MediaFormatAudio()
    fmt.init(pj.PJMEDIA_FORMAT_PCM, RATE, 1, FRAME_MS * 1000, 16)
    return fmt


def destroy(obj) -> None:
    """Run a pjsua2 object's C++ destructor now, while Python still holds it (see DESIGN.md)."""
    if obj is None:
        return
    try:
        if getattr(obj, "thisown", False):
            type(obj).__swig_destroy__(obj)
            obj.thisown = False
    except Exception:
        pass
