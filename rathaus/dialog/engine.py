"""One caller turn in, one decision out, with the conversation's state kept between turns.

The engine sits on the catalog's `ask` (which finds the service) and adds what a conversation
needs: the facet asked (answered first, from the field or sentence that holds it), office
questions, follow-ups that refer back ("Und was kostet das?", "Wo ist das?"), corrections
("nein, ich meinte ..."), and confirmation only where two services are really close.
Channel-free: the phone dialog (voice.phone.dialog) and `rathaus chat` both drive it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import prompts
from rathaus.catalog import text as T
from rathaus.catalog import answers
from rathaus.catalog.answers import answer_language
from rathaus.catalog.assistant import MAX_QUESTION_CHARS, asks_for_person
from rathaus.catalog.html import sentences
from rathaus.catalog.decision import Candidate, Decision, ServiceRef
from rathaus.catalog.dialect import standard_german
from rathaus.catalog.language import detect_language
from rathaus.catalog.model import Office, Service
from rathaus.catalog.search import names_vehicle, vehicle_words, with_meanings
from rathaus.dialog import candidates as C
from rathaus.dialog import facets as F
from rathaus.dialog import hours as H
from rathaus.dialog import replies
from rathaus.dialog import topic as TP
from rathaus.dialog import turns as TU
from rathaus.dialog.fees import asks_further, fee_age, names_variant, speaks_of_child
from rathaus.dialog.offices import OfficeDirectory, directory_of
from rathaus.dialog.state import ConversationState


# The opening of a turn that asks for whom ("Und für Kinder?", "and for my son?")
_FOR_WHOM = (["und", "fur"], ["and", "for"])
# content words from which a first turn is a story rather than a question (see _turn)
_STORY_WORDS = 6


def _fee_asked(state: ConversationState) -> bool:
    """Whether the caller asked the fee of the service under discussion in this conversation
    ("Und für einen zweiten Hund?" after its deadline still asks a fee)."""
    return bool(state.service_id) and any(t["facet"] == "cost" and t["service"] == state.service_id
                                          for t in state.turns)


def _reason(key: str) -> str:
    return prompts.text(f"dialog.reason.{key}", "de")


def _own_case(text: str, lang: str, candidates: list[Candidate] | None = None) -> Decision:
    """To a person with the file: the caller's own case, or a matter of another authority."""
    return Decision(question=text, action="forward", answer=prompts.text("dialog.turn.case", lang),
                    language=lang, reason=_reason("case"), candidates=list(candidates or []))


def _no_match(text: str, lang: str, candidates: list[Candidate], facet: str | None = None) -> Decision:
    """To a person: no service of the catalog answers what was asked."""
    return Decision(question=text, action="forward", candidates=list(candidates), language=lang, facet=facet,
                    answer=answers.forward_text("no_match", lang), reason=answers.reason_text("no_match"))


def _read(turn: dict) -> str:
    """An earlier turn's words as the dialog read them."""
    return str(turn.get("read", turn.get("caller", "")))


def reading(text: str, lang: str) -> str:
    """The caller's words as the dialog reads them (a turn's "read"): German in standard German."""
    return standard_german(text) if lang == "de" else text


def _offers(service: Service, office: Office) -> bool:
    """Whether the office is one of the service's own."""
    return any(o.id == office.id for o in service.offices)


def _office_ref(office: Office | None) -> dict | None:
    return {"id": office.id, "name": office.name} if office is not None else None


class DialogEngine:
    """Thread-safe as long as each conversation has its own ConversationState."""

    def __init__(self, understanding: Any, today: dt.date | None = None):
        """`today`: the day a caller's "heute" means; None (the phone, `rathaus chat`) is the real
        day. The benchmarks fix one, so that a set scores the same on every weekday."""
        self.understanding = understanding
        self.today = today

    # ------------------------------------------------------------------------------ capabilities
    @property
    def _full(self) -> bool:
        """The real catalog (records, offices); a stand-in with only ask() is passed through."""
        return all(hasattr(self.understanding, n) for n in ("service", "derived"))

    def _directory(self) -> OfficeDirectory:
        return directory_of(self.understanding)

    def _setting(self, name: str, default: float) -> float:
        return float(getattr(getattr(self.understanding, "settings", None), name, default))

    def warm_up(self) -> None:
        """Build the catalog index, the office list and the cue tables, and run one office
        question, so that the first caller waits for nothing."""
        warm = getattr(self.understanding, "warm_up", None)
        if warm is not None:
            warm()
        self.turn(ConversationState(), "Wann hat das Bürgerbüro geöffnet?")

    # -------------------------------------------------------------------------------------- turn
    def turn(self, state: ConversationState, utterance: str, language: str | None = None) -> Decision:
        text = " ".join(str(utterance).split())[:MAX_QUESTION_CHARS]  # a pasted document stays one short turn
        if language is None and state.language:
            # "А где это?" is Russian or Ukrainian: the caller's language so far; a longer turn
            # switches on two more words of another language, not one ("gibt's do aa e Kich debei?")
            language = state.language if len(text.split()) <= 4 else detect_language(text, state.language, margin=2)
        lang = answer_language(language or detect_language(text))
        state.language = lang
        read = reading(text, lang)
        decision = self._turn(state, read, lang)
        decision.question = text
        # "read": the words as the dialog reads them (standard German), for later turns to refer to
        state.turns.append({"caller": text, "read": read, "action": decision.action,
                            "service": decision.service.id if decision.service else None,
                            "office": (getattr(decision, "office", None) or {}).get("id"),
                            "facet": getattr(decision, "facet", None)})
        return decision

    def _turn(self, state: ConversationState, text: str, lang: str) -> Decision:
        state.corrected = False
        if state.pending_service is not None and text:
            pending = self._pending_reply(state, text, lang)
            if pending is not None:
                return pending
        if text and TU.closing(text, lang):
            state.pending_service = None
            return Decision(question=text, action="goodbye", answer=prompts.text("dialog.turn.goodbye", lang),
                            language=lang, reason=_reason("goodbye"))
        corrected = TU.correction(text) if text else None
        state.corrected = bool(corrected)
        previous_facet, previous_topic, carried = None, "", ""
        # "nee, ich meinte, das is der zweite", "nei, i mein wenn i des online mach": the topic stays
        if corrected and self._full and state.service_id and (
                (TU.condition_facet(corrected, state.facet) and TU.only_procedure(TP.residual(corrected, [])))
                or self._names_no_service(corrected, lang)):
            previous_facet, text = state.facet, corrected
        elif corrected and not (self._full and TP.variant_of_topic(self.understanding, state, corrected)):
            previous_facet = state.facet  # "nein, ich meinte den Reisepass": the same question about it
            previous_topic = state.service_name or ""
            state.clear()
            text = corrected
            if not names_vehicle(corrected) and not C.names_service_word(self.understanding, corrected):
                # "nee, ich mein ummelden" after the car's deregistration: still the car
                carried = " ".join(vehicle_words(previous_topic))
        elif corrected:
            text = corrected  # "ne, ich mein die Ummeldung" of the trade: a variant of the topic, kept
        if TU.emergency(text):
            state.clear()
            return Decision(question=text, action="forward", answer=prompts.text("dialog.turn.emergency", lang),
                            language=lang, reason=_reason("emergency"))
        cues = TU.case_cues(text)
        if cues:  # unless the one word that made it look so names the service the catalog finds
            naming = C.naming_cues(cues)
            found = self.understanding.ask(text, lang) if naming else None
            if not (found is not None and (C.names_cue(found, naming) or (
                    len(naming) == len(cues) and C.describes_cue(self.understanding, found, naming, F.detect(text))))):
                if self._full:  # "Is mein Ausweis schon da?" - "Wie lange dauert das normalerweise?": about it
                    self._remember(state, found or self.understanding.ask(text, lang), None)
                return _own_case(text, lang)
        if not text or asks_for_person(text) or not self._full:
            decision = self.understanding.ask(text, lang)
            self._remember(state, decision, None)
            return decision
        condition = TU.condition_facet(text, state.facet) if state.service_id else None
        facet = condition or F.detect(text) or previous_facet
        decision = self._search(f"{text} {carried}" if carried else text, lang, facet)
        decision.question = text
        bar, window = self._setting("forward_below", 0.45), self._setting("confirm_window", 0.10)
        decision = self._at_office(state, decision, window, lang)
        authorities = C.foreign_matters(self.understanding, TU.other_authorities(text))
        if authorities and not C.names_service(decision, text) \
                and (TU.asks_how_to_apply(text) or not TP.topic_mentions(self.understanding, state, authorities)):
            return _own_case(text, lang, decision.candidates)
        if C.other_kind(self.understanding, decision, text) or C.other_object(self.understanding, decision, text):
            return _no_match(text, lang, decision.candidates)
        if decision.action == "forward" and decision.service is None and asks_for_person(text):
            return decision
        directory = self._directory()
        named = directory.named_in(text)
        residual = TP.residual(text, named)
        if decision.action == "answer" and not state.subject and state.turns and state.turns[-1]["action"] == "forward" \
                and TU.only_procedure(residual) and not named:
            # "wie lange vorher muss ich die beantragen" after a question no service answered: about that
            return _no_match(text, lang, decision.candidates, facet)
        service_named = decision.action == "answer" and decision.service is not None and bool(residual)
        # "Kann ich das in Hasenbühl beantragen?": the service under discussion, at that office
        service_named = service_named or (bool(state.service_id) and bool(residual) and not residual & TU.nouns(text))
        # "Und für Kinder?" after a service's fee asks for whom, though "Kinder" starts the Kita's name
        service_named = service_named or (state.subject == "service" and T.words(text)[:2] in _FOR_WHOM)
        # An office question: "Wann hat das Bürgerbüro geöffnet?", "Wo ist das Bauamt?"
        if named and (facet in F.OFFICE_FACETS or (facet is None and not residual)) and not service_named:
            if state.subject == "service" and state.service_id and TU.does_there(text) \
                    and self._elsewhere_than(state.service_id, named[0]):
                # "kann ich das mittwochs in hürtenich machen" where that office does not do it: where it is
                # done (not a detail the turn before named: "Führungszeugnis für den Sportverein")
                return self._service_answer(state, state.service_id, "where", text, lang, decision.candidates,
                                            None, "facet")
            spoken_of = directory.get(state.office_id) if state.office_id and TU.guesses_place(text) else None
            office = spoken_of or self._pick_office(state, named)
            if facet == "contact" and (standby := self._standby(decision, office, text)) is not None:
                # "e Rohr geplatzt, das Wasser läuft! Wen ruf ich an?": the standby number, then the office's
                return self._service_answer(state, standby.id, "contact", text, lang, decision.candidates, office, "facet")
            text_out, found = replies.office_answer(office, facet or "where", text, lang, self.today)
            state.set_office(office.id, office.name, subject=True)
            state.facet = facet or "where"
            return Decision(question=text, action="answer", answer=text_out, language=lang, office=_office_ref(office),
                            facet=facet or "where", reason=_reason("office" if found else "no_fact"),
                            candidates=list(decision.candidates), service=self._topic_at(state, office))
        # A follow-up that refers back to the topic: "Und was kostet das?", "Wo ist das?"
        words = T.words(text)
        while len(words) > 1 and words[0] in TU.turn_data().fillers:
            words = words[1:]  # "nu und für mein Jungen", "nee warte, die is ja schon 25": what follows
        # "Und für Kinder?": the last facet again, about something of the topic
        short = len(words) <= 5 or (len(words) <= 8 and words[0] in ("und", "and", "also", "a", "и", "і", "peki"))
        # "und für mein Bu, der is 19": someone else, nothing else named
        for_whom = words[:2] in (*_FOR_WHOM, ["und", "bei"])
        # "nee warte, die is ja schon 25" after a fee: the age of whom the fee is for
        for_whom = for_whom or (state.facet == "cost" and short and fee_age(text) is not None)
        # "Mer hawwe aber schon einen, des is dann der zweite" after a fee: the fee of a further one
        further = _fee_asked(state) and not facet and asks_further(text) and len(residual) <= 2
        # "Un för ming Pänz? Die sin acht un elf.": whom it is for, with their ages after
        follow_facet = facet or ("cost" if further else
                                 state.facet if ((residual or for_whom) and (len(residual) <= 2 or for_whom)
                                                 and (short or (for_whom and len(words) <= 10 and (
                                                     speaks_of_child(text) or fee_age(text) is not None))))
                                 else None)
        if not follow_facet and not residual and short and words[:1] == ["wann"] and state.facet in F.TIME_FACETS:
            follow_facet = state.facet  # "Wann denn dann?" after "am Mittwoch geschlossen": its hours
        if self._fee_variant(state, text, facet, condition, words):
            return self._service_answer(state, state.service_id, "cost", text, lang, decision.candidates,
                                        named[0] if named else None, "follow_up")
        # "nein, die erweiterte" carries the last facet over: a follow-up, not a detail question
        # "Krieg ich da eigentlich Finderlohn?" after where to hand it in: a thing one sentence of the
        # topic speaks of, not the last facet again (a fee line or a day keeps the facet)
        carried_detail = follow_facet != "cost" and not for_whom and not any(H.is_day_word(w) for w in words)
        # "nee, ich meen für meine Tochter, die is 15": the facet a correction carries is asked again
        carried_by_correction = previous_facet is not None and facet == previous_facet and not F.detect(text)
        topic = self._topic_detail(state, decision, text, lang, facet) \
            if (facet or not follow_facet or carried_detail) and not carried_by_correction else None
        if topic is not None:
            return topic
        if state.subject and follow_facet \
                and TP.refers_back(self.understanding, state, residual, decision, TU.nouns(text),
                                   self._said_on_topic(state)):
            # an office has hours, not deadlines: "und freitags bis wann" after its hours
            office_facet = follow_facet if follow_facet in F.OFFICE_FACETS else \
                "hours" if F.scores(text).get("hours") else None
            if state.subject == "office" and state.office_id and office_facet:
                office = directory.get(state.office_id)
                if office is not None:
                    text_out, found = replies.office_answer(office, office_facet, text, lang, self.today)
                    state.facet = office_facet
                    return Decision(question=text, action="answer", answer=text_out, language=lang,
                                    office=_office_ref(office), facet=office_facet,
                                    reason=_reason("follow_up" if found else "no_fact"))
            if state.service_id and (state.subject == "service" or follow_facet not in F.OFFICE_FACETS):
                return self._service_answer(state, state.service_id, follow_facet, text, lang, decision.candidates,
                                            named[0] if named else None, "follow_up")
        if decision.service is not None and decision.action == "answer":
            plain = C.plain_variant(decision, text, window) or C.for_child(decision, text, window) or (
                C.unqualified(decision, text, window) if lang == "de" else None)
            if plain is not None and plain != decision.service.id:
                # "Wir wollen heiraten": the marriage without the foreign case the caller never named
                return self._plain_answer(state, decision, plain, facet, text, lang, named)
            # only a hint ("samstags heiraten"): a detail first; a facet a correction carries was asked
            if facet and F.scores(text).get(facet, 0.0) < 1.0 and not carried_by_correction:
                detail = self._detail_answer(state, decision, text, lang)
                if detail is not None:
                    return detail
                hinted = self._service_answer(state, decision.service.id, facet, text, lang, decision.candidates,
                                              named[0] if named else None, "facet")
                if hinted.reason != _reason("no_fact"):
                    return hinted
                facet = None  # "Wie melde ich ... an?" with no sentence on the way: the general answer
            if facet:
                return self._service_answer(state, decision.service.id, facet, text, lang, decision.candidates,
                                            named[0] if named else None, "facet")
            detail = self._detail_answer(state, decision, text, lang)
            if detail is not None:
                return detail
            self._remember(state, decision, None)
            return self._general(decision, text, lang)
        if decision.action == "confirm" and decision.service is not None:
            related = C.related_to(decision, previous_topic, window) if previous_topic else None
            if related is None and previous_topic and (things := [w for w in previous_topic.split() if w[:1].isupper()]):
                # "nein, ich will mein altes abmelden" after the car's registration: asked with the
                # topic's things ("Fahrzeug"), the car's deregistration
                related = C.related_to(self.understanding.ask(f"{text} {' '.join(things)}", lang), previous_topic, window,
                                       clear=True)
            if related is not None and facet:
                return self._service_answer(state, related, facet, text, lang, decision.candidates,
                                            named[0] if named else None, "facet")
            # "... ohne Auslandsbezug" when the caller names no "Ausland"; the child's one for a child
            plain = C.plain_variant(decision, text, window) or C.for_child(decision, text, window)
            if plain is not None:
                return self._plain_answer(state, decision, plain, facet, text, lang, named)
            plain = C.unqualified(decision, text, window) if lang == "de" else None
            if plain is not None:  # still a close call, but the plain one asked first
                decision = self._confirm_first(decision, plain, lang, window)
            if facet and (C.one_plausible(self.understanding, decision, text, bar, window)
                          or C.clear_leader(self.understanding, decision, text, bar, window)
                          or C.detail_confirms(self.understanding, decision, text, facet)):
                return self._service_answer(state, decision.service.id, facet, text, lang, decision.candidates,
                                            named[0] if named else None, "facet")
            cands = decision.candidates
            if len(cands) > 1 and C.says_name(self.understanding, cands[0].name, text) \
                    and not any(C.says_name(self.understanding, c.name, text) for c in cands[1:3]):
                # "... im Kindergarten an, die wollen ein erweitertes Führungszeugnis": only the leader is named
                return self._leader_answer(state, decision, facet, text, lang, named)
            far_ahead = len(cands) > 1 and cands[0].score - cands[1].score > 2 * window
            if facet is None and far_ahead and C.detail_confirms(self.understanding, decision, text, None):
                detail = self._detail_answer(state, decision, text, lang)  # "macht das der Bestatter?"
                if detail is not None:
                    return detail
            # "kaum noch hin ... Zuschuss?": Wohngeld. Far ahead of the rest, the leader is no close call
            # when nothing is under discussion yet ("die Laterne is kaputt, wem sag isch dat");
            # inside a topic a short turn ("Jetzt im Mai?") is more likely about that topic.
            if facet is None and far_ahead and (not state.subject
                                                or C.one_plausible(self.understanding, decision, text, bar, window)):
                return self._general_answer(state, decision, text, lang)
            # a caller's long story before anything is under discussion, and no rival close to the
            # one service it points to: its many words lower the search's score, not its aim
            alone = len(C.close_to_leader(cands, window)) == 1
            if alone and not state.subject and len(T.content_words(text)) >= _STORY_WORDS:
                return self._leader_answer(state, decision, facet, text, lang, named)
            state.pending_service, state.pending_facet, state.pending_question = decision.service, facet, text
            best = max(c.score for c in decision.candidates) if decision.candidates else 0.0
            state.pending_options = [{"id": c.id, "name": c.name} for c in decision.candidates if best - c.score <= window]
            decision.facet = facet
            return decision
        if decision.action == "forward" and facet and not self._elsewhere(decision, named) \
                and F.scores(text).get(facet, 0.0) >= 1.0 and C.clear_leader(self.understanding, decision, text, bar, window):
            # "Wir kommen aus der Ukraine, was müssen wir zur Anmeldung mitbringen?": a clear facet,
            # and one service far ahead of the rest though below the search's own bar (an office
            # it names is its own: "der große Saal im Bürgerhaus")
            return self._service_answer(state, decision.candidates[0].id, facet, text, lang, decision.candidates,
                                        named[0] if named else None, "facet")
        if decision.action == "forward" and not named and (facet is None or F.scores(text).get(facet, 0.0) < 1.0) \
                and decision.candidates and decision.candidates[0].score >= bar - 0.05 \
                and C.clear_leader(self.understanding, decision, text, bar, window) \
                and C.says_name(self.understanding, decision.candidates[0].name, text):
            # "Torten verkaufen, als Nebengewerbe, wie mach ich das?": just below the bar, far ahead,
            # and named (a word only in its description is too little: "verstorben" for Sperrmüll)
            return self._general_answer(state, decision, text, lang)
        if decision.action == "forward" and facet == "contact" and not named \
                and (standby := self._standby_of_event(decision, text, window)) is not None:
            # "bei uns im Keller läuft Wasser aus der Leitung, wen ruf ich an?": below the bar, but
            # only one of the leading services has a number for what happened (its standby line)
            return self._service_answer(state, standby.id, "contact", with_meanings(text), lang, decision.candidates,
                                        None, "facet")
        if decision.action == "forward" and facet is None and C.detail_confirms(self.understanding, decision, text, None):
            detail = self._detail_answer(state, decision, text, lang)  # "Brauch ich für ein Gartenhaus ...?"
            if detail is not None:
                return detail
        decision.facet = facet
        return decision

    def _fee_variant(self, state: ConversationState, text: str, facet: str | None, condition: str | None,
                     words: list[str]) -> bool:
        """"und online", "un wenn isch die online bestell", "und die erweiterte" once the fee of the
        topic was asked: a short turn that names one of its fee lines asks that line's fee (not
        the sentence on ordering online)."""
        if state.subject != "service" or not state.service_id:
            return False
        # a condition on the fee ("Un wenn dat ne Staff is?"), or "und ..." that asks nothing else ("und
        # die erweiterte?", "und online?"; not "Kann ich das auch online machen?", which asks the way)
        elliptic = words[0] in ("und", "un", "and", "oder") and len(words) <= 6 \
            and (facet is None or (facet == "online" and len(words) <= 3))
        if not ((condition == "cost" and len(words) <= 10) or elliptic):
            return False
        if not _fee_asked(state):
            return False
        service = self.understanding.service(state.service_id)
        return service is not None and names_variant(service.fees or "", text, service.name)

    def _names_no_service(self, text: str, lang: str) -> bool:
        """Whether a correction names no service the catalog knows (the search forwards it)."""
        decision = self.understanding.ask(text, lang)
        return decision.action == "forward" and not TU.nouns(text) & {
            T.stem(w) for c in decision.candidates[:1] for w in T.content_words(c.name)}

    def _confirm_first(self, decision: Decision, service_id: str, lang: str, window: float) -> Decision:
        """The confirmation asked with another close candidate first."""
        ordered = sorted(decision.candidates, key=lambda c: c.id != service_id)
        close = C.close_to_leader(decision.candidates, window)
        service = self.understanding.service(service_id)
        ref = ServiceRef(id=service_id, name=ordered[0].name,
                         forward_to=(service.forward_to if service else None) or decision.service.forward_to)
        return Decision(question=decision.question, action="confirm", service=ref, candidates=ordered,
                        language=decision.language, answer=answers.confirm_text([c.name for c in ordered if c in close], lang),
                        reason=decision.reason)

    def _plain_answer(self, state: ConversationState, decision: Decision, plain: str, facet: str | None, text: str,
                      lang: str, named: list[Office]) -> Decision:
        """The plain one of "X ohne Y" and "X mit Y", with the facet asked."""
        ordered = sorted(decision.candidates, key=lambda c: c.id != plain)
        if facet:
            return self._service_answer(state, plain, facet, text, lang, ordered, named[0] if named else None, "facet")
        answered = self.understanding.answer_for(plain, lang)
        answered.question, answered.candidates = text, ordered
        self._remember(state, answered, None)
        return self._general(answered, text, lang)

    def _leader_answer(self, state: ConversationState, decision: Decision, facet: str | None, text: str, lang: str,
                       named: list) -> Decision:
        """The search's leader taken as meant: the facet asked of it, else its general answer."""
        if facet:
            return self._service_answer(state, decision.service.id, facet, text, lang, decision.candidates,
                                        named[0] if named else None, "facet")
        return self._general_answer(state, decision, text, lang)

    def _general_answer(self, state: ConversationState, decision: Decision, text: str, lang: str) -> Decision:
        """The best candidate's general answer (or the sentence of the detail the question names)."""
        detail = self._detail_answer(state, decision, text, lang)
        if detail is not None:
            return detail
        answered = self.understanding.answer_for(decision.candidates[0].id, lang)
        answered.question = text
        answered.candidates = list(decision.candidates)
        self._remember(state, answered, None)
        return self._general(answered, text, lang)

    def _search(self, text: str, lang: str, facet: str | None) -> Decision:
        """The catalog's decision; for a facet question it finds no clear answer to, also without
        the facet's words ("Kann ich mich online ummelden?" -> "Kann ich mich ummelden?"), whichever
        finds a service surer. A clear answer stands: a facet word can carry the topic ("Laden
        zumachen" is closing a business, not asking for closing times)."""
        decision = self.understanding.ask(text, lang)
        best = decision.candidates[0].score if decision.candidates else 0.0
        if facet is None or decision.action == "answer" or F.scores(text).get(facet, 0.0) < 1.0:
            return decision  # a facet only hinted at ("Wie beantrage ich ...?") leaves the question whole
        drop = F.facet_words(text, facet)
        kept = [w for w in text.split() if not set(T.words(w)) & drop]
        if not drop or len(kept) == len(text.split()) or not T.content_words(" ".join(kept)):
            return decision
        bare = self.understanding.ask(" ".join(kept), lang)
        bare_best = bare.candidates[0].score if bare.candidates else 0.0
        if bare.action != "forward" and bare_best > best + 0.05:
            bare.question = text
            return bare
        return decision

    # ----------------------------------------------------------------------------- confirmations
    def _pending_reply(self, state: ConversationState, text: str, lang: str) -> Decision | None:
        # "Nee, ich meinte für die Meldebescheinigung": a correction, not a plain no
        yes = TU.yes_no(text, lang) if not TU.correction(text) else None
        pending, facet, question = state.pending_service, state.pending_facet, state.pending_question
        options = state.pending_options
        state.pending_service = state.pending_facet = None
        state.pending_question, state.pending_options = "", []
        if yes is None and F.detect(text) and not TP.residual(text, []):
            yes = True  # "Und was kostet das?" right after "Geht es um ...?": about that service
            facet, question = F.detect(text), text
        elif yes is None and not self._directory().named_in(text) and F.detect(text) and not TU.nouns(text):
            yes, facet, question = True, F.detect(text), text  # "Wo melde ich den an?": names nothing new
        elif yes is None and T.words(text)[:1] in (["und"], ["and"]) and not self._directory().named_in(text):
            other = self.understanding.ask(text, lang)  # "Und für meinen Sohn?": the same, unless it names another
            if other.action != "answer" or other.service is None or other.service.id == pending.id:
                yes, facet, question = True, F.detect(text) or facet, text
        if yes is not False and (chosen := C.chosen_option(self.understanding, options, text)) is not None:
            # "Das Auto" or "ja, das zweite" after "Geht es um Wohnsitz ummelden oder Fahrzeug umschreiben?"
            pending, yes = chosen, True
        if yes is True:
            return self.confirmed(state, pending.id, facet, question, lang)
        if yes is False:
            return Decision(question=text, action="rephrase", answer=prompts.text("dialog.turn.rephrase", lang),
                            language=lang, reason=_reason("declined"))
        return None  # neither: a new question

    def confirmed(self, state: ConversationState, service_id: str, facet: str | None, question: str,
                  lang: str) -> Decision:
        """The answer once the caller said yes to "Geht es um ...?"."""
        state.pending_service = state.pending_facet = None
        if self._full and facet:
            return self._service_answer(state, service_id, facet, question, lang, [], None, "facet")
        decision = self.understanding.answer_for(service_id, lang)
        self._remember(state, decision, None)
        return self._general(decision, question, lang)

    # ------------------------------------------------------------------------------------ helpers
    def _general(self, decision: Decision, question: str, lang: str) -> Decision:
        """The catalog's general answer with the sentence of the description nearest the question
        after what the service is: a question that names no facet still asks something."""
        service = self.understanding.service(decision.service.id) \
            if self._full and decision.service is not None else None
        if service is None or decision.action != "answer" or decision.facet or lang != "de" \
                or decision.answer != answers.answer_text(service, lang):
            return decision  # another language's answer has no German sentence to add; an LLM's stays
        similarity = getattr(self.understanding, "sentence_similarity", None)
        detail = replies.question_sentence(service, question, similarity)
        if detail:
            decision.answer = answers.answer_text(service, lang, detail)
        return decision

    def _topic_detail(self, state: ConversationState, decision: Decision, text: str, lang: str,
                      facet: str | None) -> Decision | None:
        """A question inside a service conversation that names no facet and no other service, but
        a thing one sentence of the service under discussion speaks of ("Muss ich die
        Versicherung dann selbst kündigen?" after the car's deregistration): that sentence."""
        hinted = facet is not None and F.scores(text).get(facet, 0.0) < 1.0  # "vorher beraten lassen"
        if (facet is not None and not hinted) or not state.service_id or state.subject != "service":
            return None
        if decision.service is not None and decision.action == "answer" and decision.service.id != state.service_id:
            return None
        service = self.understanding.service(state.service_id)
        if service is None:
            return None
        ref = Decision(question=text, action="answer", candidates=list(decision.candidates),
                       service=ServiceRef(id=service.id, name=service.name))
        # inside the topic a noun need not be rare in the whole catalog ("Versicherung")
        # what its colloquial words mean only where its own words name no sentence ("abbuchen":
        # "Lastschrift"), in a short turn (a long one tells a story, its words are no thing asked)
        return self._detail_answer(state, ref, text, lang, C.named_nouns(text)) or (
            self._detail_answer(state, ref, text, lang, C.meant_nouns(text, service)) if len(T.words(text)) <= 10 else None)

    def _detail_answer(self, state: ConversationState, decision: Decision, text: str, lang: str,
                       also: set[str] = frozenset()) -> Decision | None:
        """A plain question about a service that names a detail one sentence of its description
        holds ("Kann ich für meine Tochter noch einen Kinderreisepass bekommen?"): that sentence."""
        service_id = decision.service.id if decision.service is not None else decision.candidates[0].id
        service = self.understanding.service(service_id)
        if service is None:
            return None
        first = sentences(service.description)[:1]  # the general answer says it anyway
        specific = C.specific(self.understanding, text, service) | set(also)
        said = T.content_stems(text)
        document = self._document_detail(state, decision, service, text, said, lang, specific)
        if document is not None:
            return document
        details = [d for d in F.detail_sentences(service.description, specific, C.name_stems(service), said)
                   if d not in first]
        if speaks_of_child(text):  # "mein Sohn is zwölf ... braucht der auch so nen Schein": the children's rule
            details = [d for d in F.child_rules(service.description) if d not in first] + details
        age = fee_age(text)
        if age is not None:  # "Mei Junge wird sechzehn": the rule that names that age ("Ab dem 16. Geburtstag")
            for_age = F.age_rules(service.description, age)
            details = for_age + [d for d in details if d not in for_age]
        if not details:
            return None
        # a new topic is named first, so that the caller hears what was understood
        own = T.content_stems(service.name, 5)
        named = state.service_id == service.id or bool(own & T.content_stems(details[0]))
        answer = prompts.text("dialog.facet.sentence" if named else "dialog.facet.named_sentence", lang,
                              sentence=details[0], name=service.name)
        # the thing asked about has its own document too ("Ich hab aber nen Firmenwagen, geht das
        # trotzdem?": "... zum Beispiel als Firmenwagen." and the employer's certificate for it)
        told = {q for q in C.beyond_keywords(service, specific) if F.mentions(details[0], {q})}
        documents = [d for d in service.documents if F.mentions(d, told)]
        if documents:
            answer += " " + replies.bring_answer(documents, lang)
        state.set_service(service.id, service.name)
        state.facet = None
        ref = self._ref(service)
        return Decision(question=text, action="answer", service=ref, candidates=list(decision.candidates),
                        answer=answer, language=lang, reason=_reason("detail"))

    def _document_detail(self, state: ConversationState, decision: Decision, service: Service, text: str,
                         said: set[str], lang: str, specific: set[str]) -> Decision | None:
        """The document a detail of a question about the service names, where no sentence of the
        description does ("Ich hab en Firmenwagen, geht der Anwohnerparkausweis da auch?": "bei
        Firmenwagen eine Bescheinigung des Arbeitgebers"). `said`: the question's content stems."""
        keywords = {T.stem(w) for k in [*service.keywords, *service.synonyms] if len(k.split()) == 1
                    for w in T.content_words(k)}
        if not (C.says_name(self.understanding, service.name, text) or said & keywords):
            return None  # "der Führerschein war auch drin, machen Sie den auch neu?" asks for another service
        specific = {q for q in C.beyond_keywords(service, specific)
                    if not F.detail_sentences(service.description, {q})}
        named = [d for d in service.documents if specific & T.content_stems(d)]
        if not named:
            return None
        state.set_service(service.id, service.name)
        state.facet = "documents"
        ref = self._ref(service)
        return Decision(question=text, action="answer", service=ref, candidates=list(decision.candidates),
                        answer=replies.documents_answer(service.name, named, lang), language=lang,
                        facet="documents", reason=_reason("detail"))

    def _at_office(self, state: ConversationState, decision: Decision, window: float, lang: str) -> Decision:
        """Of near-equal candidates, the only one done at the office under discussion ("i hab mei
        karte verlorn" after the recycling yard's hours: its card, not lost property)."""
        cands = decision.candidates or []
        if state.subject != "office" or not state.office_id or decision.action not in ("answer", "confirm") \
                or not cands:
            return decision
        close = C.close_to_leader(cands, window)
        local = [c for c in close if (s := self.understanding.service(c.id)) is not None
                 and any(o.id == state.office_id for o in s.offices)]
        if len(local) != 1 or local[0].id == cands[0].id:
            return decision
        answered = self.understanding.answer_for(local[0].id, lang)
        answered.question = decision.question
        answered.candidates = [local[0]] + [c for c in cands if c.id != local[0].id]
        return answered

    def _elsewhere(self, decision: Decision, named: list[Office]) -> bool:
        """Whether the caller named an office that is not one of the leading candidate's."""
        if not named:
            return False
        service = self.understanding.service(decision.candidates[0].id) if decision.candidates else None
        own = {o.id for o in service.offices} if service is not None else set()
        return not any(o.id in own for o in named)

    @staticmethod
    def _said_on_topic(state: ConversationState) -> set[str]:
        """Stems of the nouns the caller said in the turns about the service under discussion."""
        return {w for t in state.turns if state.service_id and t.get("service") == state.service_id
                for w in TU.nouns(_read(t))}

    def _standby(self, decision: Decision, office: Office, text: str) -> Service | None:
        """The leading service of the office named, where its description has a number of its own
        for what the caller says happened (a standby service for "Rohr geplatzt"), else None."""
        service = self.understanding.service(decision.candidates[0].id) if decision.candidates else None
        if service is None or not _offers(service, office):
            return None
        return service if self._has_event_number(service, text) else None

    def _has_event_number(self, service: Service, text: str) -> bool:
        """Whether the description has a sentence with a number of its own for what the caller
        says happened, beyond the words of the service's name ("Bei einem Rohrbruch ... unter ...")."""
        happened = C.specific(self.understanding, text, service)
        return bool(happened) and bool(replies.phone_sentence(service, text, happened, None))

    def _standby_of_event(self, decision: Decision, text: str, window: float) -> Service | None:
        """The one service near the top whose description has a number of its own for what the
        caller says happened, in the catalog's words ("Wasser läuft aus der Leitung": "Bei einem
        Rohrbruch erreichen Sie den Störungsdienst unter ..."), else None."""
        meant = with_meanings(text)
        near = C.close_to_leader(decision.candidates or [], window)
        found = [s for c in near if (s := self.understanding.service(c.id)) is not None
                 and self._has_event_number(s, meant)]
        return found[0] if len(found) == 1 else None

    def _elsewhere_than(self, service_id: str, office: Office) -> bool:
        """Whether an office is not one of the service's own."""
        service = self.understanding.service(service_id)
        return service is not None and not _offers(service, office)

    def _topic_at(self, state: ConversationState, office: Office) -> ServiceRef | None:
        """The service under discussion where the office asked about is one of its offices ("wo is
        dat Steueramt" about the dog tax): the hand-off still names that service."""
        service = self.understanding.service(state.service_id) if state.service_id else None
        if service is None or not _offers(service, office):
            return None
        return self._ref(service)

    def _ref(self, service: Service) -> ServiceRef:
        """A service as a decision names it, with where its calls are transferred."""
        return ServiceRef(id=service.id, name=service.name, forward_to=self.understanding.forward_target(service.id))

    def _office_named_before(self, state: ConversationState, service: Service) -> Office | None:
        """The office of the service that an earlier turn named ("die Festhalle z Hochbuch" ... "Und
        wo hol i de Schlüssel?": the Ortschaftsverwaltung Hochbuch, not the first of its offices)."""
        own = {o.id for o in service.offices}
        for turn in reversed(state.turns):
            named = [o for o in self._directory().named_in(_read(turn)) if o.id in own]
            if named:
                return named[0]
        return None

    def _pick_office(self, state: ConversationState, named: list[Office]) -> Office:
        if state.service_id and len(named) > 1:
            service = self.understanding.service(state.service_id)
            ids = {o.id for o in service.offices} if service else set()
            for o in named:
                if o.id in ids:
                    return o
        return named[0]

    def _service_answer(self, state: ConversationState, service_id: str, facet: str, question: str, lang: str,
                        candidates: list, office: Office | None, reason: str) -> Decision:
        service = self.understanding.service(service_id)
        if service is None:
            return self.understanding.answer_for(service_id, lang)
        if facet == "cost" and candidates:
            earlier = " ".join(_read(t) for t in state.turns)
            service = C.fee_owner(self.understanding, service, question, candidates, earlier)
        if office is None and state.office_id and state.service_id == service.id:
            office = self._directory().get(state.office_id)
        if office is None and facet in ("where", "hours", "contact"):
            office = self._office_named_before(state, service)
        similarity = getattr(self.understanding, "sentence_similarity", None)
        # A follow-up goes on about what the turn before named ("einen vorläufigen Personalausweis" ...
        # "Wie lange gilt der?"), unless it sets another condition ("und wenn ich hingeh").
        conditional = TU.condition_facet(question, "") is not None
        context = ""
        if reason == "follow_up" and state.turns and not conditional:
            context = _read(state.turns[-1])
        # a correction keeps who the fee is for ("für meine Tochter, die ist 16"), not the old topic's words
        person = _read(state.turns[-1]) if state.corrected and state.turns \
            and not TU.names_person(question) else ""
        # a fee asked in another language: the German word its phrase means names the case ("reward": Finderlohn)
        asked = with_meanings(question) if lang != "de" and facet == "cost" else question
        specific = C.specific(self.understanding, asked, service) or (C.specific(self.understanding, context, service) if context else set())
        text, found, used_office = replies.service_answer(service, facet, question, lang, similarity, office,
                                                          specific, context, person, self.today)
        if facet == "where" and used_office is not None and T.fold(used_office.name) not in T.fold(text) \
                and len(told := self._directory().named_in(text)) == 1:
            used_office = told[0]  # "... den verkauft die Tourist-Information": the office the sentence names
        state.set_service(service.id, service.name)
        state.facet = facet
        if facet in ("where", "hours", "contact") and used_office is not None:
            state.set_office(used_office.id, used_office.name)
        ref = self._ref(service)
        cands = list(candidates) or [Candidate(id=service.id, name=service.name, score=1.0)]
        return Decision(question=question, action="answer", service=ref, candidates=cands, answer=text,
                        language=lang, facet=facet, reason=_reason(reason if found else "no_fact"),
                        office=_office_ref(used_office) if facet in ("where", "hours", "contact") else None)

    def _remember(self, state: ConversationState, decision: Decision, facet: str | None) -> None:
        if decision.action == "answer" and decision.service is not None:
            state.set_service(decision.service.id, decision.service.name)
            state.facet = facet

    def forward_target(self, service_id: str | None) -> str:
        return self.understanding.forward_target(service_id)


class SingleTurn:
    """`ask(question)` through the engine, each question a conversation of its own: what
    `rathaus ask` and `rathaus eval` measure, the same decision a caller's first turn gets."""

    def __init__(self, understanding: Any):
        self.engine = DialogEngine(understanding)

    def ask(self, question: str, language: str | None = None) -> Decision:
        import time

        started = time.perf_counter()
        decision = self.engine.turn(ConversationState(), question, language)
        decision.latency_ms = (time.perf_counter() - started) * 1000
        return decision


def reply_json(caller: str, decision: Decision) -> dict:
    """One turn as `rathaus chat --json` prints it."""
    return {"caller": caller, "action": decision.action,
            "service": {"id": decision.service.id, "name": decision.service.name} if decision.service else None,
            "office": getattr(decision, "office", None), "facet": getattr(decision, "facet", None),
            "answer": decision.answer}
