"""Stage `minutes`: agenda and members read, the minutes drafted (meetings/assemble.py), every
export written (meetings/export.py), each utterance marked with its agenda item.

The agenda and members are kept in the result (and so in the meeting's row) in full, so that the
review page drafts its downloads, the OParl ids included, from the same agenda.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meetings.assemble import assemble_minutes
from meetings.minutes import MeetingMeta
from meetings.transcript import MeetingTranscript

NAME = "minutes"
WEIGHT = 10.0


@dataclass
class Drafted:
    files: dict[str, str]                 # export kind -> path
    protocol_md: str | None               # the drafted minutes as Markdown
    transcript: MeetingTranscript         # with the agenda item of each utterance
    agenda: dict[str, Any] | None = None  # meetings.agenda.Agenda.to_dict(), where an agenda was given
    members: list[dict[str, Any]] | None = None  # meetings.members.Member.to_dict() each, where given

    def to_stored(self) -> dict[str, Any]:
        data: dict[str, Any] = {"files": self.files, "protocol_md": self.protocol_md,
                                "transcript": self.transcript.to_dict()}
        if self.agenda is not None:
            data["agenda"] = self.agenda
        if self.members:
            data["members"] = self.members
        return data

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Drafted":
        return cls(data["files"], data.get("protocol_md"), MeetingTranscript.from_dict(data["transcript"]),
                   data.get("agenda"), data.get("members"))


def draft(config, transcript: MeetingTranscript, meta: MeetingMeta, out_dir: Path, *, agenda_path: str = "",
          members_path: str = "", formats: list[str] | tuple[str, ...] = ()) -> Drafted:
    """Minutes and exports into `out_dir`; `formats` empty: every export."""
    from meetings.export import write_exports
    from meetings.oparl import base_url

    out_dir.mkdir(parents=True, exist_ok=True)
    agenda = None
    if agenda_path:
        from meetings.agenda import load_agenda

        agenda = load_agenda(agenda_path)
    members: list = []
    if members_path:
        from meetings.members import load_members

        members = load_members(members_path)
    minutes = assemble_minutes(transcript, meta, agenda, members, config=config)
    if len(minutes.segment_items) == len(transcript.segments):
        for seg, item in zip(transcript.segments, minutes.segment_items):
            seg.agenda_item = item
    kwargs = {"formats": tuple(formats)} if formats else {}
    written = write_exports(out_dir, transcript, minutes, oparl_base_url=base_url(config), **kwargs)
    protocol = out_dir / "protocol.md"
    protocol_md = protocol.read_text(encoding="utf-8") if protocol.exists() else None
    return Drafted({k: str(v) for k, v in written.items()}, protocol_md, transcript,
                   agenda.to_dict() if agenda is not None else None,
                   [m.to_dict() for m in members] if members else None)
