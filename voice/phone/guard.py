"""Who may call the phone bot: allowed sources, per-source INVITE rate, scanner user agents.

A hotline on a public SIP port gets scanned and flooded within hours. Every INVITE that reaches
pjsua2's incoming-call callback is checked here *before* a call session exists, so rejected
traffic never costs a session, VAD or whisper. The policy has no pjsua2 dependency, so it is
unit-tested without SIP (tests/e2e/test_sip_security.py); voice.phone.sip asks `SipGuard.check()` and
answers the INVITE with the returned status code.

Rejections are logged at most once per source and reason per minute, with the number suppressed
in between, so a flood cannot flood the log as well.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# User-Agent substrings of SIP scanners and war-dialers (case-insensitive), as published in
# fail2ban/kamailio/Asterisk hardening guides. A real phone never sends these.
SCANNER_AGENTS: tuple[str, ...] = (
    "friendly-scanner", "sipvicious", "sipcli", "sip-scan", "sipscan", "vaxsipuseragent", "pplsip",
    "iwar", "sundayddr", "sipping", "smap", "sivus", "nmap",
)

LOOPBACK: tuple[str, ...] = ("127.0.0.0/8", "::1/128")


@dataclass(frozen=True)
class Verdict:
    """The guard's answer for one INVITE: `code` 0 means take the call, else reject with it."""

    code: int = 0
    reason: str = ""
    phrase: str = ""

    @property
    def allowed(self) -> bool:
        return self.code == 0


ACCEPT = Verdict()


def parse_networks(entries: Iterable[str]) -> list[Network]:
    """'10.1.2.3', '192.168.0.0/24', '::1' -> networks; a typo is an error, never ignored."""
    nets = []
    for entry in entries:
        try:
            nets.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise ValueError(f"[phone] allowed_sources: {entry!r} is not an IP address or network") from None
    return nets


def split_source(src: str) -> str:
    """pjsua2's rdata.srcAddress ('1.2.3.4:5060', '[::1]:5060') -> the address alone."""
    src = (src or "").strip()
    if src.startswith("["):
        return src[1:src.index("]")] if "]" in src else src[1:]
    if src.count(":") == 1:
        return src.split(":", 1)[0]
    return src


def registrar_host(registrar: str) -> str:
    """'sip:user@pbx.example.org:5060;transport=tcp' -> 'pbx.example.org'."""
    uri = registrar.strip()
    uri = re.sub(r"^sips?:", "", uri).split(";", 1)[0]
    uri = uri.rsplit("@", 1)[-1]
    if uri.startswith("["):
        return uri[1:uri.index("]")] if "]" in uri else uri[1:]
    return uri.split(":", 1)[0] if uri.count(":") == 1 else uri


def resolve(host: str) -> list[str]:
    """All addresses of `host`; empty (with a warning) when it does not resolve."""
    if not host:
        return []
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_UDP)
    except OSError as exc:
        log.warning("cannot resolve the registrar %s (%s): calls relayed by it will be refused", host, exc)
        return []
    return sorted({info[4][0] for info in infos})


def user_agent(message: str) -> str:
    """The User-Agent header of a raw SIP message (short form none); '' when absent."""
    head = (message or "").split("\r\n\r\n", 1)[0]
    for line in head.splitlines()[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "user-agent":
            return value.strip()
    return ""


def is_scanner(agent: str, patterns: Iterable[str] = SCANNER_AGENTS) -> bool:
    low = (agent or "").lower()
    return any(p and p.lower() in low for p in patterns)


class TokenBucket:
    """`rate_per_minute` tokens per minute, at most `burst` saved up; one token per INVITE."""

    def __init__(self, rate_per_minute: float, burst: float, now: float):
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self.tokens = burst
        self.at = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def full(self, now: float) -> bool:
        return self.tokens + (now - self.at) * self.rate >= self.burst


class LogThrottle:
    """At most one log line per key per `interval_s`; says how many were suppressed since."""

    def __init__(self, interval_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.interval = interval_s
        self.clock = clock
        self.last: dict[tuple, float] = {}
        self.suppressed: dict[tuple, int] = {}

    def __call__(self, key: tuple, message: str, *args) -> bool:
        now = self.clock()
        last = self.last.get(key)
        if last is not None and now - last < self.interval:
            self.suppressed[key] = self.suppressed.get(key, 0) + 1
            return False
        if len(self.last) > 10000:  # a spoofed-source flood must not grow this without bound
            self.last = {k: t for k, t in self.last.items() if now - t < self.interval}
            if len(self.last) > 10000:  # all recent: forget the oldest half
                keep = sorted(self.last.items(), key=lambda kv: kv[1])[len(self.last) // 2:]
                self.last = dict(keep)
            self.suppressed = {k: n for k, n in self.suppressed.items() if k in self.last}
        self.last[key] = now
        skipped = self.suppressed.pop(key, 0)
        log.warning(message + (f" ({skipped} more since the last report)" if skipped else ""), *args)
        return True


@dataclass
class SipGuard:
    """The policy for incoming INVITEs. `trusted` sources (the registrar, the kamailio front)
    carry every caller's calls: they are allowed and exempt from the per-source limits."""

    allowed: list[Network] = field(default_factory=lambda: parse_networks(LOOPBACK))
    trusted: list[Network] = field(default_factory=list)
    max_invites_per_minute: int = 30
    max_calls_per_source: int = 0
    blocked_agents: tuple[str, ...] = SCANNER_AGENTS
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.buckets: dict[str, TokenBucket] = {}
        self.report = LogThrottle(60.0, self.clock)
        self.rejected: dict[str, int] = {}  # reason -> count, for tests and diagnostics

    @classmethod
    def from_settings(cls, settings, front: str | None = None) -> "SipGuard":
        """From [phone]: an empty allowed_sources means loopback plus the registrar's addresses.
        `front` is the address of our own kamailio when this process is one of its workers."""
        registrar = resolve(registrar_host(settings.registrar)) if settings.registrar else []
        allowed = parse_networks(settings.allowed_sources) if settings.allowed_sources else \
            parse_networks([*LOOPBACK, *registrar])
        trusted = parse_networks([*registrar, *([front] if front else [])])
        guard = cls(allowed=allowed, trusted=trusted,
                    max_invites_per_minute=int(settings.max_invites_per_minute),
                    max_calls_per_source=int(settings.max_calls_per_source),
                    blocked_agents=tuple(settings.blocked_user_agents))
        log.info("SIP accepted from %s; at most %s INVITEs per minute per source",
                 ", ".join(map(str, allowed + [t for t in trusted if t not in allowed])) or "nowhere",
                 guard.max_invites_per_minute or "any number of")
        return guard

    @staticmethod
    def _in(address: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: list[Network]) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address.version == n.version and address in n for n in nets)

    def check(self, source: str, agent: str = "", active_calls: int = 0) -> Verdict:
        """Decide on one INVITE from `source` (address, or pjsua2's 'address:port')."""
        ip = split_source(source)
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return self._reject(ip, Verdict(403, "bad-source", "Forbidden"), agent)
        trusted = self._in(address, self.trusted)
        if not trusted and not self._in(address, self.allowed):
            return self._reject(ip, Verdict(403, "not-allowed", "Forbidden"), agent)
        if is_scanner(agent, self.blocked_agents):
            return self._reject(ip, Verdict(403, "scanner", "Forbidden"), agent)
        if trusted:
            return ACCEPT
        if self.max_invites_per_minute > 0 and not self._bucket(ip).take(self.clock()):
            return self._reject(ip, Verdict(503, "rate", "Too Many Calls From This Source"), agent)
        if self.max_calls_per_source > 0 and active_calls >= self.max_calls_per_source:
            return self._reject(ip, Verdict(486, "source-busy", "Busy Here"), agent)
        return ACCEPT

    def _bucket(self, ip: str) -> TokenBucket:
        now = self.clock()
        bucket = self.buckets.get(ip)
        if bucket is None:
            if len(self.buckets) > 10000:  # forget sources that have been quiet long enough
                self.buckets = {k: b for k, b in self.buckets.items() if not b.full(now)}
            rate = float(self.max_invites_per_minute)
            bucket = self.buckets[ip] = TokenBucket(rate, rate, now)
        return bucket

    def _reject(self, ip: str, verdict: Verdict, agent: str) -> Verdict:
        self.rejected[verdict.reason] = self.rejected.get(verdict.reason, 0) + 1
        what = {"bad-source": "(unreadable source address)",
                "not-allowed": "(not in [phone] allowed_sources)",
                "scanner": "(a SIP scanner)",
                "rate": "(over [phone] max_invites_per_minute)",
                "source-busy": "(over [phone] max_calls_per_source)"}[verdict.reason]
        self.report((ip, verdict.reason), "SIP: refused INVITE from %s %s (User-Agent %r): %d",
                    ip, what, agent[:80], verdict.code)
        return verdict
