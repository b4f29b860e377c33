"""One chat message in, one reply out: the hotline's dialog engine (rathaus.dialog) with the
web's ways of handing over. Blocking (the catalog search embeds the question); the views run it
on the chat's own threads.

A confirm question ("Geht es um ...?") gets Ja/Nein buttons, whose choice goes straight to the
engine's confirmation as the phone's yes/no does; "Mitarbeiter sprechen" and every forward show
the office's phone and opening hours and offer the contact form, since a web page cannot
transfer a call.
"""

from __future__ import annotations

import time
from typing import Any

import prompts
from rathaus.catalog.assistant import asks_for_person
from rathaus.catalog.decision import Decision
from rathaus.catalog.language import detect_language
from rathaus.dialog import ConversationState, DialogEngine
from apps.webchat import replies as R
from apps.webchat.records import Chat, ChatStore

KINDS = ("text", "yes", "no", "person")


def _reason(key: str) -> str:
    """Hand-off reasons as staff read them: the phone's (so the dashboard's gap filter knows them)."""
    return prompts.text(f"phone.reason.{key}", "de")


class WebDialog:
    def __init__(self, assistant: Any, chats: ChatStore, office_fallback: str = ""):
        self.assistant = assistant
        self.engine = DialogEngine(assistant)
        self.chats = chats
        self.office_fallback = office_fallback

    def message(self, token: str | None, text: str, ui_lang: str, kind: str = "text") -> dict:
        """The reply payload for the page; starts a conversation when the token is unknown."""
        started = time.perf_counter()
        chat = self.chats.load(token)
        if chat is None:
            call_id, token = self.chats.start(ui_lang)
            state = ConversationState()
        else:
            call_id, state = chat.call_id, chat.state
        before = len(state.turns)
        decision, caller_text, lang, person = self._decide(state, text, ui_lang, kind)
        reply = self._reply(state, decision, lang, person)
        action = "forward" if person else decision.action
        outcome = self._outcome(chat, action)
        handoff = None
        if action == "forward":
            key = "request" if person else ("forward" if decision.service is not None else "not_understood")
            handoff = {"channel": "web", "language": lang, "reason": _reason(key),
                       "service_id": state.service_id or (decision.service.id if decision.service else None),
                       "candidates": [_cand(c) for c in decision.candidates or []],
                       "transcript": (self.chats.transcript(call_id) if chat else [])
                       + [{"role": "caller", "text": caller_text}],
                       "target": (reply.get("office") or {}).get("name")}
        latency = (time.perf_counter() - started) * 1000
        service_id = decision.service.id if decision.service is not None and action != "confirm" else None
        saved = self.chats.record_turn(chat, call_id, token, caller_text, reply["text"], lang, action, service_id,
                                       [_cand(c) for c in decision.candidates or []], outcome, state,
                                       round(latency, 1), handoff, new_turns=len(state.turns) - before)
        reply.update({"token": token, "turn": saved.turns - 1, "reference": call_id,
                      "language": lang, "dir": "rtl" if lang in R.RTL else "ltr"})
        return reply

    # ----------------------------------------------------------------------------------- logic
    def _decide(self, state: ConversationState, text: str, ui_lang: str,
                kind: str) -> tuple[Decision, str, str, bool]:
        if kind == "person":
            return Decision(question="", action="forward", language=ui_lang), R.t("person_request", ui_lang), ui_lang, True
        if kind in ("yes", "no") and state.pending_service is not None:
            caller_text = R.t(f"{kind}", ui_lang)
            pending, facet, question = state.pending_service, state.pending_facet, state.pending_question
            if kind == "yes":
                decision = self.engine.confirmed(state, pending.id, facet, question, ui_lang)
                state.pending_question = ""
            else:
                state.pending_service = state.pending_facet = None
                state.pending_question = ""
                decision = Decision(question=caller_text, action="rephrase", language=ui_lang,
                                    answer=prompts.text("dialog.turn.rephrase", ui_lang))
            state.turns.append({"caller": caller_text, "action": decision.action,
                                "service": decision.service.id if decision.service else None,
                                "office": None, "facet": facet})
            return decision, caller_text, ui_lang, False
        lang = detect_language(text, default=ui_lang)
        decision = self.engine.turn(state, text, lang)
        person = decision.action == "forward" and decision.service is None and asks_for_person(text)
        return decision, text, decision.language or lang, person

    def _reply(self, state: ConversationState, decision: Decision, lang: str, person: bool) -> dict:
        service = None
        if decision.service is not None and hasattr(self.assistant, "service"):
            service = self.assistant.service(decision.service.id)
        office_id = (decision.office or {}).get("id") if decision.office else state.office_id
        reply: dict[str, Any] = {"action": "forward" if person else decision.action, "text": decision.answer,
                                 "service": {"name": decision.service.name} if decision.service else None,
                                 "links": [], "office": None, "confirm": None, "person": False}
        if decision.action == "answer" and not person:
            reply["links"] = R.links(service)
            office = R.contact_office(self.assistant, decision.service.id if decision.service else None,
                                      office_id, "")
            reply["office"] = R.office_card(office) if (service is not None or decision.office) else None
        elif decision.action == "confirm" and decision.service is not None:
            reply["confirm"] = {"yes": R.t("yes", lang), "no": R.t("no", lang)}
        elif decision.action == "forward" or person:
            service_id = decision.service.id if decision.service else state.service_id
            office = R.contact_office(self.assistant, service_id, state.office_id, self.office_fallback)
            if person:
                reply["text"] = R.t("person", lang)
            elif decision.service is not None:
                reply["text"] = R.t("forward_service", lang, service=decision.service.name)
            elif decision.reason == prompts.text("dialog.reason.case", "de"):
                reply["text"] = R.t("case", lang)
            else:
                reply["text"] = R.t("no_answer", lang)
            reply["office"] = R.office_card(office)
            reply["person"] = True
        if not reply["text"]:
            reply["text"] = R.t("no_answer", lang)
        return reply

    @staticmethod
    def _outcome(chat: Chat | None, action: str) -> str:
        """callback stays once left; else the latest of answered/forwarded; a conversation with
        only questions back so far counts as abandoned until it gets further."""
        previous = chat.outcome if chat else None
        if previous == "callback":
            return previous
        if action in ("answer",):
            return "answered"
        if action == "forward":
            return "forwarded"
        return previous or "abandoned"


def _cand(c: Any) -> dict:
    return {"id": c.id, "name": c.name, "score": round(float(c.score), 3)}
