"""`rathaus chat`: the dialog of a phone call over text, one caller utterance per line of stdin.

The same engine as the phone (rathaus.dialog) keeps the service and office under discussion
across lines, so "Und was kostet das?" refers back. The index is built before the first line
is read, so no turn waits for it.
"""

from __future__ import annotations

import argparse
import io
import json
import sys

from rathaus.config import Config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="hold a conversation with the catalog over text (stdin lines)",
                       description="Read one caller utterance per line from stdin until end of input and print the "
                                   "reply to each, keeping the topic across lines as a phone call does. With --json, "
                                   "one object per line: caller, action (answer, confirm, forward, rephrase, goodbye), service, "
                                   "office, facet, answer.")
    p.add_argument("--json", action="store_true", help="one JSON object per turn")
    p.add_argument("--language", help="the caller's language (default: detected per line)")
    p.set_defaults(func=cmd_chat)


def cmd_chat(args, config: Config) -> int:
    from rathaus.catalog import load_assistant
    from rathaus.dialog import ConversationState, DialogEngine
    from rathaus.dialog.engine import reply_json
    from rathaus.store import open_store

    assistant = load_assistant(config, open_store(config))
    engine = DialogEngine(assistant)
    engine.warm_up()
    state = ConversationState()
    # Bytes that are not UTF-8 become U+FFFD instead of ending the conversation with a traceback.
    lines = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") if hasattr(sys.stdin, "buffer") else sys.stdin
    for line in lines:
        caller = line.strip()
        if not caller:
            continue
        decision = engine.turn(state, caller, args.language)
        if args.json:
            print(json.dumps(reply_json(caller, decision), ensure_ascii=False), flush=True)
        else:
            print(decision.answer, flush=True)
    return 0
