"""The words of a facet answer: catalog facts put into the sentences of prompts/<lang>/dialog.toml.

Each function returns (text, found): `found` is False when the catalog holds no answer to the
facet; the text then says so and offers the office's phone or a person instead of a blurb.
"""

from __future__ import annotations

import datetime as dt
import re

import prompts
from rathaus.catalog import text as T
from rathaus.catalog.answers import fee_lines
from rathaus.catalog.html import first_sentences
from rathaus.catalog.model import Office, Service
from rathaus.catalog.search import with_meanings
from rathaus.dialog import candidates as C
from rathaus.dialog import facets as F
from rathaus.dialog import hours as H
from rathaus.dialog import turns as TU
from rathaus.dialog.fees import PERIODS, express_lines, fitting_fees, names_a_line, names_in
from rathaus.dialog.offices import GENERIC_WORDS, OfficeDirectory, unique_offices


def _p(key: str, lang: str, **fields) -> str:
    return prompts.text(f"dialog.{key}", lang, **fields)


def _join(items: list[str], lang: str, key: str = "facet.list_and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + _p(key, lang) + items[-1]


def _clean(text: str) -> str:
    return re.sub(r"\.\.+", ".", " ".join(text.split()))


def _feminine(noun: str, lang: str) -> bool:
    """Whether a noun takes a feminine article, where the language's prompts say it matters
    (German: by the ending of the compound's last part, "Zulassungsstelle")."""
    if not prompts.has("dialog.grammar.feminine_endings", lang):
        return False
    folded = T.fold(noun)
    return any(folded.endswith(T.fold(e)) for e in prompts.raw("dialog.grammar.feminine_endings", lang))


def no_fact(name: str, lang: str, office: Office | None) -> str:
    offer = (_p("facet.offer_contact", lang, office=office.name, phone=office.phone) if office and office.phone
             else _p("facet.offer_person", lang))
    return _p("facet.no_fact", lang, name=name) + " " + offer


def _sentence(sentence: str, lang: str) -> str:
    return _p("facet.sentence", lang, sentence=sentence)


def _with_cue(sentences: list[str], facet: str) -> list[str]:
    cues = F.cue_data()["sentence"].get(facet, [])
    return [s for s in sentences if any(p.search(F.folded_text(s)) for p in cues)]


_PERIODS = frozenset(map(T.stem, PERIODS))


def _cost_sentence(description: str, named: set[str], own: set[str], lines: list[str]) -> str | None:
    """The description's cost sentence on what the question names, where no fee line names it."""
    told = _with_cue(F.detail_sentences(description, named, own), "cost") if named else []
    return told[0] if told and not any(F.mentions(line, named) for line in lines) else None


def _thing_hours(service: Service, office: Office, question: str) -> str | None:
    """The description's sentence on when a thing the question names is open ("Die Friedhöfe sind
    ... von 8 bis 18 Uhr geöffnet" for "Wann ist der Friedhof offen?"), where the thing is not the
    office itself: the caller may mean either, so both are said."""
    named = C.named_nouns(question) - T.content_stems(office.name)
    told = [s for s in _with_cue(list(F.sentences_of(service.description)), "hours") if F.mentions(s, named)]
    return told[0] if told else None


def _places(sentences: list[str], question: str) -> list[str]:
    """Sentences whose place cue points at a place the question (or the turn before it) does not
    already name: "etwa im Verein" tells a caller from the football club nothing about where to apply."""
    said = {T.stem(w) for w in T.words(question) if len(w) > 3}
    cues = F.cue_data()["sentence"].get("where", [])

    def new_place(sentence: str) -> bool:
        folded = F.folded_text(sentence)
        for m in (m for p in cues for m in p.finditer(folded)):
            after = T.words(folded[m.start():])[:3]
            place = next((w for w in after if len(w) > 3 and w not in T.STOPWORDS), "")
            if place in F.cue_data()["not_places"]:  # "im ersten Jahr", "im Voraus": a time or a manner, no place
                continue
            if not place or not any(q.endswith(T.stem(place)) or T.stem(place).endswith(q) for q in said):
                return True
        return False

    return [s for s in sentences if new_place(s)]


def _names_office(sentence: str, office: Office | None) -> bool:
    """Whether a sentence names the office (a distinctive word of its name)."""
    if office is None:
        return False
    said = set(T.words(sentence))
    return any(w in said for w in T.words(office.name) if len(w) > 3 and w not in GENERIC_WORDS)


def _open_on_asked_day(offices: list[Office], office: Office, question: str, today: dt.date | None) -> Office:
    """The office to name for a where question with a day ("Wo kann ich dann morgen hin?"): the
    one chosen, unless it is closed that day and another of the service's offices is open."""
    asked = H.asked_day(question, today) if len(offices) > 1 else None
    if asked is None:
        return office

    def is_open(candidate: Office) -> bool:
        schedule = H.parse(candidate.opening_hours, today)
        return schedule.parsed and H.open_on(schedule, asked)[0]

    if is_open(office):
        return office
    return next((o for o in offices if is_open(o)), office)


def service_answer(service: Service, facet: str, question: str, lang: str = "de",
                   similarity: F.Similarity | None = None, office: Office | None = None,
                   specific: set[str] | None = None, context: str = "", person: str = "",
                   today: dt.date | None = None) -> tuple[str, bool, Office | None]:
    """(text, found, the office the answer is about) for a facet of a service. `office` is one the
    caller named or spoke about before: preferred for hours, phone and address. `specific`: stems
    of what the question names beyond the service ("Blindenhund", "Wertstoffhof"); a sentence of
    the description that holds them answers before the general field. `context`: the turn before
    a follow-up (for the fee it names); `person`: the turn a correction replaces (for whom the fee is);
    `today`: the day "heute" means (None: the real one)."""
    offices = unique_offices(service)
    if office is None or all(o.id != office.id and o.name != office.name for o in offices):
        office = offices[0] if offices else None
    if facet == "where" and office is not None:
        office = _open_on_asked_day(offices, office, question, today)
    name = service.name
    specific = specific or set()
    strict = C.beyond_keywords(service, specific)
    own = C.name_stems(service)
    details = F.detail_sentences(service.description, strict, own)
    heard = f"{question} {context}"  # what the caller said here and the turn before (places already named)
    if facet == "cost":
        lines = fee_lines(service.fees)
        # asked in another language: its words' German meanings name the line ("brown bin" the Biotonne)
        asked = question if lang == "de" else with_meanings(question)
        # "Blindenhunde sind steuerfrei."; also a word of a keyword that tells the case ("Hund aus dem
        # Tierheim": "für Hunde aus dem Tierheim wird die Steuer im ersten Jahr erlassen")
        # a period ("was kostet das im Jahr") asks for the fee per period, not the case of a sentence
        # ("im ersten Jahr erlassen")
        told = _cost_sentence(service.description, strict - _PERIODS, own, lines)
        if told is None and not names_a_line(service.fees or "", asked):
            told = _cost_sentence(service.description, {q for q in specific - strict - _PERIODS
                                                        if F.mentions(asked, {q})}, own, lines)
        # no amount in money, only rates ("Hebesatz Grundsteuer B 395 Prozent"): no "fee" said
        key = "facet.cost" if lines else "facet.cost_rate"
        lines, more = fitting_fees(service.fees, asked, service.name, context=context, person=person)
        fee = _p(key, lang, name=name, fees="; ".join(lines)) if lines else ""
        if told is not None:
            # the case told a turn before ("Hund aus dem Tierheim") and a sentence with no amount ("im
            # ersten Jahr auf die Hälfte ermäßigt"): the fee it is taken off goes first
            # the same where the lines the caller names come without a figure in the sentence ("Wie hoch ist
            # der Hebesatz?": the rates, then "Erftheim hat unterschiedliche Hebesätze beschlossen")
            # and a sentence that tells no value at all ("Wer eine Ferienwohnung hat, zahlt
            # Zweitwohnungsteuer.") answers whether, not how much: the fee goes first
            told_before = (not F.mentions(question, strict) and not any(ch.isdigit() for ch in told)) or (
                not _AMOUNT.search(told) and names_in("; ".join(lines), asked)) or not _VALUE.search(F.folded_text(told))
            return _clean(f"{fee} {_sentence(told, lang)}" if fee and told_before else _sentence(told, lang)), True, office
        if lines:
            return _clean(fee + (" " + _p("facet.cost_more", lang) if more else "")), True, office
    elif facet == "documents" and service.documents:
        text = documents_answer(name, service.documents[:4], lang)
        extra = _with_cue(details, "documents")[:1]  # "für das erweiterte Führungszeugnis ... die Aufforderung"
        return _clean(" ".join([text, *extra])), True, office
    elif facet == "where" and (places := _places(_with_cue(details, "where"), heard)) \
            and not _names_office(places[0], office):
        # "Fahrräder stehen im Bauhof"; "Den Schlüssel erhalten Sie in der Verwaltungsstelle": that office
        named = next((o for o in offices if _names_office(places[0], o)), office)
        return _clean(_sentence(places[0], lang)), True, named
    elif facet == "where" and office is not None:
        # "... das Bürgerbüro Hasenbühl nimmt diese Anträge nicht an.", "Die Schilder können Sie beim Bauhof ausleihen"
        lead = _places(_with_cue(details, "where"), heard)[:1]
        if not lead:
            # where a thing of the service is got ("die Schilder" of the no-parking zone, a part of its
            # keyword "Halteverbotsschilder"): its sentence; a verb ("gefunden") or a whole keyword tells none apart
            placed = F.detail_sentences(service.description,
                                        (specific & TU.nouns(question)) - C.keyword_stems(service), own)
            lead = _places(_with_cue(placed, "where"), heard)[:1]
        if lead:
            text, found, used = service_answer(service, facet, question, lang, similarity, office)
            return _clean(lead[0] + " " + text), found, used
        if len(offices) == 1:
            key = "facet.where_one" if office.address else "facet.where_one_no_address"
            return _clean(_p(key, lang, name=name, office=office.name, address=office.address)), True, office
        kind = OfficeDirectory().kind(offices)
        if kind:
            key = "facet.where_any_feminine" if _feminine(kind, lang) else "facet.where_any"
            return _clean(_p(key, lang, name=name, kind=kind, office=office.name, address=office.address)), True, office
        other = next(o for o in offices if o.name != office.name)
        return _clean(_p("facet.where_several", lang, name=name, office=office.name, address=office.address,
                         other=other.name)), True, office
    elif facet == "hours" and _with_cue(details, "hours"):
        return _clean(_sentence(_with_cue(details, "hours")[0], lang)), True, office  # "Der Waldfriedhof ist ... geöffnet"
    elif facet in ("hours", "contact") and office is not None:
        text, found = office_answer(office, facet, question, lang, today)
        if facet == "hours" and (told := _thing_hours(service, office, question)):
            return _clean(_sentence(told, lang) + " " + text), True, office  # "Wann ist der Friedhof offen?"
        # a keyword names the event too ("Rohrbruch"), a word of the service's name does not
        if facet == "contact" and (event := strict or specific - own) \
                and (line := phone_sentence(service, question, event, similarity)):
            return _clean(_sentence(line, lang) + " " + text), True, office  # "ein Rohr platzt": the standby number
        if found or facet == "contact":
            return text, found, office
        found_sentences = F.best_sentences(service.description, facet, question, similarity, limit=1)
        if found_sentences:
            return _clean(_sentence(found_sentences[0], lang)), True, office
        return text, False, office
    elif facet == "what":
        # "Was ist das überhaupt?" asks what the thing is: the description's first sentence, not a detail
        defining = F.scores(question).get("what", 0.0) >= 1.0
        summary = details[0] if details and not defining else first_sentences(service.description, limit=1, max_chars=220)
        if summary:
            return _clean(_sentence(summary, lang)), True, office
        return _clean(prompts.text("catalog.answer.what_name_only", lang, name=name)), True, office
    found_sentences = F.best_sentences(service.description, facet, question, similarity, specific=strict)
    express = express_lines(service.fees, question) if facet == "processing_time" else []
    if express and not any(F.special(s) for s in found_sentences):
        return _clean(_p("facet.cost", lang, name=name, fees=express[0])), True, office
    if found_sentences:
        return _clean(_sentence(" ".join(found_sentences), lang)), True, office
    if details and facet not in F.FIELD_FACETS:  # "Ab wann wird das ausgezahlt?": "... ab dem Antragsmonat gezahlt."
        return _clean(_sentence(details[0], lang)), True, office
    return _clean(no_fact(name, lang, office)), False, office


_AMOUNT = re.compile(r"\d[\d.,]*\s*(euro|€|prozent|%)", re.I)
# what a cost sentence says of the amount, folded: a figure, a share, or that nothing is paid
_VALUE = re.compile(r"\d|euro|prozent|frei\b|befrei|kostenlos|umsonst|entfallt|erlass|halfte|nichts|keine (gebuhr|steuer|kosten)")
_PHONE = re.compile(r"\b0\d{2,5}[ /]?\d[\d -]{2,}\d\b")


def phone_sentence(service: Service, question: str, specific: set[str], similarity: F.Similarity | None) -> str:
    """The description's sentence with a number of its own (a standby service, a booking line)
    when it holds what the question says happened ("ein Rohr platzt": "Bei einem Rohrbruch ...")
    or is the sentence nearest it; else none, and the office's number is said."""
    found = F.sentences_of(service.description)
    numbered = [s for s in found if _PHONE.search(s)]
    if not numbered:
        return ""
    for line in numbered:
        # a word of it, also inside a compound ("Rohrbruch" of "Wasserrohrbruch")
        if any(w.startswith(q) or (len(q) >= 6 and q in w) for q in specific if len(q) >= 4 for w in T.words(line)):
            return line
    if similarity is None:
        return ""
    best = _nearest(question, list(found), similarity)
    return best if best in numbered else ""


def _nearest(question: str, options: list[str], similarity: F.Similarity) -> str:
    """The option the embeddings find nearest the question (the first of equals)."""
    sims = similarity(question, options)
    return options[max(range(len(options)), key=lambda k: sims[k])]


def question_sentence(service: Service, question: str, similarity: F.Similarity | None) -> str:
    """The sentence of the description nearest the question, beyond the first one that the general
    answer says anyway ("Wie oft kommt die Biotonne im Winter?": "Von November bis März wird sie
    alle zwei Wochen geleert.")."""
    if similarity is None or not question.strip():
        return ""
    summary = first_sentences(service.description, limit=1, max_chars=220)
    found = F.sentences_of(service.description)
    options = [s for i, s in enumerate(found) if s not in summary and len(s) <= 300
               and not (F.anaphoric(s) and i > 0 and found[i - 1] not in summary)]
    return _nearest(question, options, similarity) if options else ""


def documents_answer(name: str, documents: list[str], lang: str) -> str:
    return _p("facet.documents", lang, name=name, documents=_join(documents, lang))


def bring_answer(documents: list[str], lang: str) -> str:
    """The documents alone, after a sentence that already says what they are for."""
    return prompts.text("catalog.answer.bring", lang, documents=_join(documents, lang))


def office_answer(office: Office, facet: str, question: str, lang: str = "de",
                  today: dt.date | None = None) -> tuple[str, bool]:
    """Hours (all, or for the day asked; "heute" is `today`, else the real day), phone or e-mail,
    or address of one office."""
    name = office.name
    if facet == "hours":
        if not office.opening_hours.strip():
            text = _p("office.no_hours", lang, office=name)
            if office.phone:
                text += " " + _p("office.phone", lang, office=name, phone=office.phone)
            return text, False
        schedule = H.parse(office.opening_hours, H.asked_date(question, today) or today)
        if not schedule.parsed:
            return _clean(_p("office.hours_raw", lang, office=name, hours=office.opening_hours)), True
        if H.asks_holidays(question):
            schedule = schedule.during_holidays()
        asked = H.asked_day(question, today)
        if asked is not None:
            is_open, intervals = H.open_on(schedule, asked)
            day = H.day_phrase(schedule, asked.day, lang)
            if is_open:
                return _p("office.open_day", lang, office=name, day=day, times=H.times(intervals, lang)), True
            if intervals:
                return _p("office.open_day_other_part", lang, office=name, day=day, times=H.times(intervals, lang)), True
            if asked.day in schedule.by_appointment:
                return _p("office.appointment_day", lang, office=name, day=day,
                          arrangement=H.arrangement(schedule, lang)), True
            closed = _p("office.closed_day", lang, office=name, day=day)
            later = [H.speak(other, lang) for other in schedule.other_months if asked.day in other.days]
            if later:
                return f"{closed} {_clean(later[0])}.", True
            following = [d % 7 for d in range(asked.day + 1, asked.day + 7) if d % 7 in schedule.days]
            if following:  # closed today: when the caller can come instead
                closed += " " + _p("office.next_open", lang, day=H.day_phrase(schedule, following[0], lang),
                                   times=H.times(schedule.days[following[0]], lang))
            return closed, True
        if (part := H.asked_part(question)) is not None:  # "nachmittags": the days open then
            in_part = H.in_part(schedule, part)
            if in_part.parsed:
                return _clean(_p("office.open_in_part", lang, office=name, hours=H.speak(in_part, lang))), True
            return _clean(_p("office.closed_in_part", lang, office=name, hours=H.speak(schedule, lang))), True
        return _clean(_p("office.hours", lang, office=name, hours=H.speak(schedule, lang))), True
    if facet == "contact":
        wants_mail = bool(re.search(r"mail|почт|пошт|posta|بريد", question, re.I))
        if wants_mail and office.email:
            return _p("office.email", lang, office=name, email=office.email), True
        if office.phone:
            text = _p("office.phone", lang, office=name, phone=office.phone)
            if wants_mail:  # asked for e-mail, none known: the phone instead
                text = _p("office.no_email", lang, office=name) + " " + text
                return text, False
            return text, True
        if office.email:
            return _p("office.no_phone", lang, office=name) + " " + _p("office.email", lang, office=name, email=office.email), not wants_mail
        return _p("office.no_phone", lang, office=name), False
    # where / anything else about an office: its address
    if office.address:
        return _clean(_p("office.address", lang, office=name, address=office.address)), True
    return _p("office.no_address", lang, office=name), False
