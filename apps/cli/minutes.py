"""`rathaus minutes`, `rathaus agenda`, `rathaus votes`: the text half of the meeting module.

`rathaus meeting` runs the whole recording-to-minutes pipeline; these commands work on its text
results. A clerk who corrected transcript.json (speaker names, misheard words) drafts the minutes
and every export again without re-running diarization and ASR; an agenda file is checked before
the meeting; the vote rules are measured on the Karlsruhe minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import prompts


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "minutes", help="draft minutes and exports again from a (corrected) transcript.json",
        description="Draft the minutes (Niederschrift) and the exports from DIR/transcript.json of "
                    "`rathaus meeting`, e.g. after correcting speaker names or words in it. Writes "
                    "protocol.md, protocol.docx, protocol.pdf, protocol.html, protocol.oparl.json, transcript.vtt, "
                    "transcript.srt, diarization.rttm and transcript.json into -o DIR.")
    p.add_argument("transcript", metavar="TRANSCRIPT_JSON", help="transcript.json written by `rathaus meeting`")
    p.add_argument("-o", "--out", metavar="DIR", required=True, help="output folder (created)")
    p.add_argument("--agenda", metavar="FILE", help="agenda: OParl Meeting JSON or a plain text list")
    p.add_argument("--members", metavar="FILE", help="members file (CSV/JSON/TOML: name, role, party)")
    p.add_argument("--title", help="meeting title, e.g. '12. Sitzung des Gemeinderats'")
    p.add_argument("--body", help="body (Gremium), e.g. Gemeinderat")
    p.add_argument("--date", help="meeting date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
    p.add_argument("--place", help="meeting place")
    p.add_argument("--chair", help="chair (Vorsitz)")
    p.add_argument("--id", dest="file_id", help="recording id used in RTTM and OParl ids "
                                                 "(default: the transcript's folder name)")
    p.add_argument("--formats", help="comma-separated export formats (default: all)")
    p.add_argument("--llm", action="store_true",
                   help="let the configured [llm] model add item summaries (also [meetings] llm_summaries)")
    p.set_defaults(func=_minutes)

    a = sub.add_parser("agenda", help="check an agenda file (OParl JSON or text list)",
                       description="Parse an agenda file as the meeting module will and print its items.")
    a.add_argument("file", metavar="FILE", help="OParl Meeting JSON or a plain text list")
    a.add_argument("--json", action="store_true", help="print the parsed agenda as JSON")
    a.set_defaults(func=_agenda)

    v = sub.add_parser("votes", help="vote extraction: find votes in a text, or measure on Karlsruhe minutes")
    vsub = v.add_subparsers(dest="votes_command", metavar="ACTION", required=True)
    f = vsub.add_parser("find", help="motions, decision and votes in a text file ('-': stdin)",
                        description="Print the motions, the decision sentence and the votes found in a "
                                    "German text (a transcript or minutes), one JSON object.")
    f.add_argument("file", metavar="FILE", help="text file, or - for stdin")
    f.set_defaults(func=_votes_find)
    e = vsub.add_parser("eval", help="accuracy against the Abstimmungsergebnis lines of Karlsruhe minutes",
                        description="Measure the vote rules on a folder of Karlsruhe Niederschriften "
                                    "(*.txt): each item's text without its Abstimmungsergebnis block is "
                                    "the input, that block is the truth. Prints JSON.")
    e.add_argument("folder", metavar="DIR", help="folder with the minutes texts, e.g. "
                                                 "../shared/data/council/karlsruhe/niederschriften")
    e.add_argument("--errors", action="store_true", help="include every miss in the JSON")
    e.set_defaults(func=_votes_eval)


def _minutes(args: argparse.Namespace, config) -> int:
    from meetings.assemble import assemble_minutes
    from meetings.export import ALL_FORMATS, check_formats, write_exports
    from meetings.minutes import MeetingMeta
    from meetings.transcript import MeetingTranscript
    from rathaus.errors import RathausError

    source = Path(args.transcript)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        transcript = MeetingTranscript.from_dict(data)
    except FileNotFoundError:
        raise RathausError(f"transcript not found: {source}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RathausError(f"{source} is not a transcript.json: {exc}") from None
    except (KeyError, TypeError) as exc:
        raise RathausError(f"{source} is not a transcript.json of `rathaus meeting` "
                           f"(missing {exc})") from None
    formats = ALL_FORMATS if args.formats is None else tuple(f.strip() for f in args.formats.split(",") if f.strip())
    check_formats(formats)
    agenda = members = None
    if args.agenda:
        from meetings.agenda import load_agenda

        agenda = load_agenda(args.agenda)
    if args.members:
        from meetings.members import load_members

        members = load_members(args.members)
    meta = MeetingMeta(title=args.title, body=args.body, date=args.date, place=args.place,
                       chair=args.chair,
                       file_id=args.file_id or source.resolve().parent.name or "meeting")
    if args.llm:
        config.data["meetings"]["llm_summaries"] = True
    # German minutes whatever the transcript's language, as this command always drew them
    minutes = assemble_minutes(transcript, meta, agenda, members, config=config, lang="de")
    from meetings.oparl import base_url

    written = write_exports(args.out, transcript, minutes, formats, oparl_base_url=base_url(config))
    for kind, path in written.items():
        print(f"{kind:6} {path}")
    return 0


def _agenda(args: argparse.Namespace, config) -> int:
    from meetings.agenda import load_agenda

    agenda = load_agenda(args.file)
    if args.json:
        print(json.dumps(agenda.to_dict(), ensure_ascii=False, indent=1))
        return 0
    if agenda.name:
        print(agenda.name)
    for item in agenda.items:
        mark = "" if item.public else f"  [{prompts.text('meetings.non_public')}]"
        result = f"  -> {item.result}" if item.result else ""
        print(f"{item.number or '-':>6}  {item.title}{mark}{result}")
    return 0


def _votes_find(args: argparse.Namespace, config) -> int:
    from meetings.votes import analyze
    from rathaus.errors import RathausError

    if args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            raise RathausError(f"file not found: {args.file}") from None
    outcome = analyze(text)
    data = outcome.to_dict()
    final = outcome.final_vote
    data["result"] = final.label() if final else None
    print(json.dumps(data, ensure_ascii=False, indent=1))
    return 0


def _votes_eval(args: argparse.Namespace, config) -> int:
    from meetings.evaluation.karlsruhe import evaluate_karlsruhe
    from rathaus.errors import RathausError

    folder = Path(args.folder)
    if not folder.is_dir() or not any(folder.glob("*.txt")):
        raise RathausError(f"no minutes texts (*.txt) in {folder}")
    result = evaluate_karlsruhe(folder)
    if not args.errors:
        result["errors"] = len(result["errors"])
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0
