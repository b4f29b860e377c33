"""The minutes of one meeting, assembled the same way wherever they are drafted: by the pipeline's
minutes stage, by the review page for each download, and by `rathaus minutes` from a corrected
transcript.json.

`assemble_minutes` decides the language, the summarizer and the [meetings] settings the minutes
module (meetings.minutes.build_minutes) is called with; `meeting_meta`, `stored_agenda` and
`stored_members` read a meeting's header, agenda and members from its row in `meetings`
(meetings/records.py).
"""

from __future__ import annotations

import json
from typing import Any

from meetings.agenda import Agenda
from meetings.members import Member
from meetings.minutes import MeetingMeta, Minutes, MinutesSettings, build_minutes, llm_summarizer
from meetings.transcript import MeetingTranscript


def assemble_minutes(transcript: MeetingTranscript, meta: MeetingMeta, agenda: Agenda | None = None,
                     members: list[Member] | None = None, *, config: Any = None,
                     lang: str | None = None) -> Minutes:
    """Minutes in `lang` (default: the transcript's language, else German).

    With `config`, [meetings] sentences_per_turn applies and the configured language model adds
    item summaries where [meetings] llm_summaries is on; without it (the review page drafts on
    every download, where waiting for a model is not wanted) the defaults apply and no model is
    asked."""
    lang = lang or transcript.language or "de"
    if config is None:
        settings, summarizer = MinutesSettings(), None
    else:
        settings, summarizer = config.settings("meetings", MinutesSettings), llm_summarizer(config, lang)
    return build_minutes(transcript, agenda, members, meta, summarizer=summarizer, lang=lang,
                         sentences_per_turn=settings.sentences_per_turn)


def meeting_meta(meeting: dict[str, Any], *, title: str = "", body: str = "", date: str = "", place: str = "",
                 chair: str = "", blank: str | None = None) -> MeetingMeta:
    """The minutes header: the values given (a run's parameters) over the meeting's row; what
    neither has is `blank`. The file id (RTTM, OParl ids) is the meeting's id."""
    return MeetingMeta(
        title=title or meeting.get("title") or blank,
        body=body or meeting.get("body") or blank,
        date=date or meeting.get("date") or blank,
        place=place or meeting.get("place") or blank,
        chair=chair or blank,
        file_id=meeting["id"],
    )


def stored_agenda(meeting: dict[str, Any]) -> Agenda | None:
    """The agenda kept with the meeting (the whole agenda after a run, the bare items after an
    upload), or None."""
    return Agenda.from_dict(json.loads(meeting["agenda"])) if meeting.get("agenda") else None


def stored_members(meeting: dict[str, Any]) -> list[Member]:
    """The members kept with the meeting (after a run with a members file)."""
    if not meeting.get("members"):
        return []
    known = Member.__dataclass_fields__
    return [Member(**{k: v for k, v in m.items() if k in known}) for m in json.loads(meeting["members"])]
