"""The [phone] section of the configuration as a dataclass."""

from __future__ import annotations

from dataclasses import dataclass, field

from voice.phone.guard import SCANNER_AGENTS


@dataclass
class PhoneSettings:
    sip_host: str = "127.0.0.1"
    sip_port: int = 5070
    registrar: str = ""
    user: str = ""
    password: str = ""
    domain: str = ""
    transport: str = "udp"
    end_of_turn_s: float = 0.8
    end_of_turn_complete_s: float = 0.5
    silence_timeout_s: float = 8.0
    max_call_s: int = 600
    setup_timeout_s: float = 10.0
    mask_caller: str = "partial"
    keep_audio: bool = False
    codecs: list[str] = field(default_factory=lambda: ["PCMA", "PCMU"])
    languages: list[str] = field(default_factory=lambda: ["de"])
    rtp_port: int = 0
    max_calls: int = 4
    barge_in: bool = True
    barge_in_s: float = 0.16
    min_speech_s: float = 0.25
    max_turn_s: float = 20.0
    transfer_timeout_s: float = 30.0
    sip_workers: int = 1
    kamailio: str = "kamailio"
    asr_beam_size: int = 1
    asr_fallback: bool = False
    asr_batch: str = "auto"
    speculate_s: float = 0.2
    allowed_sources: list[str] = field(default_factory=list)
    max_invites_per_minute: int = 30
    max_calls_per_source: int = 0
    blocked_user_agents: list[str] = field(default_factory=lambda: list(SCANNER_AGENTS))
