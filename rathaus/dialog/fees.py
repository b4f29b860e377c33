"""Which line of a service's fee text answers this caller: the adult fee first, or the line the
question (or, for a follow-up, the turn before it) names: an age, children, a second dog, a
variant of the service ("Umschreibung"), a surcharge ("Was kostet das extra?").

Only lines that name an amount or say "free" are spoken (not bank details).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rathaus.catalog import text as T
from rathaus.catalog.answers import fee_lines, fee_text_lines
from rathaus.catalog.search import meanings, names_vehicle, vehicle_words
from rathaus.dialog.facets import MONTHS, cue_data, cue_tokens, facet_stems, folded_text, in_family

_RATE = re.compile(r"\d[\d.,]*\s*(prozent|%)", re.I)
_AGE = re.compile(r"\b(\d{1,2})(?:\s*|-)(jahre|jahren|jahr|jährig|years?\b|yaş|лет|років|سنة)", re.I)
_SPAN = re.compile(r"\b(?:für|fur|fer|for|auf|seit|vor|in|nach|alle|every)\s+\w+(?:\s*|-)(?:jahre|jahren|jahr|years?)\b", re.I)
# what follows a number that counts things, not years ("we are two people", "it is one of them")
_COUNTED = (r"(?:people|persons?|personen|leute|of|kids|children|kinder|dogs?|hunde|times|mal|stuck|copies|kopien"
            r"|items|days?|tage|weeks?|wochen|months?|monate|euro|eur|dollars?|uhr|o.?clock)\b")
_LIST = re.compile(r",| oder | und |/")


def for_the_young(line: str) -> bool:
    """Whether a fee line (or a service's name) is for children or young people."""
    return any(p.search(folded_text(line)) for p in cue_data()["age"]["young"])


def _adult(line: str) -> bool:
    return any(p.search(folded_text(line)) for p in cue_data()["age"]["adult"])


def _age_bound(line: str) -> tuple[bool, int] | None:
    """(whether the line is for those below the age, the age) of a fee line's age bound ("unter
    zwei Jahren", "ab 24 Jahren"), or None."""
    folded = folded_text(line)
    number = rf"(\d+|{_number_words()})"  # "unter zwei Jahren"
    below = re.search(rf"unter {number}\b|bis {number} jahr|vor vollendung des (\d+)", folded)
    above = re.search(rf"(?:ab|uber) {number}\b|alter von (\d+)", folded)
    found = below or above
    return (found is below, _number_value(next(g for g in found.groups() if g))) if found else None


def _age_fits(line: str, age: int) -> bool:
    bound = _age_bound(line)
    return bound is not None and (age < bound[1] if bound[0] else age >= bound[1])


def fee_age(question: str) -> int | None:
    """The age a caller says: "16 Jahre", "16-jährig", "der ist 15", "wenn sie drei ist"; a
    time span is none ("für fünf Jahre", "vor 3 Jahren")."""
    question = _SPAN.sub(" ", question)
    m = _AGE.search(question)
    if m:
        return int(m.group(1))
    number = rf"(\d{{1,2}}|{_number_words()})"
    folded = folded_text(question)
    # "she's 16", "I'm 70", "he is only fifteen"
    m = (re.search(rf"(?:\b(?:ist|is|wird|sind|werden|bin|am|are|turns?|turning)|['’](?:s|m|re))"
                   rf"(?: ja| doch| jetzt| erst| schon| halt| eben| grad| gerade| only| just| already| now)*"
                   rf"(?: im (?:{MONTHS}))? {number}\b"  # "der wird im Oktober zwei"
                   rf"(?! {_COUNTED})", folded)
         or re.search(rf"\b{number} (?:ist|wird)\b", folded)
         or re.search(rf"\b{number}[ -]?(?:jahre|jahrig|jahr|years?\b)", folded))
    if not m:  # "sie wird im März ein Jahr alt", "er ist jetzt ein Jahr"
        return 1 if re.search(r"\b(ein|eins) jahr alt\b|\bone year old\b|\b(ist|is|wird) (jetzt |erst |schon |gerade )*"
                              r"(ein|eins) jahr\b", folded) else None
    return _number_value(m.group(1))


@lru_cache(maxsize=1)
def _number_words() -> str:
    """The number words callers say ([numbers] of facets.toml), as one alternation, longest first."""
    return "|".join(sorted(cue_data()["numbers"], key=len, reverse=True))


def _number_value(said: str) -> int:
    """"16" -> 16, "sechzehn" -> 16."""
    return int(said) if said.isdigit() else cue_data()["numbers"][said]


# English "son" only after a possessive: German callers say "son" for "so ein" ("son neuer").
_SON = r"(?:my|our|his|her|your|a) sons?\b"
# The caller speaking of their own fee, not of the one spoken of before
_SELF = re.compile(r"\b(fur mich|fur mi|for me|for myself|myself|ich selbst|ich selber|mich selbst)\b")
_CHILD = re.compile(rf"\b(kind|kinder|sohn|tochter|baby|jugendlich|child|kid|daughter\b|{_SON})")


_CHILD_WORD = re.compile(rf"\b(kind|kinder|kindes|sohn|sohne|tochter|baby|jugendliche[nr]?|child|children|kids?|daughter|{_SON})\b")


def speaks_of_child(text: str) -> bool:
    """Whether the caller speaks of a child: "für meine Tochter", "mein Sohn is zwölf" (a whole
    word: "Kinderreisepass" names a service, not the caller's child)."""
    age = fee_age(text)
    return bool(_CHILD_WORD.search(folded_text(text))) or (age is not None and age < 18)


_INCOME = re.compile(r"einkommensabhangig|nach (dem )?einkommen")

_UNITS = frozenset({"euro", "eur", "jahr", "jahre", "jahren", "gebuhr", "ab", "uber", "alter", "von", "an"})


def _names_item(line: str) -> bool:
    """Whether a fee line names what it is for ("neuer Personalausweis 37 Euro"), not only an
    amount and an age ("70 Euro ab 24 Jahren")."""
    return any(w not in _UNITS and not w.isdigit() for w in T.content_words(line))


def _further(lines: list[str]) -> list[str]:
    """The lines for a further copy or animal ("jede weitere Urkunde 6 Euro", "zweiter Hund")."""
    return [line for line in lines if re.search(r"\bweitere|\bzweite", folded_text(line))]


def _said(question: str, own: set[str] = frozenset(), vehicle: bool = False) -> set[str]:
    """The question's stems with those of what its colloquial words mean: "Kampfhund" names the
    line of the "gefährlichen Hund", "verloren" the "Ersatzausweis bei Verlust". A word that
    means the service's own thing ("Auto": "Kfz Fahrzeug" for "Fahrzeug zulassen") names no line
    ("online über i-Kfz"). With `vehicle` (a vehicle's service), registration words mean the
    vehicle's, and vehicle words in a meaning name nothing."""
    said = T.content_stems(question)
    for w in T.content_words(question):
        meaning = meanings(w, vehicle)
        if meaning and vehicle:  # of a vehicle's service: "ummelden" names the "Umschreibung", "Auto" nothing
            said |= T.content_stems(" ".join(m for m in T.words(meaning) if not vehicle_words(m)))
        elif meaning and not T.content_stems(meaning) & own:
            said |= T.content_stems(meaning)
    return said


def _meets(q: str, s: str) -> bool:
    """A question stem names a line's stem: the same, or the head of a compound ("Express" and
    "Expresszuschlag", "Unterschrift" and "Unterschriftsbeglaubigung")."""
    # a short word heads a long compound too: "Baum" names "Baumgrab"
    return (q == s or (len(q) >= 5 and s.startswith(q)) or (len(q) == 4 and len(s) >= 8 and s.startswith(q))
            or (len(q) >= 6 and s[:6] == q[:6])
            # the question's compound names the line's last part: "Gewerbeabmeldung" names "Abmeldung"
            # (not the other way: "Beglaubigung" does not name "Unterschriftsbeglaubigung")
            or T.part_of(s, q, shortest=6)
            # "Urnengrab" names "Urnenreihengrab", "Hundemarke" the "Ersatz-Hundesteuermarke"
            or (len(s) > len(q) and T.same_frame(q, s))
            # the -n- of a compound dropped in speech ("Urnegrab", "Urnejrab" for "Urnengrab")
            or (len(q) >= 6 and len(s) == len(q) + 1 and any(s[i] == "n" and s[:i] + s[i + 1:] == q
                                                             for i in range(3, len(s) - 3))))


def _tails(said: set[str], service_name: str, line_stems: list[set[str]]) -> tuple[set[str], set[str]]:
    """(last parts, the service's words they follow) of the question's compounds that start with
    a word of the service's name and end in a line's last part: "Hundemarke" -> "mark" of
    "Ersatzmarke" (the "hund" before it tells no dog-tax line apart)."""
    tails, heads = set(), set()
    for q in said:
        for n in (n for n in T.content_stems(service_name) if len(n) >= 4 and q.startswith(n) and len(q) - len(n) >= 4):
            rest = q[len(n):]
            for tail in {rest, rest[1:]} if rest[0] in "es" else {rest}:  # linking "e"/"s": "Hunde-marke"
                if len(tail) >= 4 and any(s.endswith(tail) and s != q for stems in line_stems for s in stems):
                    tails.add(tail)
                    heads.add(n)
    return tails, heads


def _asked_lines(lines: list[str], question: str, asked: str, marks: str) -> list[str]:
    """The lines marked by a word of the [fees] list `marks`, where the question says a word of
    the list `asked` (facets.toml): a replacement when something is lost, a surcharge when asked
    for "extra", a reduction when asked for "billiger", the express line when it is urgent."""
    words = cue_data()["fees"]
    if not any(in_family(t, w) for t, _ in cue_tokens(question) for w in words[asked]):
        return []
    return [line for line in lines if any(in_family(t, w) for t in T.words(line) for w in words[marks])]


def _replacement(lines: list[str], question: str) -> list[str]:
    """"Mein Bibliotheksausweis ist weg, was kostet ein neuer?": the line of a replacement."""
    return _asked_lines(lines, question, "lost", "replacement")


def speaks_of_abroad(text: str) -> bool:
    """The caller's case has a foreign country in it ("mein Verlobter ist Italiener")."""
    return any(in_family(t, w) for t in T.words(text) for w in cue_data()["fees"]["abroad"])


def _abroad(lines: list[str], question: str) -> list[str]:
    """"Wir kommen aus der Ukraine, was kostet die Anmeldung?": the line "mit Auslandsbezug"."""
    if not speaks_of_abroad(question):
        return []
    return [line for line in lines if any(t.startswith("ausland") for t in T.words(line))]  # also "ausländischen Rechts"


def _named(lines: list[str], question: str, service_name: str, meant: bool = False) -> list[str]:
    """The lines named by words of the question (with `meant`, also by what its colloquial words
    mean) that tell lines apart (a word found in every line names none). Words of the service's
    own name count only where the name lists variants ("Gewerbe anmelden, ummelden oder
    abmelden": "Abmeldung" names "Abmeldung 15 Euro")."""
    name = {n for n in T.content_stems(service_name) if len(n) >= 5}
    own = set() if _LIST.search(service_name) else name
    # a colloquial word that means the service's own thing names no line, whether or not the name
    # lists variants ("Auto" means "Fahrzeug Kfz": not "online über i-Kfz" of "Fahrzeug zulassen oder umschreiben")
    said = _said(question, name, names_vehicle(service_name)) if meant else T.content_stems(question)
    line_stems = [T.content_stems(line) for line in lines]
    # the first part of a word of the name counts where a line has it as a word of its own
    # ("Verein" of "Vereinsfest" names "gemeinnützige Vereine 20 Euro")
    q_words = {q for q in said - facet_stems(question, "cost")
               if not any(n in q or (len(q) >= 4 and n.startswith(q)) for n in own)
               or (q not in own and len(q) >= 5 and any(q in stems for stems in line_stems))}
    # "Hundemarke" for the dog tax: the part after the service's own word names the line ("Ersatzmarke")
    tails, heads = _tails(q_words, service_name, line_stems)
    q_words -= heads
    # a word every line has, also as a compound's last part, tells none apart ("Hund" of "Listenhund")
    q_words = {q for q in q_words if not all(any(_meets(q, s) or (len(q) >= 4 and s.endswith(q)) for s in stems)
                                             for stems in line_stems)}
    # the same word counts more than a part of a compound ("Urnenwahlgrab" names "Urnenwahlgrab
    # 25 Euro" before "Wahlgrab 40 Euro")
    hits = [sum(1.0 if q in stems else 0.5 for q in q_words if any(_meets(q, s) for s in stems))
            + sum(0.5 for t in tails if any(s.endswith(t) for s in stems)) for stems in line_stems]
    telling = [h for h in hits if h]
    if not telling or len(telling) == len(lines) and len(set(hits)) == 1:
        return []
    best = max(hits)
    return [line for line, h in zip(lines, hits) if h == best]


def names_a_line(fees: str, words: str) -> bool:
    """Whether the words ("vorläufig", "Urnengrab") name a fee line of these fees, each as a
    word of its own or as a compound's head or tail."""
    return any(names_in(line, words) for line in fee_lines(fees))


def names_variant(fees: str, question: str, service_name: str) -> bool:
    """Whether the question names some of a service's fee lines and not the others ("und
    online" of "online 6 Euro", "und die erweiterte"): the variant whose fee it asks."""
    lines = fee_lines(fees)  # also by what a colloquial word means ("Listenhund": "gefährlicher Hund")
    return bool(_named(lines, question, service_name) or _named(lines, question, service_name, meant=True))


def names_in(text: str, words: str) -> bool:
    """Whether one of the words (five letters or more) is a word of the text or its compound's head
    or tail, or the same compound with a part between ("Urnengrab", "Urnenreihengrab")."""
    said = {w for w in T.content_stems(words) if len(w) >= 5}
    return any(T.part_of(q, s) or T.same_frame(q, s) for q in said for s in T.content_stems(text))


def _surcharge(lines: list[str], question: str) -> list[str]:
    """"Was kostet das extra?", "Kostet das mehr?": the line of a surcharge."""
    return _asked_lines(lines, question, "asked_more", "surcharge")


def _reduced(lines: list[str], question: str, service_name: str) -> list[str]:
    """"Kriegen wir als Verein den Saal billiger?": the lines of a reduction, the one the question
    names first; also a reduction by a share, which names no amount ("Vereine aus Zschopenau
    50 Prozent ermäßigt"): pass every line of the fee text."""
    reduced = _asked_lines(lines, question, "asked_less", "reduction")
    return (_named(reduced, question, service_name) if len(reduced) > 1 else []) or reduced


# A club's own word, not a room of the club ("Karnevalsverein", "für einen Verein"; not "Vereinsheim")
_CLUB = re.compile(r"(verein|vereine|vereinen|vereins|club|clubs|klub)$")


def _for_club(lines: list[str], question: str, service_name: str) -> list[str]:
    """"Wir vom Gesangverein, was kostet die Stadthalle?": the clubs' line ("für Ortsvereine 180
    Euro"), after the line of the room the question names where it names one."""
    if not any(_CLUB.search(t) for t in T.words(folded_text(question))):
        return []
    clubs = [line for line in lines if any(_CLUB.search(t) or t.startswith("vereinstarif")
                                           for t in T.words(folded_text(line)))]
    if not clubs:
        return []
    club = (_named(clubs, question, service_name) if len(clubs) > 1 else []) or clubs
    room = [line for line in _named(lines, question, service_name) if line not in clubs]
    return room[:1] + club[:1]


def _urgent(lines: list[str], question: str) -> list[str]:
    """"Was kostet die schnelle Abholung?": the line of the express variant."""
    return _asked_lines(lines, question, "urgent", "urgent")


def express_lines(fees: str, question: str) -> list[str]:
    """"Geht das auch schneller?": the express line that says how fast ("Expressabholung innerhalb
    von drei Werktagen 60 Euro"), where the description may say nothing of it."""
    return [line for line in _urgent(fee_lines(fees), question)
            if re.search(r"\b(werktag|arbeitstag|tag|stunde|woche)\w*\b", folded_text(line))]


# Periods a fee is per ("im Jahr", "je Monat"): a time, not an item, a size or a case.
PERIODS = ("jahr", "monat", "woche", "tag", "halbjahr", "quartal")

# a number that is neither an amount, a share nor a period ("120 Liter", "die 120er")
_SIZE = re.compile(r"\b(\d+)(?:er)?\b(?!\s*(?:euro|€|prozent|%|" + "|".join(PERIODS) + "))")

# "ab dem zweiten Jahr" is a time, not a second item
_FURTHER = re.compile(r"\b(zweite|zweiten|zweiter|dritte|dritten|weitere|weiteren|noch ein|noch eine|second|third|additional)"
                      rf"(?!\w*\s+({'|'.join(PERIODS)}|year|month|week|day))"
                      r"|\bschon (einen |ein |e |nen )?(andere|anderen|anderer)\b"
                      # "mir haben aber schon einen Hund, ist das dann teurer?"
                      r"|\b(haben|habe|hab|hat|han|hen)\b(\s+\w+){0,2}\s+schon (einen|ein|eine|nen|en)\b")


def asks_further(question: str) -> bool:
    """Whether the caller speaks of a further item ("für einen zweiten Hund", "des is dann der
    zweite"): the fee line for each further one."""
    return bool(_FURTHER.search(folded_text(question)))


def _sized(lines: list[str], question: str) -> list[str]:
    """"Was kostet die 120er?": the lines of the size or number the caller says ("120 Liter"), not
    of an amount or an age."""
    said = {m.group(1) for m in _SIZE.finditer(folded_text(question))}
    if not said:
        return []
    return [line for line in lines
            if any(m.group(1) in said for m in _SIZE.finditer(folded_text(line)))]


_HOW_MUCH = re.compile(r"\b(wie hoch|wo hoo?ch|wie ?viel|was (kostet|kost|kosten)|wat kost|how much|how high)\b")


def fitting_fees(fees: str, question: str, service_name: str = "", max_items: int = 2,
                 context: str = "", person: str = "") -> tuple[list[str], bool]:
    """(the fee lines for this caller, whether the catalog lists further amounts).

    `context`: the caller's turn before a follow-up ("Wie lange dauert es mit dem Express?" before
    "Und was kostet das?"), used only where the question itself names no line. `person`: a turn
    that says only who the fee is for (the one a correction replaces: "für meine Tochter, die ist
    16"): its age or child counts, not the lines it names."""
    text_lines = fee_text_lines(fees)  # every line; `lines` those that name an amount or say "free"
    lines = fee_lines(fees)
    if not lines:
        # no amount, only rates ("Hebesatz Grundsteuer B 395 Prozent"): said when the question names them
        rates = [line for line in re.split(r"\n|;\s*", fees or "") if _RATE.search(line)]
        said = T.content_stems(question) - T.content_stems(service_name)
        # or asks how much ("Wie hoch ist die Zweitwohnungsteuer?": "12 Prozent der Nettokaltmiete"),
        # not how to pay ("Kann ich die Grundsteuer abbuchen lassen?")
        if _HOW_MUCH.search(folded_text(question)) or any(any(_meets(q, s) for q in said for s in T.content_stems(line))
                                                          for line in rates):
            return [line.strip().rstrip(".;") for line in rates[:max_items]], len(rates) > max_items
        return [], False
    more = len(lines) > 1
    folded = folded_text(question)
    age = fee_age(question)
    if age is None and _SELF.search(folded):
        context = person = ""  # "Und für mich?" after the children's fee: the caller's own, an adult's
    bound = re.search(rf"\b(unter|uber|ab|bis) (\d+|{_number_words()})\b", folded)  # "für unter 24-Jährige", "und ab drei"
    if bound:  # the line with the same bound, in figures or words ("unter drei Jahren")
        said = (bound.group(1) in ("unter", "bis"), _number_value(bound.group(2)))
        same = [line for line in lines if re.search(rf"\b{bound.group(1)} {said[1]}\b", folded_text(line))
                or _age_bound(line) == said]
        if same:
            return same[:1], more
    several = re.search(r"\b(mehrere|\d+|zwei|drei|vier|funf|sechs|sieben|acht|neun|zehn) (stuck|urkunden|exemplare|"
                        r"ausfertigungen|kopien|abschriften)\b", folded)
    if several and not re.search(r"\b(1|eins|ein|eine) (stuck|urkunde)", folded):
        further = _further(lines)
        if further and lines[0] not in further:  # "fünf Stück": the first and each further one
            return [lines[0], further[0]], len(lines) > 2
    if asks_further(question):
        further = _further(lines)
        if further:  # "für einen zweiten Hund": "150 Euro für jeden weiteren Hund"
            return further[:1], more
    # among the lines of a size the caller says ("die 120er im Jahr" of yearly bins of two sizes)
    if age is None and (context or person) and (named := _named(_sized(lines, question) or lines, question,
                                                                  service_name)):
        return named[:1], more  # "Was kostet das Foto?" after "für meine Tochter, 19": the photo, not her age
    if age is None and (asked := _urgent(lines, question) or _surcharge(lines, question)):
        return asked[:1], more  # "What's the extra fee?" after "I'm 35": the surcharge, not her age
    for earlier in (context, person):  # "Sie ist 16." - "Was kostet der für sie?"
        age = age if age is not None or not earlier else fee_age(earlier)
    young = [line for line in lines if for_the_young(line)]
    if age is not None:
        # for an age, also a line that names no amount but an income-based fee ("unter zwei Jahren
        # Elternbeitrag nach Einkommen"); a plain question does not get it before the amounts
        income = [line for line in text_lines if line not in lines and _INCOME.search(folded_text(line))]
        fitting = [line for line in lines + income if _age_fits(line, age)]
        if fitting:
            return fitting[:1], more
        # "der is zwölf": "Jugendfischereischein 12 Euro"; not a line whose age bound leaves the
        # child out ("Krippe nach Einkommen" for a two-year-old, not "Kindergarten ab drei Jahren")
        unbound = [line for line in young if _age_bound(line) is None]
        if age < 18 and young:
            return (unbound or young)[:1], more
    sized = _sized(lines, question)
    if sized and len(sized) < len(lines):  # "die 120er" after "die Restmülltonne ist zu klein"
        narrowed = (_named(sized, question, service_name) or (_named(sized, context, service_name) if context else [])
                    if len(sized) > 1 else [])
        return (narrowed or sized)[:1], more
    asked = _urgent(lines, question) or _reduced(text_lines, question, service_name)
    if not asked and (club := _for_club(lines, question, service_name)):
        return club, more
    named = asked or _replacement(lines, question) \
        or _abroad(lines, question) \
        or _named(lines, question, service_name) \
        or _surcharge(lines, question) \
        or _named(lines, question, service_name, meant=True)
    if named:
        return named[:1], more
    if young and _CHILD.search(folded):
        return young[:1], more
    if context:
        abroad, thing = _abroad(lines, context), _named(lines, context, service_name)
        extra = _surcharge(lines, question + " " + context) or _urgent(lines, context)
        if thing and not abroad and not extra and thing[0] != lines[0]:
            # a thing the turn before spoke of ("die Schilder") has its own line beside the main fee:
            # both, the main one first ("Anordnung 35 Euro; Leihgebühr Bauhof 25 Euro je Schild")
            return [lines[0], thing[0]], len(lines) > 2
        named = abroad or thing or extra
        if named:
            return named[:1], more
    if young and (speaks_of_child(context) or speaks_of_child(person)):  # "Mein Sohn will angeln." - "Was kostet der?"
        return young[:1], more
    adult = [line for line in lines if _adult(line)]
    plain = [line for line in lines if not for_the_young(line) and not _adult(line)]
    # the adult fee ("70 Euro ab 24 Jahren" beside "22,80 Euro unter 24" or a surcharge); an adult
    # line that names an item beside other items is one of them ("Verlustanzeige gebührenfrei;
    # neuer Personalausweis 37 Euro ab 24 Jahren")
    adult = [line for line in adult if any(for_the_young(x) for x in lines) or not _names_item(line)]
    if adult:
        return adult[:1], more
    if len(lines) <= max_items:
        return lines, False
    first = plain[:1] or lines[:1]
    return first, True
