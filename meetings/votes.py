"""Motions, decisions and votes in German council text (transcripts and written minutes).

A Niederschrift records for each item the motion (Antrag, Beschlussvorschlag), the decision and
the vote ("einstimmig zugestimmt", "Bei 41 Ja-Stimmen und 3 Nein-Stimmen mehrheitlich
zugestimmt"). In the recording these appear as the chair's words: "Wer ist dafür? ...
Gegenstimmen? - Keine. Enthaltungen? - Zwei.", "Dem stimmen Sie alle zu", "9 Nein-Stimmen,
2 Enthaltungen, der Rest Ja-Stimmen". The rules here read both forms; numbers may be spoken
("dreiundzwanzig Ja-Stimmen").

`evaluate_karlsruhe` measures the rules on the 235 real Karlsruhe minutes: the text of each item
WITHOUT its "Abstimmungsergebnis:" block is the input, that block is the truth.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import prompts
from meetings.spoken_numbers import cardinal, number_words_to_digits

# Outcomes
ACCEPTED = "accepted"
REJECTED = "rejected"
NO_VOTE = "none"      # no vote taken (Kenntnisnahme, report, debate only)


@dataclass
class Vote:
    """One vote: outcome, unanimity and the counts that were said (None where not said)."""

    outcome: str                 # accepted | rejected | none
    unanimous: bool = False
    majority: bool = False       # "mehrheitlich" said or implied by counts
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    subject: str | None = None   # what was voted on, e.g. "Ergänzungsantrag" when said
    evidence: str = ""           # the sentence(s) the vote was read from

    @property
    def category(self) -> str:
        """unanimous | majority | rejected | none: the classes scored against Karlsruhe."""
        if self.outcome == NO_VOTE:
            return "none"
        if self.outcome == REJECTED:
            return "rejected"
        return "unanimous" if self.unanimous else "majority"

    def label(self, lang: str = "de") -> str:
        """The vote as the minutes print it: "einstimmig zugestimmt", "mehrheitlich zugestimmt
        (23 Ja-Stimmen, 5 Nein-Stimmen, 2 Enthaltungen)"."""
        text = prompts.text(f"meetings.vote.{self.category}", lang)
        counts = self.counts_text(lang)
        return prompts.text("meetings.vote.with_counts", lang, result=text, counts=counts) \
            if counts else text

    def counts_text(self, lang: str = "de") -> str:
        parts = []
        for key, value in (("yes", self.yes), ("no", self.no), ("abstain", self.abstain)):
            if value is not None:
                form = "zero" if value == 0 else "one" if value == 1 else "many"
                parts.append(prompts.text(f"meetings.vote.count_{key}_{form}", lang, n=value))
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["category"] = self.category
        return data


@dataclass
class Motion:
    """A motion put to the council: kind as said ("Antrag", "Änderungsantrag", ...) and text."""

    kind: str
    text: str
    by: str | None = None  # proposer (party or person) when said: "Antrag der CDU"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ItemOutcome:
    """What an agenda item produced: motions, the decision sentence and the votes."""

    motions: list[Motion] = field(default_factory=list)
    decision: str | None = None
    votes: list[Vote] = field(default_factory=list)

    @property
    def final_vote(self) -> Vote | None:
        """The vote on the main motion: in council practice the last one of the item."""
        return self.votes[-1] if self.votes else None

    def to_dict(self) -> dict[str, Any]:
        return {"motions": [m.to_dict() for m in self.motions], "decision": self.decision,
                "votes": [v.to_dict() for v in self.votes]}


# ---------------------------------------------------------------------------------------------
# patterns (applied to text whose number words were turned into digits)

_N = r"(\d{1,3})"
_YES = re.compile(_N + r"\s*(?:Ja-?\s*Stimmen|Ja-?Stimme|Jastimmen|Ja\b|Stimmen\s+dafür|Dafür-?Stimmen|"
                       r"Zustimmungen|Befürwort\w*|dafür\b|Stimmen\s+für)", re.I)
_NO = re.compile(_N + r"\s*(?:Nein-?\s*Stimmen|Nein-?Stimme|Neinstimmen|Nein\b|Gegenstimmen?|"
                      r"Stimmen\s+dagegen|dagegen\b|Ablehnungen)", re.I)
_ABSTAIN = re.compile(_N + r"\s*(?:Stimm)?[Ee]nthaltung(?:en)?", re.I)
_REST_YES = re.compile(r"\b(?:der\s+)?(?:Rest|ansonsten|übrigen|alle\s+anderen|sonst)\b[^.?!]{0,25}?"
                       r"\b(?:Ja|Zustimmung|dafür|zugestimmt|stimmen\s+zu)", re.I)
_REST_NO = re.compile(r"\b(?:der\s+)?(?:Rest|ansonsten|übrigen|alle\s+anderen)\b[^.?!]{0,25}?"
                      r"\b(?:Nein|dagegen|Ablehnung)", re.I)

# Unanimity said outright; safe anywhere in the text.
_UNANIMOUS = re.compile(
    r"\beinstimmig\w*|\bEinstimmigkeit\b|\beinmütig\w*|\bohne\s+Gegenstimmen?\b|"
    r"\b(?:stimm\w*|haben)\s+(?:Sie\s+|dem\s+|ihr\s+|auch\s+|so\s+|damit\s+)*alle\s+(?:\w+\s+){0,2}zu(?:gestimmt)?\b|"
    r"\balle\s+(?:\w+\s+){0,3}(?:zustimmen|zugestimmt)\b|\bnur\s+(?:gelbe|grüne)\s+Karte\w*|"
    r"\bsehe\s+(?:ich\s+)?keine\s+(?:Gegenstimme|Nein|Enthaltung|Gegenprobe)\w*|"
    r"\bSie\s+stimmen\s+dem\s+(?:\w+\s+){0,3}zu\b(?!\s*\?)|\bzücken\s+(?:\w+\s+){0,2}gelben?\s+Karte",
    re.I)
_CONCLUSION = re.compile(r"^\W*(?:Damit|Somit|Dann|Also|Das\s+ist|Das\s+war)\b", re.I)
# The chair's recorded finding: "stellt er fest, dass der Ausschuss der Vorlage zustimmt".
_FINDING = re.compile(r"\b(?:stellt\s+(?:er|sie|der\s+Vorsitzende|die\s+Vorsitzende)|stelle\s+(?:ich\s+)?)"
                      r"\s*fest,?\s+dass\b[^.?!]*\b(?:zustimmt|zustimmen|einverstanden|angenommen|beschlossen|"
                      r"zugestimmt)\b", re.I)
# Phrases that state a unanimous result only right after the vote was called.
_UNANIMOUS_WEAK = re.compile(
    r"\balle\s+(?:dafür|einverstanden)\b|\bkein(?:en)?\s+Widerspruch\b|"
    r"\b(?:Das|Dies)\s+ist\s+(?:dann\s+)?(?:so\s+)?beschlossen\b|\bIhre\s+(?:volle\s+)?Zustimmung\b|"
    r"\bstimmen\s+Sie\s+(?:\w+\s+){0,4}zu\b|\bstimmen\s+dem\s+(?:\w+\s+){0,3}zu\b|"
    r"\bso\s+(?:verabschiedet|beschlossen)\b|\bdass\b[^.?!]*\b(?:zustimmt|zustimmen)\b|"
    r"\b(?:ist|sind)\s+(?:\w+\s+){0,2}(?:Zustimmung|zugestimmt)\b",
    re.I)
_MAJORITY = re.compile(r"\bmehrheitlich\w*\s+(?:\w+\s+){0,2}(?:zugestimmt|beschlossen|angenommen|Zustimmung|"
                       r"befürwortet|so\s+beschlossen)|\bmehrheitliche\w*\s+(?:Zustimmung|Beschluss)|"
                       r"\b(?:mit|bei)\s+(?:\w+\s+){0,2}Mehrheit\s+(?:\w+\s+){0,3}(?:angenommen|beschlossen|zugestimmt)",
                       re.I)
_MAJORITY_WEAK = re.compile(r"\bmehrheitlich\w*|\b(?:eine|die|mit|bei)\s+(?:\w+\s+){0,2}Mehrheit\b", re.I)
_REJECTED = re.compile(r"\b(?:mehrheitlich|damit|einstimmig|ist|sind|wurde|wird)\s+(?:\w+\s+){0,2}abgelehnt\b|"
                       r"\b(?:mit|bei)\s+(?:\w+\s+){0,2}Mehrheit\s+abgelehnt\b|"
                       r"\bAblehnung\s+(?:festgestellt|beschlossen)\b", re.I)
_REJECTED_WEAK = re.compile(r"\babgelehnt\b|\bkeine\s+Mehrheit\b|\bnicht\s+(?:die\s+)?(?:erforderliche\s+)?"
                            r"Mehrheit\b|\bnicht\s+angenommen\b|\b(?:eindeutige|klare|deutliche|mehrheitliche)\s+"
                            r"Ablehnung\b", re.I)
_ACCEPTED = re.compile(r"\b(?:zugestimmt|angenommen|beschlossen|Zustimmung|verabschiedet|stimm\w*\s+(?:\w+\s+){0,3}zu)\b",
                       re.I)
_VOTE_CALL = re.compile(
    r"\bWer\s+(?:ist|stimmt)\s+(?:dafür|dagegen|zu)\b|\bKartenzeichen\b|\bHandzeichen\b|"
    r"\babstimmen\b|\bAbstimmung\b|\bzur\s+Abstimmung\b|\bstimmen\s+(?:wir\s+)?(?:jetzt\s+|nun\s+)?ab\b|"
    r"\bzur\s+Entscheidung\b|\bGegenstimmen\?|\bEnthaltungen\?|\bZustimmung\?|\bVotum\b|"
    r"\bKarten\b|\bAbstimmungsbereitschaft\b", re.I)

_Q_YES = re.compile(r"\bWer\s+(?:ist|stimmt)\s+(?:dafür|zu|für)\b|\bZustimmung\?|\bJa-?Stimmen\?|"
                    r"\bwer\s+möchte\s+zustimmen\b", re.I)
_Q_NO = re.compile(r"\bWer\s+(?:ist|stimmt)\s+dagegen\b|\bGegenstimmen\s*\?|\bNein-?Stimmen\s*\?|"
                   r"\bGegenprobe\b", re.I)
_Q_ABSTAIN = re.compile(r"\bEnthaltungen?\s*\?|\bWer\s+enthält\s+sich\b", re.I)
_NONE_ANSWER = re.compile(r"\b(?:keine?|niemand|0)\b", re.I)
_ALL_ANSWER = re.compile(r"\b(?:alle|einstimmig)\b", re.I)

_MOTION = re.compile(
    r"\b((?:Ergänzungs|Änderungs|Geschäftsordnungs|Gegen|Zusatz|Haushalts|Fraktions|Dringlichkeits)?"
    r"[Aa]ntrag|Beschlussvorschlag|Beschlussantrag|Beschlussvorlage|Antrag\s+zur\s+Geschäftsordnung)\b"
    r"(?:\s+(?:der|des|von)\s+(?P<by>(?:Fraktion\s+)?[A-ZÄÖÜ][\w/.-]*(?:\s+[A-ZÄÖÜ][\w.-]*)?))?")
# a motion is made or put, not merely mentioned ("Wir lehnen den Antrag ab")
_MOTION_MADE = re.compile(r"\b(?:stell\w*|beantrag\w*|lautet|liegt\b[^.?!]{0,30}\bvor|vorliegend\w*|"
                          r"eingebracht|"
                          r"(?:Beschlussvorschlag|Beschlussvorlage|Beschlussantrag)\s+(?:der|des|lautet|sieht)\b|"
                          r"schlägt\b[^.?!]{0,40}\bvor|schlagen\b[^.?!]{0,40}\bvor|"
                          r"Antrag\s+zur\s+Geschäftsordnung)", re.I)
_DECISION = re.compile(r"\b(?:Der|Die|Das)\s+(?:Gemeinderat|Stadtrat|Ausschuss|Kreistag|Ortschaftsrat|"
                       r"Gremium|Bezirksbeirat|\w*ausschuss)\s+(?:beschließt|beschliesst|stimmt|nimmt|"
                       r"beauftragt|beruft|wählt|genehmigt|ermächtigt|lehnt|bestellt|bestätigt|"
                       r"empfiehlt|billigt)\b[^.]*(?:\.|$)", re.I)

_SUBJECT = re.compile(
    r"\b((?:Ergänzungs|Änderungs|Geschäftsordnungs|Gegen|Zusatz|Haupt|Dringlichkeits)?[Aa]ntrag|"
    r"Beschlussvorschlag|Beschlussvorlage|Vorlage|Satzung\w*)\b"
    r"(?:\s+(?:der|des|von)\s+(?P<by>(?:Fraktion\s+)?[A-ZÄÖÜ][\w/.-]*))?")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\s+[-–]\s+|(?<=:)\s+(?=[A-ZÄÖÜ])")
# Intentions and reports are no votes: "sollten alle Fraktionen zustimmen", "Mehrheitlich wird
# die Fraktion den Antrag ablehnen", "der Ortschaftsrat hat einstimmig ...".
_INTENTION = re.compile(r"\b(?:wird|werden|sollte\w*|würde\w*|könnte\w*|wollen|will|müsste\w*)\b[^.?!]*"
                        r"\b(?:zustimmen|ablehnen|stimmen)\b", re.I)
_OTHER_BODY = re.compile(r"\b(?:Ortschaftsrat\w*|\w*[Aa]usschuss\w*|Schulkonferenz|\w*[Bb]eirat\w*|"
                         r"Fraktion\w*|Kommission|Aufsichtsrat\w*|Landtag\w*|Bundestag\w*|Kreistag\w*|"
                         r"Verwaltungsrat\w*|Gremien)\b", re.I)


def sentences(text: str) -> list[str]:
    """Sentences and the dash-separated parts chairs use between question and answer."""
    return [s.strip() for s in _SENTENCES.split(" ".join(text.split())) if s and s.strip()]


_ASR_FIXES = [
    # whisper splits or respells the vote words
    (re.compile(r"\bgegen\s*-?\s*stimme(n?)\b", re.I), r"Gegenstimme\1"),
    (re.compile(r"\bja\s*-?\s*stimme(n?)\b", re.I), r"Ja-Stimme\1"),
    (re.compile(r"\bnein\s*-?\s*stimme(n?)\b", re.I), r"Nein-Stimme\1"),
    (re.compile(r"\bstimm\s*-?\s*enthaltung", re.I), "Stimmenthaltung"),
    (re.compile(r"\bWir\s+ist\s+(dafür|dagegen)\b"), r"Wer ist \1"),
]


def normalize_asr(text: str) -> str:
    """Undo the usual ASR spellings of vote words ("gegen Stimmen" -> "Gegenstimmen")."""
    for pattern, replacement in _ASR_FIXES:
        text = pattern.sub(replacement, text)
    return text


_KW_TOKEN = re.compile(
    r"(?P<yes>Ja-Stimmen|Ja-Stimme|Jastimmen|Zustimmungen|Stimmen\s+dafür|Wer\s+(?:ist|stimmt)\s+dafür)|"
    r"(?P<no>Nein-Stimmen|Nein-Stimme|Neinstimmen|Gegenstimmen|Gegenstimme|Ablehnungen|Wer\s+(?:ist|stimmt)\s+dagegen)|"
    r"(?P<abstain>(?:Stimm)?[Ee]nthaltungen|(?:Stimm)?[Ee]nthaltung|Wer\s+enthält\s+sich)", re.I)
_COUNT_TOKEN = re.compile(r"\b(?P<n>\d{1,3})\b(?![.,]\d)|\b(?P<zero>keine?|niemand)\b", re.I)


def _keyword_first_counts(digits: str) -> tuple[int | None, int | None, int | None] | None:
    """Counts said after their vote word, as in a call sequence whose punctuation ASR dropped:
    "Gegenstimmen, drei, Enthaltungen, keine". Only when the first vote token is a keyword and
    the text ends on a count; each keyword takes a count within three words after it."""
    tokens = []
    for match in _KW_TOKEN.finditer(digits):
        kind = next(k for k in ("yes", "no", "abstain") if match.group(k))
        tokens.append((match.start(), match.end(), "kw", kind))
    for match in _COUNT_TOKEN.finditer(digits):
        value = 0 if match.group("zero") else int(match.group("n"))
        tokens.append((match.start(), match.end(), "n", value))
    tokens.sort()
    # drop counts inside keywords' spans and "keine" directly before a keyword (count-first)
    if len(tokens) < 2 or tokens[0][2] != "kw" or tokens[-1][2] != "n":
        return None
    result: dict[str, int | None] = {}
    for i, (start, end, typ, value) in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if typ == "kw" and nxt[2] == "n" and len(digits[end:nxt[0]].split()) <= 3:
            result.setdefault(value, nxt[3])
    if not result or any(k not in ("yes", "no", "abstain") for k in result):
        return None
    return result.get("yes"), result.get("no"), result.get("abstain")


def parse_counts(text: str) -> tuple[int | None, int | None, int | None]:
    """(yes, no, abstain) said in `text`; None where a count is not said. Counts come before
    their word ("3 Gegenstimmen") or, in a call sequence, after it ("Gegenstimmen? Drei.")."""
    text = normalize_asr(text)
    digits = number_words_to_digits(text)
    keyword_first = _keyword_first_counts(digits)
    if keyword_first is not None:
        return keyword_first
    found = []
    for pattern in (_YES, _NO, _ABSTAIN):
        match = pattern.search(digits)
        found.append(int(match.group(1)) if match else None)
    if found[1] is None and re.search(r"\bkeine?\s+(?:Gegenstimmen?|Nein-?Stimmen?)\b", text, re.I):
        found[1] = 0
    if found[2] is None and re.search(r"\bkeine?\s+(?:Stimm)?[Ee]nthaltung", text, re.I):
        found[2] = 0
    return found[0], found[1], found[2]


def _answer_count(answer: str) -> int | None:
    """The count in a reply to "Gegenstimmen?": "Keine." -> 0, "Zwei." -> 2, "3 Stimmen" -> 3."""
    for word in answer.split()[:4]:
        value = cardinal(word)
        if value is not None:
            return value
    if _NONE_ANSWER.search(answer):
        return 0
    return None


def vote_from_sequence(parts: list[str]) -> Vote | None:
    """A vote from a call sequence: "Wer ist dafür? - 23. Gegenstimmen? - Keine. Enthaltungen? -
    Zwei." Each question's count is in the next part (or after the question mark)."""
    counts: dict[str, int | None] = {}
    evidence: list[str] = []
    for index, part in enumerate(parts):
        for key, pattern in (("yes", _Q_YES), ("no", _Q_NO), ("abstain", _Q_ABSTAIN)):
            if pattern.search(part) and key not in counts:
                tail = part[part.find("?") + 1:].strip() if "?" in part else ""
                answer = tail or (parts[index + 1] if index + 1 < len(parts) else "")
                if any(p.search(answer) for p in (_Q_YES, _Q_NO, _Q_ABSTAIN)):
                    answer = ""
                counts[key] = _answer_count(answer) if answer else None
                if key == "yes" and counts[key] is None and _ALL_ANSWER.search(answer):
                    counts["all"] = 1
                evidence.append(part if not answer or answer in part else f"{part} {answer}")
    if "no" not in counts and "abstain" not in counts:
        return None
    yes, no, abstain = counts.get("yes"), counts.get("no"), counts.get("abstain")
    if None in (yes, no, abstain):  # answers ASR ran into the questions: "dagegen 4 Enthaltungen keine"
        said = parse_counts(" ".join(parts))
        yes, no, abstain = (a if a is not None else b for a, b in zip((yes, no, abstain), said))
    text = " ".join(evidence)
    rejected = bool(_REJECTED.search(" ".join(parts)))
    unanimous = (no in (0, None) and abstain in (0, None) and (no == 0 or abstain == 0)) and not rejected
    if yes is not None and no is not None and no > yes:
        rejected = True
        unanimous = False
    return Vote(outcome=REJECTED if rejected else ACCEPTED, unanimous=unanimous,
                majority=not unanimous and not rejected, yes=yes, no=no, abstain=abstain,
                evidence=text)


def vote_from_sentence(sentence: str, called: bool = False) -> Vote | None:
    """A vote stated in one sentence ("Bei 3 Gegenstimmen und 2 Enthaltungen mehrheitlich
    zugestimmt.", "Dem stimmen Sie alle zu."). `called`: the chair has just asked for the vote,
    so weaker phrasings ("Kein Widerspruch.", "Das ist die Mehrheit.") also count; elsewhere in
    a debate they are ordinary speech ("wenn Anträge keine Mehrheit finden")."""
    if _FINDING.search(sentence):
        if not (_MAJORITY_WEAK.search(sentence) or _REJECTED_WEAK.search(sentence)
                or any(v for v in parse_counts(sentence))):
            return Vote(ACCEPTED, unanimous=True, evidence=sentence)
        called = True
    if _INTENTION.search(sentence):
        return None
    if _OTHER_BODY.search(sentence) and not _CONCLUSION.match(sentence):
        return None  # a report about another body's vote, not this one's
    if sentence.startswith("("):
        return None  # an interjection noted by the clerk, not the chair's statement
    yes, no, abstain = parse_counts(sentence)
    counted = [v for v in (yes, no, abstain) if v is not None]
    has_counts = bool(counted) and bool(re.search(r"Stimm|Enthaltung|Ablehnung", sentence, re.I))
    rest_yes = bool(_REST_YES.search(sentence))
    rest_no = bool(_REST_NO.search(sentence))
    unanimous = bool(_UNANIMOUS.search(sentence)) or (called and bool(_UNANIMOUS_WEAK.search(sentence)))
    majority = bool(_MAJORITY.search(sentence)) or (called and bool(_MAJORITY_WEAK.search(sentence)))
    rejected = bool(_REJECTED.search(sentence)) or (called and bool(_REJECTED_WEAK.search(sentence)))
    if has_counts and not called and not (unanimous or majority or rejected or rest_yes or rest_no
                                          or _ACCEPTED.search(sentence)):
        has_counts = False  # "mit 3 Nein-Stimmen im Ausschuss" in a speech is no vote here
    if not (has_counts or unanimous or majority or rejected or rest_yes or rest_no):
        return None
    if rest_no and not rest_yes:
        rejected = True
    if yes is not None and no is not None and not (rejected or majority or unanimous):
        rejected = no > yes
    if rejected:
        return Vote(REJECTED, yes=yes, no=no, abstain=abstain,
                    majority=bool(_MAJORITY_WEAK.search(sentence)), evidence=sentence)
    if unanimous and not majority and not (no or 0) and not (abstain or 0):
        return Vote(ACCEPTED, unanimous=True, yes=yes, no=no, abstain=abstain, evidence=sentence)
    if (no or 0) > 0 or (abstain or 0) > 0 or majority or rest_yes:
        return Vote(ACCEPTED, majority=True, yes=yes, no=no, abstain=abstain, evidence=sentence)
    return Vote(ACCEPTED, unanimous=True, yes=yes, no=no, abstain=abstain, evidence=sentence)


_CALL_WINDOW = 4  # sentences after a vote call in which the result is expected


def find_votes(text: str) -> list[Vote]:
    """Every vote stated in `text`, in order. A call sequence ("Wer ist dafür? ...
    Enthaltungen? - Keine.") counts as one vote; so do consecutive sentences that state one."""
    parts = sentences(normalize_asr(text))
    votes: list[Vote] = []
    index = 0
    window_until = -1
    while index < len(parts):
        part = parts[index]
        if _VOTE_CALL.search(part):
            window_until = index + _CALL_WINDOW
        if _Q_YES.search(part) or _Q_NO.search(part) or _Q_ABSTAIN.search(part):
            window = parts[index: index + 8]
            end = _sequence_end(window)
            vote = vote_from_sequence(window[:end])
            if vote is not None:
                conclusion = " ".join(window[:end])
                if _REJECTED.search(conclusion) or _REJECTED_WEAK.search(conclusion):
                    vote.outcome, vote.unanimous, vote.majority = REJECTED, False, False
                elif not (vote.no or vote.abstain) and (_UNANIMOUS.search(conclusion)
                                                        and not _MAJORITY_WEAK.search(conclusion)):
                    vote.unanimous, vote.majority = True, False
                elif _MAJORITY_WEAK.search(conclusion):
                    vote.unanimous, vote.majority = False, True
                vote.subject = _subject(parts, index)
                votes.append(vote)
                index += end
                continue
        vote = vote_from_sentence(part, called=index <= window_until)
        if vote is not None:
            vote.subject = _subject(parts, index)
            if votes and _continues(votes[-1], vote, parts, index):
                votes[-1] = _merge(votes[-1], vote)
            else:
                votes.append(vote)
        index += 1
    return votes


def _subject(parts: list[str], index: int) -> str | None:
    """What a vote at parts[index] is on: the nearest motion named in it or the two parts
    before ("Abstimmung über den Änderungsantrag der Grünen: ...")."""
    for part in (parts[index], *reversed(parts[max(0, index - 2): index])):
        matches = list(_SUBJECT.finditer(part))
        if matches:
            with_by = [m for m in matches if m.group("by")]
            match = (with_by or matches)[-1]
            kind = match.group(1)
            kind = kind[:1].upper() + kind[1:]
            return f"{kind} {match.group(0)[len(match.group(1)):].strip()}".strip()
    return None


def _sequence_end(window: list[str]) -> int:
    """How many parts a call sequence spans: through the answer to the last question asked."""
    last_question = 0
    for i, part in enumerate(window):
        if i - last_question > 2:
            break  # questions further apart belong to the next vote
        if _Q_YES.search(part) or _Q_NO.search(part) or _Q_ABSTAIN.search(part):
            last_question = i
    end = min(len(window), last_question + 2)
    # a closing statement ("Damit ist das einstimmig beschlossen.") belongs to the sequence
    if end < len(window) and (_UNANIMOUS.search(window[end]) or _MAJORITY.search(window[end])
                              or _REJECTED.search(window[end])):
        end += 1
    return end


def _continues(previous: Vote, current: Vote, parts: list[str], index: int) -> bool:
    """Whether `current` continues `previous`: the chair lists counts over a few sentences
    ("9 Nein-Stimmen, 2 Enthaltungen. ... Dann müssen es 32 Zustimmungen sein.") or restates
    them ("Damit mehrheitlich zugestimmt."). True when `previous` was stated within the last
    three sentences and no count is said twice."""
    recent = " ".join(parts[max(0, index - 3): index])
    if not previous.evidence or previous.evidence.split(" ")[-1] not in recent:
        return False
    before = (previous.yes, previous.no, previous.abstain)
    now = (current.yes, current.no, current.abstain)
    if not all(a is None or b is None for a, b in zip(before, now)):
        return False  # a count said twice: a second vote
    has_before, has_now = any(v is not None for v in before), any(v is not None for v in now)
    if has_before and has_now:
        return True   # counts listed over several sentences
    if has_before:    # "27 Nein-Stimmen, ... Damit mehrheitlich abgelehnt." restates the result
        return current.category != "unanimous"
    if has_now:       # "Mehrheitlich angenommen. 3 Gegenstimmen."
        return previous.category != "unanimous"
    return False


def _merge(first: Vote, second: Vote) -> Vote:
    yes = first.yes if first.yes is not None else second.yes
    no = first.no if first.no is not None else second.no
    abstain = first.abstain if first.abstain is not None else second.abstain
    outcome = second.outcome if second.outcome != NO_VOTE else first.outcome  # the conclusion wins
    unanimous = outcome == ACCEPTED and first.unanimous and second.unanimous
    return Vote(outcome, unanimous=unanimous, majority=outcome == ACCEPTED and not unanimous,
                yes=yes, no=no, abstain=abstain, subject=first.subject or second.subject,
                evidence=f"{first.evidence} {second.evidence}")


def find_motions(text: str, limit: int = 5) -> list[Motion]:
    """Motions put in `text` (the sentence that makes or presents them: "stellt den Antrag",
    "Der Beschlussvorschlag lautet", "Antrag der SPD"), at most `limit`, in spoken order."""
    motions: list[Motion] = []
    seen: set[str] = set()
    for sentence in sentences(text):
        match = _MOTION.search(sentence)
        if not match or len(sentence) < 20 or not _MOTION_MADE.search(sentence):
            continue
        key = sentence.lower()
        if key in seen:
            continue
        seen.add(key)
        kind = match.group(1)
        kind = kind[:1].upper() + kind[1:]
        if re.search(r"Antrag\s+auf\s+Schluss|Geschäftsordnung", sentence):
            kind = "Geschäftsordnungsantrag"
        by = match.group("by")
        if any(m.kind == kind and m.by == by for m in motions):
            continue  # the same motion again: the first presentation stands
        motions.append(Motion(kind=kind, text=sentence, by=by))
    return motions[:limit]


def find_decision(text: str) -> str | None:
    """The decision sentence ("Der Gemeinderat beschließt ..."), the last one said."""
    matches = list(_DECISION.finditer(" ".join(text.split())))
    return matches[-1].group(0).strip() if matches else None


def analyze(text: str) -> ItemOutcome:
    """Motions, decision and votes of one agenda item's text."""
    return ItemOutcome(motions=find_motions(text), decision=find_decision(text),
                       votes=find_votes(text))


def final_vote(text: str) -> Vote:
    """The vote on the item's main motion, or a `none` vote when none was taken."""
    votes = find_votes(text)
    if votes:
        return votes[-1]
    return Vote(NO_VOTE, evidence="")


# ---------------------------------------------------------------------------------------------
# evaluation on the Karlsruhe minutes

@dataclass
class KarlsruheItem:
    """One minutes file split for evaluation: `text` excludes the Abstimmungsergebnis block."""

    file: str
    truth_text: str
    text: str
    truth: Vote | None   # None when the truth line holds several votes or is not a vote result


_RESULT_HEAD = re.compile(r"^\s*Abstimmungsergebnis\s*:?\s*$", re.M)
_END_MARK = re.compile(r"^\s*Zur Beurkundung", re.M)


def dehyphenate(text: str) -> str:
    """Join words the PDF layout broke at line ends ("Zustim-\nmung" -> "Zustimmung"), but keep
    "Natur- und Artenschutz"."""
    text = re.sub(r"(\w)-[ \t]*\n\s*(?:- \d+ -\s*)?(?!(?:und|oder|bzw|sowie)\b)([a-zäöüß])", r"\1\2", text)
    return text


def split_karlsruhe(text: str) -> tuple[str, str] | None:
    """(truth block, text without it) for a minutes file with exactly one result block."""
    heads = list(_RESULT_HEAD.finditer(text))
    if len(heads) != 1:
        return None
    head = heads[0]
    rest = text[head.end():]
    # the result block: the lines up to the first blank line after some content
    lines = rest.split("\n")
    block: list[str] = []
    consumed = 0
    for line in lines:
        consumed += len(line) + 1
        if line.strip():
            block.append(line.strip())
        elif block:
            break
    body = dehyphenate(text[: head.start()] + "\n" + rest[consumed:])
    end = _END_MARK.search(body)
    if end:
        body = body[: end.start()]
    return "\n".join(block), body


def parse_truth(block: str) -> Vote | None:
    """The vote stated by an Abstimmungsergebnis block; None for multi-vote or other blocks.

    Rules: "keine Abstimmung" and "Kenntnisnahme" -> none; "einstimmig" -> unanimous;
    "abgelehnt" -> rejected; "mehrheitlich", a count of Nein-Stimmen/Enthaltungen or a "Rest
    Zustimmung" clause -> majority. Blocks with several results (one per Vorlage, "Punkt 1:",
    "Wahlgang") and blocks that say only "zugestimmt"/"Zustimmung" are left out.
    """
    lines = [line for line in block.split("\n") if line.strip()]
    if not lines:
        return None
    if len(lines) > 1 or re.match(r"^\s*(Vorlage|Punkt|TOP|\d+\.\s*Wahlgang)", lines[0]):
        return None
    line = re.sub(r"^\s*(Beschlussvorlage|Antrag|Ergänzungsantrag)\s*:\s*", "", lines[0])
    low = line.lower()
    if "keine abstimmung" in low or low.strip(" .") == "kenntnisnahme":
        return Vote(NO_VOTE, evidence=line)
    yes, no, abstain = parse_counts(line)
    if "einstimmig" in low:
        return Vote(ACCEPTED, unanimous=True, yes=yes, no=no, abstain=abstain, evidence=line)
    if "abgelehnt" in low:
        return Vote(REJECTED, yes=yes, no=no, abstain=abstain, evidence=line)
    if "mehrheitlich" in low or (no or 0) > 0 or (abstain or 0) > 0 or re.search(
            r"\b(rest|ansonsten)\b", low):
        return Vote(ACCEPTED, majority=True, yes=yes, no=no, abstain=abstain, evidence=line)
    return None


def karlsruhe_items(directory: str | Path) -> Iterable[KarlsruheItem]:
    for path in sorted(Path(directory).glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        split = split_karlsruhe(text)
        if split is None:
            continue
        block, body = split
        yield KarlsruheItem(file=path.name, truth_text=block, text=body, truth=parse_truth(block))


def evaluate_karlsruhe(directory: str | Path) -> dict[str, Any]:
    """Accuracy of the vote rules on the Karlsruhe minutes.

    Input per file: the whole minutes text of the item except its Abstimmungsergebnis block
    (header, Beschluss text, the chair's and councillors' words). Truth: that block, parsed by
    `parse_truth`. Scored: the category (unanimous / majority / rejected / none) of the last vote
    found, and, where the truth states counts, whether the counts found equal them.
    """
    files = with_block = scored = correct = 0
    counts_total = counts_correct = 0
    confusion: dict[str, dict[str, int]] = {}
    errors: list[dict[str, str]] = []
    for path in Path(directory).glob("*.txt"):
        files += 1
    for item in karlsruhe_items(directory):
        with_block += 1
        if item.truth is None:
            continue
        scored += 1
        predicted = final_vote(item.text)
        truth_cat, pred_cat = item.truth.category, predicted.category
        confusion.setdefault(truth_cat, {}).setdefault(pred_cat, 0)
        confusion[truth_cat][pred_cat] += 1
        if truth_cat == pred_cat:
            correct += 1
        else:
            errors.append({"file": item.file, "truth": item.truth_text, "predicted": pred_cat,
                           "evidence": predicted.evidence[:200]})
        truth_counts = (item.truth.yes, item.truth.no, item.truth.abstain)
        if any(v is not None for v in truth_counts):
            counts_total += 1
            found = (predicted.yes, predicted.no, predicted.abstain)
            if all(t is None or t == f for t, f in zip(truth_counts, found)):
                counts_correct += 1
    return {
        "files": files,
        "with_result_block": with_block,
        "scored": scored,
        "skipped_multi_or_unclear": with_block - scored,
        "correct": correct,
        "accuracy": round(correct / scored, 4) if scored else None,
        "with_counts": counts_total,
        "counts_correct": counts_correct,
        "counts_accuracy": round(counts_correct / counts_total, 4) if counts_total else None,
        "confusion": confusion,
        "errors": errors,
    }
