"""Catalog commands: `rathaus catalog import|list|show|synonyms|edit`, `rathaus ask`, `rathaus eval`."""

from __future__ import annotations

import argparse
import json
import sys

from rathaus.config import Config
from rathaus.errors import RathausError


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("catalog", help="the service catalog: import, list, show, synonyms, local edits",
                       description="Manage the municipal service catalog the phone bot answers from.")
    csub = c.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)

    p = csub.add_parser("import", help="import or update services from a file",
                        description="Import services from DLDB JSON (with locations_*.json beside it), the "
                                    "documented CSV or our own JSON. Importing again updates services and keeps "
                                    "synonyms and edits made locally.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=("dldb", "csv", "json"), help="file format (default: from the file)")
    p.add_argument("--prune", action="store_true",
                   help="retire services of this format that the file no longer lists (kept, inactive)")
    p.add_argument("--json", action="store_true", help="print the import report as JSON")
    p.set_defaults(func=cmd_import)

    p = csub.add_parser("list", help="list services (id, name)", description="List active services, optionally filtered.")
    p.add_argument("query", nargs="?", help="only services whose name, keywords or text match")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_list)

    p = csub.add_parser("show", help="show one service with fees, documents, offices, synonyms")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = csub.add_parser("synonyms", help="list, add or remove phrases that mean a service",
                        description="Colloquial phrases callers use for a service (e.g. 'Perso'). Effective at once, "
                                    "also in a running `rathaus serve`.")
    ssub = p.add_subparsers(dest="synonyms_command", metavar="ACTION", required=True)
    q = ssub.add_parser("list", help="list synonyms")
    q.add_argument("id", nargs="?", metavar="ID", help="only this service")
    q.set_defaults(func=cmd_syn_list)
    q = ssub.add_parser("add", help="add a phrase to a service")
    q.add_argument("id", metavar="ID")
    q.add_argument("phrase", nargs="+", metavar="PHRASE")
    q.set_defaults(func=cmd_syn_add)
    q = ssub.add_parser("remove", help="remove a phrase from a service")
    q.add_argument("id", metavar="ID")
    q.add_argument("phrase", nargs="+", metavar="PHRASE")
    q.set_defaults(func=cmd_syn_remove)

    p = csub.add_parser("edit", help="edit a field of a service locally (kept across re-imports)",
                        description="Set a field locally, e.g. `rathaus catalog edit 101 forward_to sip:pass@pbx`. "
                                    "List fields (keywords, documents) take several values separated by '|'.")
    p.add_argument("id", metavar="ID")
    p.add_argument("field", choices=("name", "description", "fees", "documents", "keywords", "leika", "forward_to"))
    p.add_argument("value", nargs="?", help="new value (omit with --revert)")
    p.add_argument("--revert", action="store_true", help="drop the local edit of this field")
    p.set_defaults(func=cmd_edit)

    a = sub.add_parser("ask", help="answer citizens' questions from the catalog (JSON lines)",
                       description="Decide answer/confirm/forward for each question. `-` (or no TEXT) reads one "
                                   "question per line from stdin. Prints one JSON object per question, with the "
                                   "facet asked (cost, documents, where, hours, ...) and the office an answer is "
                                   "about; office questions are answered with service null. Each line stands "
                                   "alone (`rathaus chat` keeps the topic across lines).")
    a.add_argument("text", nargs="*", metavar="TEXT", help="the question (words are joined); '-' reads stdin")
    a.add_argument("--json", action="store_true", help="JSON lines (the default; kept for scripts)")
    a.add_argument("--language", help="language of the question (default: detected)")
    a.add_argument("--explain", action="store_true", help="also print how the question was understood (stderr)")
    a.set_defaults(func=cmd_ask)

    e = sub.add_parser("eval", help="accuracy and latency of `ask` on a questions TSV",
                       description="Evaluate on a TSV with columns question, expected (service ids separated by "
                                   "commas, or FORWARD). Each question is asked as `rathaus ask` does. Prints JSON.")
    e.add_argument("tsv", metavar="TSV")
    e.add_argument("--catalog", metavar="FILE", help="import this catalog first (e.g. services_de.json)")
    e.add_argument("--details", action="store_true", help="include every question's result")
    e.add_argument("--search-only", action="store_true",
                   help="measure the catalog search alone, without the dialog (facets, offices) that `ask` uses")
    e.set_defaults(func=cmd_eval)


def _store(config: Config):
    from rathaus.store import open_store

    return open_store(config)


def cmd_import(args, config: Config) -> int:
    from rathaus.catalog.repository import import_file

    report = import_file(_store(config), args.file, args.format, prune=args.prune)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(f"{report.path} ({report.format}): {report.added} added, {report.updated} updated, "
              f"{report.unchanged} unchanged, {report.retired} retired, {report.offices} offices, "
              f"{report.kept_local_edits} with local edits kept")
    return 0


def cmd_list(args, config: Config) -> int:
    from rathaus.catalog.repository import ensure_initial, list_services

    store = _store(config)
    ensure_initial(config, store)
    for s in list_services(store, args.query):
        if args.json:
            print(json.dumps({"id": s.id, "name": s.name, "leika": s.leika, "source": s.source}, ensure_ascii=False))
        else:
            print(f"{s.id}\t{s.name}")
    return 0


def cmd_show(args, config: Config) -> int:
    from rathaus.catalog.repository import ensure_initial, get_service

    store = _store(config)
    ensure_initial(config, store)
    s = get_service(store, args.id)
    if s is None:
        raise RathausError(f"no service with id {args.id}")
    if args.json:
        print(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{s.name}  [{s.id}]" + (f"  LeiKa {s.leika}" if s.leika else ""))
    if s.description:
        print("\n" + s.description)
    import prompts

    def label(key: str) -> str:
        return prompts.text(f"catalog.show.{key}")

    for key, value in (("fees", s.fees), ("forward", s.forward_to)):
        if value:
            print(f"\n{label(key)}: {value}")
    if s.documents:
        print(f"\n{label('documents')}:\n" + "\n".join(f"  - {d}" for d in s.documents))
    for key, links in (("forms", s.forms), ("links", s.links)):
        if links:
            print(f"\n{label(key)}:\n" + "\n".join(f"  - {l.name}: {l.url}" for l in links))
    for o in s.offices:
        print(f"\n{label('office')}: {o.name}\n  {o.address}\n  {o.phone}  {o.email}"
              + (f"\n  {o.opening_hours}" if o.opening_hours else ""))
    if s.keywords:
        print(f"\n{label('keywords')}: " + ", ".join(s.keywords))
    if s.synonyms:
        print(f"{label('synonyms')}: " + ", ".join(s.synonyms))
    if s.edited_fields:
        print(f"{label('edited')}: " + ", ".join(s.edited_fields))
    return 0


def cmd_syn_list(args, config: Config) -> int:
    from rathaus.catalog.repository import list_synonyms

    for row in list_synonyms(_store(config), args.id):
        print(f"{row['service_id']}\t{row['phrase']}\t{row['source']}\t{row['service_name']}")
    return 0


def cmd_syn_add(args, config: Config) -> int:
    from rathaus.catalog.repository import add_synonym

    added = add_synonym(_store(config), args.id, " ".join(args.phrase))
    print("added" if added else "already present")
    return 0


def cmd_syn_remove(args, config: Config) -> int:
    from rathaus.catalog.repository import remove_synonym

    if not remove_synonym(_store(config), args.id, " ".join(args.phrase)):
        raise RathausError(f"service {args.id} has no synonym '{' '.join(args.phrase)}'")
    print("removed")
    return 0


def cmd_edit(args, config: Config) -> int:
    from rathaus.catalog.repository import revert_service, update_service

    store = _store(config)
    if args.revert:
        revert_service(store, args.id, [args.field])
    else:
        if args.value is None:
            raise RathausError("give a value, or --revert")
        value = [v.strip() for v in args.value.split("|") if v.strip()] if args.field in ("documents", "keywords") else args.value
        update_service(store, args.id, **{args.field: value})
    print("ok")
    return 0


def _questions(args) -> list[str] | None:
    if not args.text or args.text == ["-"]:
        return None
    return [" ".join(args.text)]


def cmd_ask(args, config: Config) -> int:
    import time

    from rathaus.catalog import load_assistant
    from rathaus.dialog import ConversationState, DialogEngine

    store = _store(config)
    assistant = load_assistant(config, store)
    questions = _questions(args)
    source = questions if questions is not None else (line.rstrip("\n") for line in sys.stdin)
    engine = DialogEngine(assistant)
    for question in source:
        if questions is None and not question.strip():
            continue
        started = time.perf_counter()
        decision = engine.turn(ConversationState(), question, args.language)  # each line on its own
        decision.latency_ms = (time.perf_counter() - started) * 1000
        print(json.dumps(decision.to_dict(), ensure_ascii=False), flush=True)
        if args.explain:
            analysis = assistant.index.analyze(question)
            print(json.dumps({"stems": analysis.stems, "expansions": analysis.expansions,
                              "embedded": analysis.embed_text, "latency_ms": round(decision.latency_ms, 1)},
                             ensure_ascii=False), file=sys.stderr)
    return 0


def cmd_eval(args, config: Config) -> int:
    from rathaus.catalog import load_assistant
    from rathaus.evaluation.catalog import evaluate, read_questions
    from rathaus.catalog.repository import import_file
    from rathaus.dialog.engine import SingleTurn

    store = _store(config)
    if args.catalog:
        import_file(store, args.catalog)
    assistant = load_assistant(config, store)
    asker = assistant if args.search_only else SingleTurn(assistant)
    result = evaluate(asker, read_questions(args.tsv), details=args.details)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0
