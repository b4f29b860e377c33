"""`rathaus privacy retention|export|delete`: retention periods and data-subject requests.

`retention` is what the systemd timer runs daily; `export` answers a request for access
(Art. 15 GDPR) and `delete` one for erasure (Art. 17) for one call or one caller number.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rathaus.config import Config
from rathaus.errors import RathausError


def register(sub: argparse._SubParsersAction) -> None:
    privacy = sub.add_parser("privacy", help="retention periods and data-subject requests (GDPR)",
                             description="Apply the [privacy] retention periods, or export or erase what is "
                                         "stored about one call or one caller number.")
    psub = privacy.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)

    retention = psub.add_parser("retention", help="delete data older than the [privacy] retention periods",
                                description="Delete kept call audio, call transcripts, hand-off records, done "
                                            "callback requests, old audit entries and (when configured) meeting "
                                            "recordings and transcripts older than the [privacy] periods. Safe to "
                                            "run while the assistant runs, and to run again.")
    retention.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    retention.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    retention.set_defaults(func=cmd_retention)

    export = psub.add_parser("export", help="export everything stored about a call or a caller number",
                             description="Write everything stored about one call or one caller number: calls, "
                                         "turns, hand-off records, callback requests and kept audio. FILE.zip holds "
                                         "data.json and the audio files; any other FILE (or stdout) gets JSON with "
                                         "file references, or the audio inline with --audio base64.")
    _target(export)
    export.add_argument("-o", "--output", metavar="FILE", help="output file (.zip or .json; default: stdout)")
    export.add_argument("--audio", choices=("ref", "base64"), default="ref",
                        help="JSON output: audio as file reference (default) or inline base64")
    export.set_defaults(func=cmd_export)

    delete = psub.add_parser("delete", help="erase everything stored about a call or a caller number",
                             description="Erase the calls, turns, hand-off records, callback requests and audio "
                                         "files of one call or one caller number. The audit log records that an "
                                         "erasure happened and how much, not what. Without --yes only counts.")
    _target(delete)
    delete.add_argument("--yes", action="store_true", help="really delete")
    delete.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    delete.set_defaults(func=cmd_delete)


def _target(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--call", metavar="ID", help="one call id")
    group.add_argument("--number", metavar="NUMBER", help="a caller number, in any common format (+49 ..., 0...)")


def _store(config: Config):
    from rathaus.store import open_store

    return open_store(config)


def cmd_retention(args: argparse.Namespace, config: Config) -> int:
    import prompts
    from rathaus.privacy import retention

    report = retention.run(config, _store(config), dry_run=args.dry_run)
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        key = "privacy.cli.retention_dry_run" if args.dry_run else "privacy.cli.retention_done"
        due = [f"{k}={v}" for k, v in report.counts.items() if v]
        print(prompts.text(key, summary=", ".join(due)) if due else prompts.text("privacy.cli.retention_nothing"))
    return 0


def _subject(args: argparse.Namespace, config: Config, store):
    import prompts
    from rathaus.privacy import policy, subject

    found = subject.find(store, policy(), call_id=args.call, number=args.number)
    if found.unmatched_masked:
        print(prompts.text("privacy.cli.unmatched_masked", count=found.unmatched_masked), file=sys.stderr)
    return found


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    import prompts
    from rathaus.privacy import subject
    from apps.web.audit import audit

    store = _store(config)
    found = _subject(args, config, store)
    if found.empty:
        print(prompts.text("privacy.cli.nothing_found"), file=sys.stderr)
        return 1
    data = subject.collect(store, found)
    out = Path(args.output) if args.output else None
    try:
        body = subject.write_export(data, out, args.audio)
    except OSError as exc:
        raise RathausError(f"cannot write {out}: {exc.strerror}") from None
    audit(store, None, "export", "privacy_request", None,
          {"via": "cli", "by": found.by, "calls": len(found.call_ids), "callbacks": len(found.callback_ids)})
    if body is not None:
        sys.stdout.buffer.write(body + b"\n")
        return 0
    audio = sum(1 for c in data["calls"] if c.get("audio"))
    print(prompts.text("privacy.cli.export_written", path=out, calls=len(data["calls"]),
                       callbacks=len(data["callbacks"]), audio=audio))
    return 0


def cmd_delete(args: argparse.Namespace, config: Config) -> int:
    import prompts
    from rathaus.privacy import subject

    store = _store(config)
    found = _subject(args, config, store)
    if found.empty:
        print(prompts.text("privacy.cli.nothing_found"), file=sys.stderr)
        return 1
    if not args.yes:
        counts = subject.count(store, found)
        if args.json:
            print(json.dumps({"deleted": False, **counts.to_dict()}))
        else:
            print(prompts.text("privacy.cli.delete_preview", calls=counts.calls, turns=counts.turns,
                               callbacks=counts.callbacks, audio=counts.audio_files))
        return 1
    done = subject.erase(store, found)
    if args.json:
        print(json.dumps({"deleted": True, **done.to_dict()}))
    else:
        print(prompts.text("privacy.cli.deleted", calls=done.calls, turns=done.turns, callbacks=done.callbacks,
                           audio=done.audio_files))
    return 0
