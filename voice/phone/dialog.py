"""The conversation of one call as a pure state machine: text and key presses in, actions out.

No SIP, audio or threads here, so every path of the conversation (confirmation, second try,
forwarding, callback request, silence) is testable with plain strings. The call session
(voice.phone.session) feeds it events and carries out the actions it returns: speak, transfer,
hang up, store a callback. Every sentence comes from prompts/<lang>/phone.toml; the catalog's
answers from catalog.toml and dialog.toml. What the call is about across turns (service, office,
facet) is kept by the channel-free rathaus.dialog engine, which the text chat uses as well.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import prompts
from rathaus.dialog import ConversationState, DialogEngine


# ---------------------------------------------------------------------------------------- actions
@dataclass
class Say:
    """Speak `text`. Interruptible prompts stop when the caller talks over them (barge-in)."""

    text: str
    language: str = "de"
    interruptible: bool = True


@dataclass
class Transfer:
    """Blind transfer (SIP REFER) to `target`; the session reports back with on_transfer_result."""

    target: str
    reason: str
    service_id: str | None = None


@dataclass
class Hangup:
    """End the call once everything said before has been played."""


@dataclass
class SaveCallback:
    name: str
    number: str
    service_id: str | None
    reason: str


Action = Say | Transfer | Hangup | SaveCallback


class Understanding(Protocol):
    """What the dialog needs from the catalog (rathaus.catalog.Assistant provides it)."""

    def ask(self, question: str, language: str | None = None) -> Any: ...

    def answer_for(self, service_id: str, language: str = "de") -> Any: ...

    def forward_target(self, service_id: str | None) -> str: ...


class State(str, Enum):
    LISTEN = "listen"                  # waiting for the caller's request
    ANYTHING_ELSE = "anything_else"    # after an answer: "Kann ich sonst noch helfen?"
    CONFIRM = "confirm"                # "Geht es um ...?" yes/no
    TRANSFERRING = "transferring"      # REFER sent, waiting for its result
    CALLBACK_OFFER = "callback_offer"  # transfer failed: "Sollen wir Sie zurückrufen?"
    CALLBACK_NAME = "callback_name"
    CALLBACK_NUMBER = "callback_number"
    DONE = "done"


@dataclass
class DialogSettings:
    municipality: str = "Musterstadt"
    language: str = "de"
    # Reprompts before the polite goodbye on silence.
    silence_reprompts: int = 1
    # Failed understandings (not understood, confirmation declined) before forwarding.
    max_tries: int = 2


@dataclass(frozen=True)
class DialogSnapshot:
    """A Dialog's progress fields (_PROGRESS) at one moment, copied (Dialog.snapshot)."""

    values: dict[str, Any]


@dataclass
class Dialog:
    """One call's conversation. Call `start()`, then one `on_*` method per event."""

    understanding: Understanding
    settings: DialogSettings = field(default_factory=DialogSettings)
    caller: str = ""
    state: State = State.LISTEN
    language: str = ""
    outcome: str | None = None          # answered, forwarded, callback, abandoned, error
    service_id: str | None = None       # service the call was about
    decision: str | None = None         # last catalog action: answer, confirm, forward
    candidates: list[dict] = field(default_factory=list)
    transcript: list[dict] = field(default_factory=list)  # {"role", "text"} so far
    handoff: dict | None = None
    last_decision: Any = None
    _silences: int = 0
    _tries: int = 0
    _pending: Any = None                # ServiceRef awaiting confirmation
    _confirm_asks: int = 0
    _answered: bool = False
    _transfer: Transfer | None = None
    _cb_name: str = ""
    _digits: str = ""
    _number_tries: int = 0
    # What the call is about across turns ("Und was kostet das?"): rathaus.dialog keeps it.
    conversation: ConversationState = field(default_factory=ConversationState)
    engine: DialogEngine | None = None
    _pending_facet: str | None = None
    _pending_question: str = ""

    def __post_init__(self) -> None:
        self.language = self.language or self.settings.language
        if self.engine is None:
            self.engine = DialogEngine(self.understanding)

    # ------------------------------------------------------------------------------ helpers
    def _t(self, key: str, **fields: Any) -> str:
        return prompts.text(f"phone.{key}", self.language, **fields)

    def _say(self, key: str, interruptible: bool = True, **fields: Any) -> Say:
        text = self._t(key, **fields)
        self.transcript.append({"role": "bot", "text": text})
        return Say(text, self.language, interruptible)

    def _say_text(self, text: str, interruptible: bool = True) -> Say:
        self.transcript.append({"role": "bot", "text": text})
        return Say(text, self.language, interruptible)

    def _words(self, key: str) -> list[str]:
        return [w.lower() for w in prompts.raw(f"phone.words.{key}", self.language)]

    def _has(self, text: str, key: str) -> bool:
        norm = " " + " ".join(tokens(text)) + " "
        return any(f" {' '.join(tokens(w))} " in norm for w in self._words(key))

    def yes_no(self, text: str) -> bool | None:
        """True for yes, False for no, None when the text is neither (or both without a no)."""
        if self._has(text, "no"):
            return False
        if self._has(text, "yes"):
            return True
        return None

    def _finish(self, outcome: str, key: str, **fields: Any) -> list[Action]:
        self.outcome = outcome
        self.state = State.DONE
        return [self._say(key, interruptible=False, **fields), Hangup()]

    @property
    def finished(self) -> bool:
        return self.state == State.DONE

    def snapshot(self) -> DialogSnapshot:
        """Where the conversation stands, to return to when a caller goes on after the bot answered
        an early end of turn and the two turns become one (voice.phone.turns)."""
        return DialogSnapshot({name: _copied(getattr(self, name)) for name in _PROGRESS})

    def restore(self, snapshot: DialogSnapshot) -> None:
        for name, value in snapshot.values.items():
            setattr(self, name, _copied(value))

    # ------------------------------------------------------------------------------- events
    def start(self) -> list[Action]:
        """The greeting: automated assistant, how data is handled, 0 reaches a person."""
        self.state = State.LISTEN
        return [self._say("greeting", municipality=self.settings.municipality)]

    def on_utterance(self, text: str, language: str | None = None) -> list[Action]:
        """A caller turn, transcribed. `language` is what ASR detected (a supported one)."""
        text = text.strip()
        if self.finished or not text:
            return []
        if language and language != self.language and prompts.has("phone.greeting", language):
            self.language = language
        self.transcript.append({"role": "caller", "text": text})
        self._silences = 0
        state = self.state
        if state in (State.LISTEN, State.ANYTHING_ELSE) and self._has(text, "human"):
            return self._forward(None, "request")
        if state == State.ANYTHING_ELSE:
            if len(tokens(text)) <= 4 and self._has(text, "done"):
                return self._finish("answered", "goodbye")
            if len(tokens(text)) <= 2 and self.yes_no(text) is True:
                self.state = State.LISTEN
                return [self._say("what_else")]
            return self._ask(text)
        if state == State.LISTEN:
            return self._ask(text)
        if state == State.CONFIRM:
            return self._confirm_reply(self.yes_no(text), text)
        if state == State.CALLBACK_OFFER:
            return self._callback_offer_reply(self.yes_no(text))
        if state == State.CALLBACK_NAME:
            self._cb_name = text.strip(" .,!?")
            self.state = State.CALLBACK_NUMBER
            return [self._say("callback_number")]
        if state == State.CALLBACK_NUMBER:
            return self._number(spoken_digits(text, self.language))
        return []

    def on_dtmf(self, digit: str) -> list[Action]:
        if self.finished:
            return []
        self._silences = 0
        self.transcript.append({"role": "caller", "text": f"[DTMF {digit}]"})
        if self.state == State.CALLBACK_NUMBER:
            if digit == "#":
                return self._number(self._digits)
            if digit.isdigit():
                self._digits += digit
            return []
        if self.state == State.TRANSFERRING:
            return []
        if digit == "0":
            return self._forward(None, "dtmf")
        if self.state == State.CONFIRM and digit in "12":
            return self._confirm_reply(digit == "1", "")
        if self.state == State.CALLBACK_OFFER and digit in "12":
            return self._callback_offer_reply(digit == "1")
        return []

    def on_silence(self) -> list[Action]:
        """The caller said nothing for [phone] silence_timeout_s."""
        if self.finished or self.state == State.TRANSFERRING:
            return []
        self._silences += 1
        if self._silences > self.settings.silence_reprompts:
            return self._finish("answered" if self._answered else "abandoned", "goodbye_silence")
        if self.state == State.CONFIRM and self._pending is not None:
            return [self._say("confirm_again", service=self._pending.name)]
        if self.state == State.CALLBACK_NUMBER:
            return [self._say("callback_number_again")]
        if self.state in (State.CALLBACK_NAME, State.CALLBACK_OFFER):
            return [self._say(self.state.value.replace("callback_offer", "transfer_failed"))]
        return [self._say("reprompt")]

    def on_transfer_result(self, ok: bool) -> list[Action]:
        """The REFER's outcome: accepted and completed, or busy / no answer / rejected."""
        if self.state != State.TRANSFERRING:
            return []
        if ok:
            self.outcome = "forwarded"
            self.state = State.DONE
            return [Hangup()]
        self.state = State.CALLBACK_OFFER
        return [self._say("transfer_failed")]

    def on_max_duration(self) -> list[Action]:
        if self.finished:
            return []
        return self._finish("answered" if self._answered else "abandoned", "max_duration")

    def on_error(self) -> list[Action]:
        """Something broke in speech or understanding: hand the caller to a person."""
        if self.finished:
            return []
        actions = self._forward(None, "error", announce="error")
        return actions

    def on_hangup(self, mid_answer: bool = False) -> None:
        """The caller hung up. After an answer heard to the end that is 'answered'; otherwise
        (also mid-answer, or mid-transfer: only a completed REFER counts as forwarded) 'abandoned'."""
        if self.outcome is None:
            self.outcome = "answered" if self._answered and not mid_answer else "abandoned"
        self.state = State.DONE

    # ------------------------------------------------------------------------------- logic
    def _ask(self, text: str) -> list[Action]:
        decision = self.engine.turn(self.conversation, text, self.language)
        return self._decide(decision)

    def _decide(self, decision: Any) -> list[Action]:
        self.last_decision = decision
        self.decision = decision.action
        self.candidates = [_cand(c) for c in (decision.candidates or [])]
        if decision.action == "answer" and (decision.service is not None or getattr(decision, "office", None)):
            return self._answer(decision)
        if decision.action == "goodbye":
            return self._finish("answered" if self._answered else "abandoned", "goodbye")
        if decision.action == "rephrase":
            self.state = State.LISTEN
            return [self._say_text(decision.answer)]
        if decision.action == "forward" and decision.service is None:
            if decision.reason == prompts.text("dialog.reason.case", "de"):  # one's own case: a person, at once
                return self._forward(None, "request")
            if decision.reason == prompts.text("dialog.reason.emergency", "de"):  # 112/110 in full, then a person
                return self._forward(None, "emergency", text=decision.answer)
        if decision.action == "confirm" and decision.service is not None:
            self._pending = decision.service
            self._pending_facet = getattr(decision, "facet", None)
            self._pending_question = decision.question
            self._confirm_asks = 0
            self.state = State.CONFIRM
            return [self._say("confirm", service=decision.service.name)]
        if decision.service is not None:  # forward: a service that people handle
            return self._forward(decision.service, "forward")
        self._tries += 1
        if self._tries >= self.settings.max_tries:
            return self._forward(None, "not_understood")
        self.state = State.LISTEN
        return [self._say("not_understood")]

    def _answer(self, decision: Any) -> list[Action]:
        if decision.service is not None:
            self.service_id = decision.service.id
        self._answered = True
        self._tries = 0
        self.outcome = None
        self.state = State.ANYTHING_ELSE
        actions: list[Action] = []
        if decision.answer:
            actions.append(self._say_text(decision.answer))
        actions.append(self._say("anything_else"))
        return actions

    def _confirm_reply(self, yes: bool | None, text: str) -> list[Action]:
        service = self._pending
        if yes is True:
            self._pending = None
            decision = self.engine.confirmed(self.conversation, service.id, self._pending_facet,
                                             self._pending_question, self.language)
            self.last_decision = decision
            self.decision = decision.action
            if decision.action == "answer":
                return self._answer(decision)
            return self._forward(service, "forward")
        if yes is False:
            self._pending = None
            self.conversation.pending_service = None
            self._tries += 1
            if self._tries >= self.settings.max_tries:
                return self._forward(None, "declined")
            self.state = State.LISTEN
            return [self._say("rephrase")]
        # Neither yes nor no: a caller who rephrases is asking anew.
        if text and len(tokens(text)) > 3:
            self._pending = None
            return self._ask(text)
        self._confirm_asks += 1
        if self._confirm_asks >= self.settings.max_tries:
            return self._forward(service, "not_understood")
        return [self._say("confirm_again", service=service.name)]

    def _forward(self, service: Any, reason_key: str, announce: str | None = None,
                 text: str | None = None) -> list[Action]:
        service_id = service.id if service is not None else self.service_id
        if service is not None:
            self.service_id = service.id
        target = self.understanding.forward_target(service.id if service is not None else None)
        reason = self._t(f"reason.{reason_key}")
        self.handoff = self.build_handoff(reason, target)
        self.state = State.TRANSFERRING
        self._transfer = Transfer(target=target, reason=reason, service_id=service_id)
        if text:
            say = self._say_text(text, interruptible=False)
        elif announce:
            say = self._say(announce, interruptible=False)
        elif service is not None:
            say = self._say("transfer_service", interruptible=False, service=service.name)
        else:
            say = self._say("transfer", interruptible=False)
        return [say, self._transfer]

    def build_handoff(self, reason: str, target: str | None = None) -> dict:
        """What staff see when they pick up: everything the bot learned so far."""
        return {
            "caller": self.caller,
            "language": self.language,
            "reason": reason,
            "service_id": self.service_id,
            "candidates": list(self.candidates),
            "transcript": [dict(t) for t in self.transcript],
            "target": target,
        }

    def _callback_offer_reply(self, yes: bool | None) -> list[Action]:
        if yes is True:
            self.state = State.CALLBACK_NAME
            return [self._say("callback_name")]
        if yes is False:
            return self._finish("abandoned", "callback_declined")
        return [self._say("transfer_failed")]

    def _number(self, digits: str) -> list[Action]:
        digits = re.sub(r"\D", "", digits)
        self._digits = ""
        if len(digits) < 3:
            self._number_tries += 1
            if self._number_tries >= self.settings.max_tries:
                return self._finish("abandoned", "callback_declined")
            return [self._say("callback_number_again")]
        transfer = self._transfer
        name = self._cb_name
        save = SaveCallback(name=name, number=digits,
                            service_id=transfer.service_id if transfer else self.service_id,
                            reason=transfer.reason if transfer else "")
        spoken = " ".join(digits)
        actions = self._finish("callback", "callback_saved", name=name, number=spoken)
        return [save, *actions]


# Where a call stands: what snapshot() copies and restore() puts back. The other fields of a
# Dialog (_FIXED) stay the same for the whole call; tests hold that the two cover all fields.
_PROGRESS = ("state", "language", "outcome", "service_id", "decision", "candidates", "transcript", "handoff",
             "last_decision", "_silences", "_tries", "_pending", "_confirm_asks", "_answered", "_transfer",
             "_cb_name", "_digits", "_number_tries", "conversation", "_pending_facet", "_pending_question")
_FIXED = ("understanding", "settings", "caller", "engine")


def _copied(value: Any) -> Any:
    """Lists and the conversation state change in place; everything else is replaced whole."""
    if isinstance(value, list):
        return copy.deepcopy(value)
    if isinstance(value, ConversationState):
        return value.copy()
    return value


def tokens(text: str) -> list[str]:
    """Lower-cased words without punctuation ("Nein, danke!" -> ["nein", "danke"])."""
    return re.findall(r"[\w']+", text.lower())


def spoken_digits(text: str, language: str = "de") -> str:
    """Digits from a spoken number ("null sieben eins eins ..." or "0711 ...")."""
    try:
        from text_to_num import alpha2digit

        text = alpha2digit(text, language if language in ("de", "en", "fr", "es", "it", "pt", "nl") else "de")
    except Exception:  # text2num rejects odd input; the digits already there still count
        pass
    return re.sub(r"\D", "", text)


def _cand(c: Any) -> dict:
    if isinstance(c, dict):
        return {"id": c.get("id"), "name": c.get("name"), "score": c.get("score")}
    return {"id": c.id, "name": c.name, "score": round(float(c.score), 4)}
