"""Draft minutes (Niederschrift) from a speaker-attributed transcript.

The structure follows the published minutes of German councils (the Karlsruhe Niederschriften):
a header (Gremium, Termin, Ort, Vorsitz, attendance), then per agenda item "Punkt N der
Tagesordnung: Title", the motion, the decision (Beschluss), the vote (Abstimmungsergebnis) and
the debate with named speakers. Everything in the draft is extracted from what was said (key
sentences per speaker, the chair's vote statements); nothing is invented. An optional language
model may add a summary per item; when it is off or fails, the extract stands alone.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Callable

import prompts
from meetings.agenda import Agenda, AgendaItem
from meetings.members import Member
from meetings.transcript import MeetingTranscript, Utterance
from meetings.transitions import assign_agenda_items
from meetings.votes import Motion, Vote, analyze

# (number, title, text) -> summary or None; any exception means "no summary"
Summarizer = Callable[[str, str, str], "str | None"]

_SPEAKER_LABEL = re.compile(r"^(?:SPEAKER|SPK|spk|speaker)[_ -]?(\d+)$")
_CHAIR_ROLE = re.compile(r"vorsitz|bürgermeister|oberbürgermeister|landrat|ortsvorsteher|präsident",
                         re.I)
_FILLER = re.compile(r"^(?:ja|nein|danke|vielen dank|gut|okay|ok|genau|bitte|so|also|äh|ähm|hm|"
                     r"danke schön|dankeschön|herzlichen dank)[.!?,]*$", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass
class MeetingMeta:
    """What the minutes header says about the meeting; missing fields come from the agenda."""

    title: str | None = None    # e.g. "52. Plenarsitzung Gemeinderat"
    body: str | None = None     # Gremium, e.g. "Gemeinderat"
    date: str | None = None     # as it should be printed, or ISO
    place: str | None = None
    chair: str | None = None
    file_id: str = "meeting"    # recording id used in RTTM / OParl ids

    def __post_init__(self) -> None:
        # callers pass the store's integer meeting id; RTTM and OParl need text without spaces
        self.file_id = str(self.file_id if self.file_id not in (None, "") else "meeting")


@dataclass
class Contribution:
    """One turn of a speaker in an item's debate, reduced to its key sentences."""

    speaker: str          # name as printed
    label: str            # diarization label
    start: float
    end: float
    sentences: list[str]
    words: int

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass
class MinutesItem:
    """One section of the minutes: an agenda item (or the opening before the first item)."""

    number: str | None
    title: str
    public: bool = True
    start: float | None = None
    end: float | None = None
    contributions: list[Contribution] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    summary: str | None = None
    motions: list[Motion] = field(default_factory=list)
    decision: str | None = None
    votes: list[Vote] = field(default_factory=list)
    agenda_result: str | None = None
    resolution_text: str | None = None
    detected: bool = True   # False: an agenda item whose call was not found in the recording
    # the agenda item this section is for (its OParl id and consultation go into the export)
    source: AgendaItem | None = field(default=None, repr=False, compare=False)

    @property
    def vote(self) -> Vote | None:
        return self.votes[-1] if self.votes else None

    @property
    def heading(self) -> str:
        if self.number:
            return f"{prompts.text('meetings.item_prefix', number=self.number)}: {self.title}"
        return self.title

    def result_text(self, lang: str = "de") -> str:
        """The Abstimmungsergebnis line: the vote heard, else the agenda's result, else none."""
        if len(self.votes) > 1 and any(v.subject for v in self.votes):
            return "; ".join(prompts.text("meetings.vote.on_subject", lang, subject=v.subject,
                                          result=v.label(lang)) if v.subject else v.label(lang)
                             for v in self.votes)
        if self.vote is not None:
            return self.vote.label(lang)
        if self.agenda_result:
            return self.agenda_result
        return prompts.text("meetings.no_vote", lang)

    def resolution(self) -> str | None:
        """Decision text for OParl resolutionText: the decision said, else the agenda's."""
        return self.decision or self.resolution_text

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "title": self.title, "public": self.public,
            "start": self.start, "end": self.end, "speakers": self.speakers,
            "contributions": [asdict(c) for c in self.contributions],
            "summary": self.summary, "motions": [m.to_dict() for m in self.motions],
            "decision": self.decision, "votes": [v.to_dict() for v in self.votes],
            "result": self.result_text(), "agenda_result": self.agenda_result,
            "resolution_text": self.resolution(), "detected": self.detected,
        }


@dataclass
class Minutes:
    meta: MeetingMeta
    items: list[MinutesItem]
    attendees: list[Member] = field(default_factory=list)
    absent: list[Member] = field(default_factory=list)
    speakers: dict[str, str] = field(default_factory=dict)  # label -> printed name
    duration: float = 0.0
    language: str = "de"
    agenda: Agenda | None = None
    # agenda item number per segment of the input transcript (where it starts), for exports
    segment_items: list[str | None] = field(default_factory=list)
    # The clerk's corrected Markdown (review page); when set it is the minutes: markdown()
    # returns it and DOCX/PDF are rendered from it.
    edited_markdown: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "meta": asdict(self.meta), "duration": self.duration, "language": self.language,
            "attendees": [m.to_dict() for m in self.attendees],
            "absent": [m.to_dict() for m in self.absent],
            "speakers": self.speakers, "items": [i.to_dict() for i in self.items],
        }

    def markdown(self, lang: str = "de") -> str:
        """The minutes as Markdown, from prompts/<lang>/minutes.j2 (or the clerk's edit)."""
        if self.edited_markdown:
            return self.edited_markdown
        return _markdown_template(lang).render(
            m=self, t=lambda key, **kw: prompts.text(f"meetings.{key}", lang, **kw),
            fmt_time=format_clock, fmt_date=lambda v: format_date(v, lang), lang=lang,
            attendees=[member_line(x, lang) for x in self.attendees],
            absent=[member_line(x, lang) for x in self.absent],
        )


@lru_cache(maxsize=None)
def _markdown_template(lang: str):
    """prompts/<lang>/minutes.j2 with every {{ value }} Markdown-escaped (names, titles and
    spoken text are text, not markup); a cache of its own keeps the escaping compiled in."""
    from meetings.docmodel import escape_markdown

    template = prompts.template("minutes", lang)
    env = template.environment.overlay(finalize=escape_markdown, cache_size=50)
    return env.get_template(template.name)


def format_clock(seconds: float | None) -> str:
    """h:mm:ss position in the recording."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def format_date(value: str | None, lang: str = "de") -> str | None:
    """An ISO date or date-time as the minutes print it ("21. Januar 2025, 15:30 Uhr");
    anything else is returned as typed."""
    if not value:
        return value
    from datetime import datetime

    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return value
    month = prompts.raw("meetings.months", lang)[moment.month - 1]
    has_time = "T" in text or " " in text
    key = "meetings.datetime_format" if has_time else "meetings.date_format"
    return prompts.text(key, lang, day=moment.day, month=month, year=moment.year,
                        hour=f"{moment.hour:02d}", minute=f"{moment.minute:02d}")


def member_line(member: Member, lang: str = "de") -> str:
    text = member.name
    if member.role:
        text = prompts.text("meetings.speaker_with_role", lang, role=member.role, name=text)
    if member.party:
        text = prompts.text("meetings.speaker_with_party", lang, name=text, party=member.party)
    return text


def speaker_names(transcript: MeetingTranscript, members: list[Member] | None = None,
                  lang: str = "de") -> dict[str, str]:
    """Printed name per label: an enrolled name (with party from the members file), else
    "Sprecher 1", "Sprecher 2" in order of first appearance."""
    by_name = {_name_key(m.name): m for m in members or []}
    names: dict[str, str] = {}
    unknown = 0
    for seg in sorted(transcript.segments, key=lambda s: s.start):
        label = seg.speaker
        if label in names:
            continue
        shown = transcript.name(label)
        if shown == label and (_SPEAKER_LABEL.match(label) or not label.strip()):
            unknown += 1
            names[label] = prompts.text("meetings.speaker_unknown", lang, n=unknown)
            continue
        member = by_name.get(_name_key(shown))
        if member is not None:
            shown = member_line(member, lang)
        names[label] = shown
    return names


_TITLES = re.compile(r"\b(?:dr|prof|dipl|ing|med|rer|nat|phil|jur)\.\s*", re.I)


def _name_key(name: str) -> str:
    """Names compare without academic titles, case and extra spaces ("Dr. Frank Mentrup")."""
    return " ".join(_TITLES.sub(" ", name).lower().split())


def key_sentences(text: str, limit: int = 3) -> list[str]:
    """The sentences that carry a speaker's point, in spoken order (extractive, no rewriting).

    Scored by content: length in words (up to a point), numbers, money and dates, motion and
    vote words; greetings and one-word replies are dropped."""
    parts = [p.strip() for p in _SENTENCE.split(" ".join(text.split())) if p.strip()]
    parts = [p for p in parts if not _FILLER.match(p)]
    if len(parts) <= limit:
        return parts
    scored = []
    for index, part in enumerate(parts):
        words = len(part.split())
        score = min(words, 25) / 25
        if re.search(r"\d", part):
            score += 0.5
        if re.search(r"\b(Antrag|beantrag|Beschluss|beschließ|stimm|Vorschlag|fordern|fordert|"
                     r"schlage|empfehl|Euro|Millionen|Kosten|Haushalt|dafür|dagegen|ablehn)", part, re.I):
            score += 0.7
        if index == 0:
            score += 0.3
        if words < 5:
            score -= 0.8
        scored.append((score, index))
    chosen = sorted(index for _, index in sorted(scored, reverse=True)[:limit])
    return [parts[i] for i in chosen]


def _contributions(segments: list[Utterance], names: dict[str, str],
                   sentences_per_turn: int) -> list[Contribution]:
    merged: list[list[Utterance]] = []
    for seg in segments:
        if not seg.text.strip():
            continue
        if merged and merged[-1][-1].speaker == seg.speaker:
            merged[-1].append(seg)
        else:
            merged.append([seg])
    result = []
    for group in merged:
        text = " ".join(s.text.strip() for s in group)
        chosen = key_sentences(text, sentences_per_turn)
        if not chosen:
            continue
        label = group[0].speaker
        result.append(Contribution(speaker=names.get(label, label), label=label,
                                   start=group[0].start, end=group[-1].end, sentences=chosen,
                                   words=len(text.split())))
    return result


def build_minutes(transcript: MeetingTranscript, agenda: Agenda | None, members: list[Member] | None,
                  meta: MeetingMeta | None = None, *, summarizer: Summarizer | None = None,
                  lang: str = "de", sentences_per_turn: int = 3) -> Minutes:
    """Minutes with one section per agenda item (plus the opening, when something was said
    before the first item was called). Items of the agenda that were never called still
    appear, with the agenda's result; without an agenda, the announced items form it."""
    meta = meta or MeetingMeta()
    members = list(members or [])
    assigned, agenda_used = assign_agenda_items(transcript, agenda)
    names = speaker_names(assigned, members, lang)

    by_item: dict[str | None, list[Utterance]] = {}
    for seg in assigned.segments:
        by_item.setdefault(seg.agenda_item, []).append(seg)

    sections: list[tuple[AgendaItem | None, list[Utterance]]] = []
    if by_item.get(None):
        sections.append((None, by_item[None]))
    for item in agenda_used.items:
        sections.append((item, by_item.get(item.number, [])))

    items: list[MinutesItem] = []
    for agenda_item, segments in sections:
        text = " ".join(s.text.strip() for s in segments)
        outcome = analyze(text)
        if agenda_item is None:
            announced = any(seg.agenda_item for seg in assigned.segments)
            key = "meetings.item_opening" if announced else "meetings.item_unassigned"
            section = MinutesItem(number=None, title=prompts.text(key, lang))
        else:
            section = MinutesItem(number=agenda_item.number or None, title=agenda_item.title,
                                  public=agenda_item.public, agenda_result=agenda_item.result,
                                  resolution_text=agenda_item.resolution_text, source=agenda_item)
        if segments:
            section.start, section.end = segments[0].start, segments[-1].end
        else:
            section.detected = False
        section.contributions = _contributions(segments, names, sentences_per_turn)
        seen: list[str] = []
        for c in section.contributions:
            if c.speaker not in seen:
                seen.append(c.speaker)
        section.speakers = seen
        section.motions, section.decision, section.votes = outcome.motions, outcome.decision, \
            outcome.votes
        if summarizer is not None and text.strip() and section.public:
            section.summary = _safe_summary(summarizer, section, _named_text(segments, names))
        items.append(section)

    attendees = [m for m in members if m.present]
    absent = [m for m in members if not m.present]
    if not meta.chair:
        chair = next((m for m in members if m.role and _CHAIR_ROLE.search(m.role)), None)
        if chair is not None:
            meta.chair = member_line(Member(chair.name, chair.role), lang)
    if agenda is not None:
        meta.title = meta.title or agenda.name
        meta.date = meta.date or agenda.start
        meta.place = meta.place or agenda.location
    return Minutes(meta=meta, items=items, attendees=attendees, absent=absent, speakers=names,
                   duration=transcript.duration, language=lang, agenda=agenda_used,
                   segment_items=_segment_items(transcript, assigned))


def _segment_items(original: MeetingTranscript, assigned: MeetingTranscript) -> list[str | None]:
    """For each original utterance, the item of its first (possibly split-off) piece."""
    result: list[str | None] = []
    pieces = iter(assigned.segments)
    piece = next(pieces, None)
    for seg in original.segments:
        while piece is not None and piece.start < seg.start - 1e-6:
            piece = next(pieces, None)
        result.append(piece.agenda_item if piece is not None else None)
    return result


def _named_text(segments: list[Utterance], names: dict[str, str]) -> str:
    return "\n".join(f"{names.get(s.speaker, s.speaker)}: {s.text.strip()}" for s in segments
                     if s.text.strip())


def _safe_summary(summarizer: Summarizer, section: MinutesItem, text: str) -> str | None:
    """The model's summary, or None on any failure (timeouts, server down, empty answer)."""
    try:
        summary = summarizer(section.number or "", section.title, text)
    except Exception:  # noqa: BLE001 - the rules-based extract is the fallback by design
        return None
    if not summary or not str(summary).strip():
        return None
    return str(summary).strip()


@dataclass
class MinutesSettings:
    """[meetings] keys that shape the minutes."""

    llm_summaries: bool = False
    llm_summary_timeout_s: float = 30.0
    sentences_per_turn: int = 3


def llm_summarizer(config: Any, lang: str = "de") -> Summarizer | None:
    """A summarizer backed by the configured language model, or None when [meetings]
    llm_summaries is off or no [llm] url is set. Its failures surface as exceptions, which
    build_minutes turns into "no summary"."""
    settings = config.settings("meetings", MinutesSettings)
    if not settings.llm_summaries:
        return None
    from rathaus.llm import LlmClient, LlmSettings

    llm = config.settings("llm", LlmSettings)
    if not llm.enabled:
        return None
    llm.timeout_s = settings.llm_summary_timeout_s
    client = LlmClient(llm)

    def summarize(number: str, title: str, text: str) -> str | None:
        words = text.split()
        if len(words) > 6000:  # keep within small context windows: beginning and end of the debate
            text = " ".join(words[:3000] + ["[…]"] + words[-3000:])
        messages = [
            {"role": "system", "content": prompts.text("meetings.llm.system", lang)},
            {"role": "user", "content": prompts.text("meetings.llm.user", lang, number=number,
                                                     title=title, text=text)},
        ]
        return client.chat(messages, max_tokens=400)

    return summarize
