"""Find where the chair moves to the next agenda item, and give each utterance its item.

Chairs announce items in a few fixed ways ("Wir kommen zu Tagesordnungspunkt 4", "Punkt 5 der
Tagesordnung", "TOP 6", "Ich rufe auf Punkt sieben", "Der Vorsitzende ruft Tagesordnungspunkt 12
zur Behandlung auf"). Only such announcements count: a speaker referring to "Punkt 10 der
Vorlage" in the debate must not move the meeting on. The utterance holding an announcement is
split there, because the chair typically closes the previous item ("Das ist einstimmig so
beschlossen.") and opens the next one in the same breath, and the vote belongs to the former.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import prompts
from meetings.agenda import Agenda, AgendaItem, normalize_number
from meetings.spoken_numbers import number_words_to_digits, ordinal
from meetings.transcript import MeetingTranscript, TimedWord, Utterance

_NUM = r"(\d{1,3}(?:\s*(?:\.|,|Punkt)\s*\d{1,2}(?!\d))?[a-z]?)\b"
# "Punkt 4 der Vorlage", "Punkt 2 meiner Anmerkungen": a point of something else
_NOT_AGENDA = r"(?!\s+(?:der|des|meine[rsn]?|unsere[rsn]?|Ihre[rsn]?|seine[rsn]?|ihre[rsn]?|in|im|aus)\b" \
              r"(?!\s+(?:heutigen\s+)?Tagesordnung))"
_ITEM_WORD = r"(?:Tagesordnungspunkte?|Top|TOP|Punkt|TO-Punkt)"

_CUES = [
    # "Wir kommen (jetzt) zu(m) Tagesordnungspunkt 4", "kommen wir zu TOP 4", "gehen über zu Punkt 4"
    re.compile(r"\b(?:komm\w*|gehen|geht|wechseln)\b[^.?!]{0,40}?\b(?:zu[mr]?|über\s+zu[mr]?|weiter\s+mit)"
               r"\s+(?:dem\s+|der\s+)?" + _ITEM_WORD + r"\s*(?:Nummer\s+|Nr\.\s*)?" + _NUM + _NOT_AGENDA, re.I),
    # "Ich rufe auf Punkt 7", "ich rufe Tagesordnungspunkt 4 auf", "ruft TOP 12 zur Behandlung auf"
    re.compile(r"\b(?:rufe|ruft|aufrufen|aufgerufen|Aufruf)\b[^.?!]{0,30}?" + _ITEM_WORD
               + r"\s*(?:Nummer\s+|Nr\.\s*)?" + _NUM + _NOT_AGENDA, re.I),
    # "Punkt 5 der Tagesordnung", "TOP 5 unserer Tagesordnung"
    re.compile(_ITEM_WORD + r"\s*" + _NUM + r"\s+(?:der|unserer|auf\s+der)\s+Tagesordnung", re.I),
    # a heading-like sentence: "TOP 6: Sanierung ...", "Tagesordnungspunkt 6." (not "TOP 6 haben
    # wir im Ausschuss besprochen", a reference in the debate)
    re.compile(r"(?:^|[.!?:]\s+)(?:Nun\s+|Jetzt\s+|Dann\s+)?(?:zu\s+)?(?:TOP|Tagesordnungspunkt)\s*" + _NUM
               + r"(?=\s*(?:[:,.;–-]|$))", re.I),
]
# "Wir kommen zum vierten Tagesordnungspunkt"
_ORDINAL_CUE = re.compile(r"\b(?:komm\w*|gehen|geht|rufe)\b[^.?!]{0,30}?\bzu[mr]?\s+(\w+)\s+"
                          r"(?:Tagesordnungspunkt|Punkt\s+der\s+Tagesordnung)", re.I)
_LATER = re.compile(r"\b(?:später|nachher|nachdem|wenn|sobald|zurück|morgen|nächste[nrs]?\s+Sitzung)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Transition:
    """An announcement of agenda item `number` in segment `segment` at `time` seconds."""

    segment: int
    time: float
    number: str
    sentence: str      # the announcing sentence, as spoken
    offset: int        # character offset of that sentence in the segment text
    title_hint: str | None = None  # words after the number, e.g. "Bebauungsplan Nordstadt"


_ASR_FIXES = [
    (re.compile(r"\bTages\s*-?\s*ordnungs\s*-?\s*punkt", re.I), "Tagesordnungspunkt"),
]


def find_announcements(text: str) -> list[tuple[int, str, str | None]]:
    """(sentence offset, item number, title hint) for each agenda announcement in `text`."""
    found: list[tuple[int, str, str | None]] = []
    position = 0
    for sentence in _SENTENCE_END.split(text):
        offset = text.find(sentence, position)
        position = offset + len(sentence)
        for pattern, replacement in _ASR_FIXES:  # "Tages-Ordnungspunkt" from ASR
            sentence = pattern.sub(replacement, sentence)
        digits = number_words_to_digits(sentence)
        number, hint = None, None
        for cue in _CUES:
            match = cue.search(digits)
            if match and _LATER.search(digits[match.start():match.end() + 20]):
                continue  # "Wir kommen später zu Punkt 7", "... bei Punkt 7 darauf zurück"
            if match:
                number = _clean_number(match.group(1))
                hint = _title_hint(digits[match.end():])
                break
        if number is None:
            match = _ORDINAL_CUE.search(sentence)
            if match and ordinal(match.group(1)) is not None:
                number = str(ordinal(match.group(1)))
                hint = _title_hint(sentence[match.end():])
        if number is not None:
            found.append((offset, number, hint))
    return found


def _clean_number(raw: str) -> str:
    return normalize_number(re.sub(r"\s*(?:,|Punkt)\s*", ".", raw.replace(" ", "")))


def _title_hint(rest: str) -> str | None:
    """Words naming the item right after its number: "Punkt 4, Bebauungsplan Nordstadt."."""
    rest = re.sub(r"^\s*(?:der\s+Tagesordnung|auf|zur\s+Behandlung\s+auf)\b", "", rest.strip(),
                  flags=re.I)
    rest = rest.strip(" ,:;-–")
    rest = re.split(r"[.!?]", rest, maxsplit=1)[0].strip()
    if not rest or len(rest.split()) > 12:
        return None
    return rest[:1].upper() + rest[1:]


# "Wir kommen (jetzt) zum Bebauungsplan Nordstadt", "Nächster Punkt: Haushalt 2025"
_TITLE_CUE = re.compile(r"\b(?:(?:wir\s+kommen|kommen\s+wir)\s+(?:\w+\s+){0,2}(?:zu[mr]?|zu\s+de[mnr])|"
                        r"nächste[rn]?\s+(?:Tagesordnungs)?punkt\w*\s*(?:ist)?:?|"
                        r"(?:rufe|ruft)\s+(?:\w+\s+){0,2}auf\s*:?)\s+(?P<rest>.+)", re.I)
_STOP = {"der", "die", "das", "und", "oder", "für", "von", "zur", "zum", "den", "dem", "des", "mit",
         "auf", "bei", "ein", "eine", "einer", "über", "nach", "sowie", "jetzt", "nun", "dann"}


def _content_stems(text: str) -> set[str]:
    """Crude German stems (first six letters) of the content words of a title or sentence."""
    words = re.findall(r"[A-Za-zÄÖÜäöüß]{4,}", text.lower())
    return {w[:6] for w in words if w not in _STOP}


def find_title_announcements(text: str, agenda: Agenda) -> list[tuple[int, str, str | None]]:
    """Announcements by title instead of number ("Wir kommen zum Bebauungsplan Nordstadt"): a
    calling phrase followed by most content words of exactly one agenda title."""
    found: list[tuple[int, str, str | None]] = []
    position = 0
    for sentence in _SENTENCE_END.split(text):
        offset = text.find(sentence, position)
        position = offset + len(sentence)
        match = _TITLE_CUE.search(sentence)
        if not match:
            continue
        said = _content_stems(match.group("rest"))
        best: list[tuple[float, AgendaItem]] = []
        for item in agenda.items:
            title = _content_stems(item.title)
            if not title or not item.number:
                continue
            shared = len(title & said)
            if shared < min(2, len(title)):
                continue
            best.append((shared / len(title), item))
        best.sort(key=lambda pair: pair[0], reverse=True)
        if best and best[0][0] >= 0.6 and (len(best) == 1 or best[1][0] < best[0][0]):
            found.append((offset, best[0][1].number, None))
    return found


def detect_transitions(transcript: MeetingTranscript, agenda: Agenda | None = None) -> list[Transition]:
    """Announcements in time order. With an agenda, numbers it does not hold are ignored (a
    "10.1" falls back to "10"), and an item announced again right after itself is kept once."""
    transitions: list[Transition] = []
    for index, seg in enumerate(transcript.segments):
        found = find_announcements(seg.text)
        if agenda is not None and len(agenda):
            numbered = {offset for offset, _, _ in found}
            found += [f for f in find_title_announcements(seg.text, agenda) if f[0] not in numbered]
            found.sort()
        for offset, number, hint in found:
            if agenda is not None and len(agenda):
                item = agenda.find(number) or agenda.find(number.split(".")[0])
                if item is None:
                    continue
                number = item.number
            if transitions and transitions[-1].number == number:
                continue
            time = _time_at(seg, offset)
            sentence = _SENTENCE_END.split(seg.text[offset:], maxsplit=1)[0]
            transitions.append(Transition(index, time, number, sentence, offset, hint))
    return transitions


def _time_at(seg: Utterance, offset: int) -> float:
    """Start time of the word at character `offset` (proportional when there are no words)."""
    if offset <= 0 or not seg.text:
        return seg.start
    if seg.words:
        count = len(seg.text[:offset].split())
        if count < len(seg.words):
            return seg.words[count].start
        return seg.words[-1].start
    return seg.start + (seg.end - seg.start) * offset / len(seg.text)


def _split(seg: Utterance, offset: int) -> tuple[Utterance, Utterance]:
    """Cut an utterance before character `offset`; words go with the text they spell."""
    head_text, tail_text = seg.text[:offset].rstrip(), seg.text[offset:].lstrip()
    cut_time = _time_at(seg, offset)
    count = len(head_text.split())
    head_words: list[TimedWord] = seg.words[:count] if seg.words else []
    tail_words: list[TimedWord] = seg.words[count:] if seg.words else []
    head = replace(seg, end=head_words[-1].end if head_words else cut_time, text=head_text,
                   words=head_words)
    tail = replace(seg, start=cut_time, text=tail_text, words=tail_words)
    return head, tail


def assign_agenda_items(transcript: MeetingTranscript,
                        agenda: Agenda | None = None) -> tuple[MeetingTranscript, Agenda]:
    """A copy of the transcript whose utterances carry `agenda_item` (None before the first
    announcement), and the agenda: the given one, or one built from the announcements."""
    transitions = detect_transitions(transcript, agenda)
    by_segment: dict[int, list[Transition]] = {}
    for tr in transitions:
        by_segment.setdefault(tr.segment, []).append(tr)
    segments: list[Utterance] = []
    current: str | None = None
    for index, seg in enumerate(transcript.segments):
        pieces: list[tuple[Utterance, str | None]] = []
        rest, consumed = seg, 0
        for tr in by_segment.get(index, []):
            local = tr.offset - consumed
            if local > 0 and rest.text[:local].strip():
                head, rest = _split(rest, local)
                consumed = tr.offset
                pieces.append((head, current))
            current = tr.number
        pieces.append((rest, current))
        for piece, number in pieces:
            segments.append(replace(piece, agenda_item=number))
    result = replace(transcript, segments=segments)
    if agenda is None or not len(agenda):
        agenda = _agenda_from_transitions(transitions)
    return result, agenda


def _agenda_from_transitions(transitions: list[Transition]) -> Agenda:
    items: list[AgendaItem] = []
    seen: set[str] = set()
    for tr in transitions:
        if tr.number in seen:
            continue
        seen.add(tr.number)
        title = tr.title_hint or prompts.text("meetings.item_untitled", number=tr.number)
        items.append(AgendaItem(number=tr.number, title=title))
    return Agenda(items=items)


def evaluate_karlsruhe_announcements(folder: Path) -> dict:
    """Recall of item announcements on the Karlsruhe minutes: each file opens its item with
    "Der Vorsitzende ruft Tagesordnungspunkt N ... auf"; its header "Punkt N der Tagesordnung"
    is the truth. Files without such a sentence are not counted."""
    from meetings.evaluation.karlsruhe import dehyphenate

    found = total = 0
    for path in sorted(Path(folder).glob("*.txt")):
        text = dehyphenate(path.read_text(encoding="utf-8"))
        header = re.search(r"Punkt (\d+(?:\.\d+)?) der Tagesordnung", text)
        if not header:
            continue
        body = " ".join(text[header.end():].split())
        if not re.search(r"ruft\s+(?:den\s+)?Tagesordnungspunkt", body):
            continue
        total += 1
        found += header.group(1) in [n for _, n, _ in find_announcements(body)]
    return {"items": total, "found": found, "recall": round(found / total, 4) if total else None}
