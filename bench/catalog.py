"""Catalog and dialog benchmark: accuracy and latency on question sets and conversations. Prints JSON.

    .venv/bin/python bench/catalog.py [--questions TSV ...] [--catalog services_de.json] [--db PATH]
                                      [--dialog CATALOG=TSV ...] [--kept-apart]

Default: the Munich DLDB catalog (../shared/data/catalog/muenchen/services_de.json) imported into a
fresh database (or --db, reused: the cached vectors make later runs start fast), the dev questions
(../shared/data/eval/questions_muenchen_dev.tsv) and our held-out set (tests/data/...).
Figures per question set: top1/top3 of in-catalog questions, forwarded share of FORWARD questions,
wrong confident answers, latency p50/p95 per question after warm-up, each for the catalog search
alone (`search`) and for the dialog engine that `rathaus ask` and the phone use (`dialog`).
Conversation sets (bench/data/dialog_*.tsv, rathaus/evaluation/dialog.py): the asked fact said,
first turns, follow-ups, office questions, facet accuracy, must-go-to-a-person not answered,
wrong answers, latency per turn. Sets named *_heldout are kept apart: no rule or threshold was
fitted to them; they run only with --kept-apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("RATHAUS_SHARED_DATA", ROOT.parent / "shared" / "data"))
DATA = ROOT / "bench" / "data"
SAMPLE = ROOT / "rathaus" / "catalog" / "data" / "sample_musterstadt.json"
DIALOG_SETS = [f"sample={DATA / 'dialog_musterstadt_dev.tsv'}",
               f"{DATA / 'catalog_lindenfeld.json'}={DATA / 'dialog_lindenfeld_dev.tsv'}",
               f"munich={DATA / 'dialog_muenchen_dev.tsv'}",
               f"{DATA / 'catalog_auental.json'}={DATA / 'dialog_auental_dev.tsv'}",
               f"{DATA / 'catalog_auental.json'}={DATA / 'dialog_auental_dev2.tsv'}",
               f"{DATA / 'catalog_lindenfeld.json'}={DATA / 'dialog_lindenfeld_dev2.tsv'}",
               f"sample={DATA / 'dialog_musterstadt_dev2.tsv'}",
               f"{DATA / 'catalog_falkenried.json'}={DATA / 'dialog_falkenried_dev.tsv'}",
               f"{DATA / 'catalog_falkenried.json'}={DATA / 'dialog_falkenried_dev2.tsv'}",
               f"{DATA / 'catalog_dornstetten.json'}={DATA / 'dialog_dornstetten_dev.tsv'}",
               f"{DATA / 'catalog_wiesental.json'}={DATA / 'dialog_wiesental_dev.tsv'}",
               f"{DATA / 'catalog_moorhusen.json'}={DATA / 'dialog_moorhusen_dev.tsv'}",
               f"{DATA / 'catalog_erlenbruch.json'}={DATA / 'dialog_erlenbruch_dev.tsv'}",
               f"{DATA / 'catalog_steinbrueck.json'}={DATA / 'dialog_steinbrueck_dev.tsv'}",
               f"{DATA / 'catalog_kirchwalde.json'}={DATA / 'dialog_kirchwalde_dev.tsv'}",
               f"{DATA / 'catalog_ostermoor.json'}={DATA / 'dialog_ostermoor_dev.tsv'}",
               f"{DATA / 'catalog_wendelstedt.json'}={DATA / 'dialog_wendelstedt_dev.tsv'}",
               f"{DATA / 'catalog_kranichfelde.json'}={DATA / 'dialog_kranichfelde_dev.tsv'}",
               f"{DATA / 'catalog_obertal.json'}={DATA / 'dialog_obertal_dev.tsv'}",
               f"{DATA / 'catalog_hallerbach.json'}={DATA / 'dialog_hallerbach_dev.tsv'}",
               f"{DATA / 'catalog_saalberg.json'}={DATA / 'dialog_saalberg_dev.tsv'}",
               f"{DATA / 'catalog_lindach.json'}={DATA / 'dialog_lindach_dev.tsv'}",
               f"{DATA / 'catalog_emmerbeck.json'}={DATA / 'dialog_emmerbeck_dev.tsv'}",
               f"{DATA / 'catalog_kemmersbach.json'}={DATA / 'dialog_kemmersbach_dev.tsv'}",
               f"{DATA / 'catalog_gruenitz.json'}={DATA / 'dialog_gruenitz_dev.tsv'}",
               f"{DATA / 'catalog_hegelfingen.json'}={DATA / 'dialog_hegelfingen_dev.tsv'}",
               f"{DATA / 'catalog_bruehlingen.json'}={DATA / 'dialog_bruehlingen_dev.tsv'}",
               f"{DATA / 'catalog_fliederwalde.json'}={DATA / 'dialog_fliederwalde_dev.tsv'}",
               f"{DATA / 'catalog_rodenbach.json'}={DATA / 'dialog_rodenbach_dev.tsv'}",
               f"{DATA / 'catalog_kallenstein.json'}={DATA / 'dialog_kallenstein_dev.tsv'}",
               f"{DATA / 'catalog_niedweiler.json'}={DATA / 'dialog_niedweiler_dev.tsv'}",
               f"{DATA / 'catalog_uhlenbrock.json'}={DATA / 'dialog_uhlenbrock_dev.tsv'}",
               f"{DATA / 'catalog_vossberg.json'}={DATA / 'dialog_vossberg_dev.tsv'}",
               f"{DATA / 'catalog_pfreimbach.json'}={DATA / 'dialog_pfreimbach_dev.tsv'}",
               f"{DATA / 'catalog_loogersiel.json'}={DATA / 'dialog_loogersiel_dev.tsv'}",
               f"{DATA / 'catalog_reuthengruen.json'}={DATA / 'dialog_reuthengruen_dev.tsv'}",
               f"{DATA / 'catalog_kyllfeld.json'}={DATA / 'dialog_kyllfeld_dev.tsv'}",
               f"{DATA / 'catalog_selkenrode.json'}={DATA / 'dialog_selkenrode_dev.tsv'}",
               f"{DATA / 'catalog_illerstetten.json'}={DATA / 'dialog_illerstetten_dev.tsv'}",
               f"{DATA / 'catalog_wennebrueck.json'}={DATA / 'dialog_wennebrueck_dev.tsv'}",
               f"{DATA / 'catalog_kottwitz.json'}={DATA / 'dialog_kottwitz_dev.tsv'}",
               f"{DATA / 'catalog_simmerau.json'}={DATA / 'dialog_simmerau_dev.tsv'}",
               f"{DATA / 'catalog_ebersgrund.json'}={DATA / 'dialog_ebersgrund_dev.tsv'}",
               f"{DATA / 'catalog_schriesenbach.json'}={DATA / 'dialog_schriesenbach_dev.tsv'}",
               f"{DATA / 'catalog_tessenow.json'}={DATA / 'dialog_tessenow_dev.tsv'}",
               f"{DATA / 'catalog_hachenrath.json'}={DATA / 'dialog_hachenrath_dev.tsv'}",
               f"{DATA / 'catalog_belchenau.json'}={DATA / 'dialog_belchenau_dev.tsv'}",
               f"{DATA / 'catalog_gehlberg.json'}={DATA / 'dialog_gehlberg_dev.tsv'}",
               f"{DATA / 'catalog_niddahain.json'}={DATA / 'dialog_niddahain_dev.tsv'}",
               f"{DATA / 'catalog_wattenbrock.json'}={DATA / 'dialog_wattenbrock_dev.tsv'}",
               f"{DATA / 'catalog_taeferingen.json'}={DATA / 'dialog_taeferingen_dev.tsv'}",
               f"{DATA / 'catalog_erftheim.json'}={DATA / 'dialog_erftheim_dev.tsv'}",
               f"{DATA / 'catalog_treenekoog.json'}={DATA / 'dialog_treenekoog_dev.tsv'}",
               f"{DATA / 'catalog_zschopenau.json'}={DATA / 'dialog_zschopenau_dev.tsv'}",
               f"{DATA / 'catalog_vilsreuth.json'}={DATA / 'dialog_vilsreuth_dev.tsv'}",
               f"{DATA / 'catalog_rednitzau.json'}={DATA / 'dialog_rednitzau_dev.tsv'}",
               f"{DATA / 'catalog_spreehagen.json'}={DATA / 'dialog_spreehagen_dev.tsv'}",
               f"{DATA / 'catalog_queichenbach.json'}={DATA / 'dialog_queichenbach_dev.tsv'}"]
KEPT_APART = [f"{DATA / 'catalog_lindenfeld.json'}={DATA / 'dialog_lindenfeld_heldout.tsv'}",
              f"sample={DATA / 'dialog_musterstadt_heldout.tsv'}",
              f"{DATA / 'catalog_lindenfeld.json'}={DATA / 'dialog_lindenfeld_heldout2.tsv'}",
              f"sample={DATA / 'dialog_musterstadt_heldout2.tsv'}",
              f"{DATA / 'catalog_birkenau.json'}={DATA / 'dialog_birkenau_heldout.tsv'}",
              f"{DATA / 'catalog_moorhusen.json'}={DATA / 'dialog_moorhusen_heldout.tsv'}",
              f"{DATA / 'catalog_erlenbruch.json'}={DATA / 'dialog_erlenbruch_heldout.tsv'}",
              f"{DATA / 'catalog_steinbrueck.json'}={DATA / 'dialog_steinbrueck_heldout.tsv'}",
              f"{DATA / 'catalog_ostermoor.json'}={DATA / 'dialog_ostermoor_heldout.tsv'}",
              f"{DATA / 'catalog_wendelstedt.json'}={DATA / 'dialog_wendelstedt_heldout.tsv'}",
              f"{DATA / 'catalog_kranichfelde.json'}={DATA / 'dialog_kranichfelde_heldout.tsv'}",
              f"{DATA / 'catalog_obertal.json'}={DATA / 'dialog_obertal_heldout.tsv'}",
              f"{DATA / 'catalog_hallerbach.json'}={DATA / 'dialog_hallerbach_heldout.tsv'}",
              f"{DATA / 'catalog_saalberg.json'}={DATA / 'dialog_saalberg_heldout.tsv'}",
              f"{DATA / 'catalog_lindach.json'}={DATA / 'dialog_lindach_heldout.tsv'}",
              f"{DATA / 'catalog_emmerbeck.json'}={DATA / 'dialog_emmerbeck_heldout.tsv'}",
              f"{DATA / 'catalog_kemmersbach.json'}={DATA / 'dialog_kemmersbach_heldout.tsv'}",
              f"{DATA / 'catalog_gruenitz.json'}={DATA / 'dialog_gruenitz_heldout.tsv'}",
              f"{DATA / 'catalog_hegelfingen.json'}={DATA / 'dialog_hegelfingen_heldout.tsv'}",
              f"{DATA / 'catalog_bruehlingen.json'}={DATA / 'dialog_bruehlingen_heldout.tsv'}",
              f"{DATA / 'catalog_fliederwalde.json'}={DATA / 'dialog_fliederwalde_heldout.tsv'}",
              f"{DATA / 'catalog_rodenbach.json'}={DATA / 'dialog_rodenbach_heldout.tsv'}",
              f"{DATA / 'catalog_kallenstein.json'}={DATA / 'dialog_kallenstein_heldout.tsv'}",
              f"{DATA / 'catalog_niedweiler.json'}={DATA / 'dialog_niedweiler_heldout.tsv'}",
              f"{DATA / 'catalog_uhlenbrock.json'}={DATA / 'dialog_uhlenbrock_heldout.tsv'}",
              f"{DATA / 'catalog_vossberg.json'}={DATA / 'dialog_vossberg_heldout.tsv'}",
              f"{DATA / 'catalog_pfreimbach.json'}={DATA / 'dialog_pfreimbach_heldout.tsv'}",
              f"{DATA / 'catalog_loogersiel.json'}={DATA / 'dialog_loogersiel_heldout.tsv'}",
              f"{DATA / 'catalog_reuthengruen.json'}={DATA / 'dialog_reuthengruen_heldout.tsv'}",
              f"{DATA / 'catalog_kyllfeld.json'}={DATA / 'dialog_kyllfeld_heldout.tsv'}",
              f"{DATA / 'catalog_selkenrode.json'}={DATA / 'dialog_selkenrode_heldout.tsv'}",
              f"{DATA / 'catalog_illerstetten.json'}={DATA / 'dialog_illerstetten_heldout.tsv'}",
              f"{DATA / 'catalog_wennebrueck.json'}={DATA / 'dialog_wennebrueck_heldout.tsv'}",
              f"{DATA / 'catalog_kottwitz.json'}={DATA / 'dialog_kottwitz_heldout.tsv'}",
              f"{DATA / 'catalog_simmerau.json'}={DATA / 'dialog_simmerau_heldout.tsv'}",
              f"{DATA / 'catalog_ebersgrund.json'}={DATA / 'dialog_ebersgrund_heldout.tsv'}",
              f"{DATA / 'catalog_schriesenbach.json'}={DATA / 'dialog_schriesenbach_heldout.tsv'}",
              f"{DATA / 'catalog_tessenow.json'}={DATA / 'dialog_tessenow_heldout.tsv'}",
              f"{DATA / 'catalog_hachenrath.json'}={DATA / 'dialog_hachenrath_heldout.tsv'}",
              f"{DATA / 'catalog_belchenau.json'}={DATA / 'dialog_belchenau_heldout.tsv'}",
              f"{DATA / 'catalog_gehlberg.json'}={DATA / 'dialog_gehlberg_heldout.tsv'}",
              f"{DATA / 'catalog_niddahain.json'}={DATA / 'dialog_niddahain_heldout.tsv'}",
              f"{DATA / 'catalog_wattenbrock.json'}={DATA / 'dialog_wattenbrock_heldout.tsv'}",
              f"{DATA / 'catalog_taeferingen.json'}={DATA / 'dialog_taeferingen_heldout.tsv'}",
              f"{DATA / 'catalog_erftheim.json'}={DATA / 'dialog_erftheim_heldout.tsv'}",
              f"{DATA / 'catalog_treenekoog.json'}={DATA / 'dialog_treenekoog_heldout.tsv'}",
              f"{DATA / 'catalog_zschopenau.json'}={DATA / 'dialog_zschopenau_heldout.tsv'}",
              f"{DATA / 'catalog_vilsreuth.json'}={DATA / 'dialog_vilsreuth_heldout.tsv'}",
              f"{DATA / 'catalog_rednitzau.json'}={DATA / 'dialog_rednitzau_heldout.tsv'}",
              f"{DATA / 'catalog_spreehagen.json'}={DATA / 'dialog_spreehagen_heldout.tsv'}",
              f"{DATA / 'catalog_queichenbach.json'}={DATA / 'dialog_queichenbach_heldout.tsv'}"]
KEPT_APART_QUESTIONS = [str(DATA / "questions_muenchen_colloquial_heldout3.tsv"), str(DATA / "questions_muenchen_colloquial_heldout4.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout5.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout6.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout7.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout8.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout9.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout10.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout11.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout12.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout13.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout14.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout15.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout16.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout17.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout18.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout19.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout20.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout21.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout22.tsv"),
                        str(DATA / "questions_muenchen_colloquial_heldout23.tsv"),
                        str(DATA / "questions_muenchen_fresh_heldout.tsv")]


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        info["load_avg_1m"] = os.getloadavg()[0]
    except OSError:
        pass
    return info


def _assistant(catalog: str, embed_threads: int):
    from rathaus.catalog.assistant import Assistant, CatalogSettings
    from rathaus.catalog.repository import import_file
    from rathaus.dialog import DialogEngine
    from rathaus.store import Store

    store = Store(Path(tempfile.mkdtemp(prefix="rathaus-bench-")) / "bench.db")
    import_file(store, SAMPLE if catalog == "sample" else catalog, source="sample" if catalog == "sample" else None)
    assistant = Assistant(store, CatalogSettings(embed_threads=embed_threads))
    DialogEngine(assistant).warm_up()
    return assistant


def dialog_sets(specs: list[str], munich, embed_threads: int) -> dict:
    from rathaus.dialog import DialogEngine
    from rathaus.evaluation.dialog import EVALUATION_DAY, evaluate_turns, play_in_process, read_turns

    out, assistants = {}, {"munich": munich}
    for spec in specs:
        catalog, _, tsv = spec.partition("=")
        if not Path(tsv).is_file():
            out[Path(tsv).name] = {"skipped": f"not found: {tsv}"}
            continue
        if catalog not in assistants:
            assistants[catalog] = _assistant(catalog, embed_threads)
        engine = DialogEngine(assistants[catalog], today=EVALUATION_DAY)
        result = evaluate_turns(read_turns(tsv), play_in_process(engine))
        result["catalog"] = Path(catalog).name if catalog not in ("sample", "munich") else catalog
        result["kept_apart"] = "heldout" in Path(tsv).name
        out[Path(tsv).name] = result
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--catalog", default=str(SHARED / "catalog" / "muenchen" / "services_de.json"))
    parser.add_argument("--questions", nargs="*", default=[
        str(SHARED / "eval" / "questions_muenchen_dev.tsv"), str(DATA / "questions_muenchen_colloquial_dev.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev2.tsv"), str(DATA / "questions_muenchen_colloquial_dev3.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev4.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev5.tsv"), str(DATA / "questions_muenchen_colloquial_dev6.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev7.tsv"), str(DATA / "questions_muenchen_colloquial_dev9.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev10.tsv"), str(DATA / "questions_muenchen_colloquial_dev11.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev12.tsv"), str(DATA / "questions_muenchen_colloquial_dev13.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev14.tsv"), str(DATA / "questions_muenchen_colloquial_dev15.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev16.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev17.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev18.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev19.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev20.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev21.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev22.tsv"),
        str(DATA / "questions_muenchen_colloquial_dev23.tsv"),
        str(DATA / "questions_muenchen_fresh_dev.tsv"), str(ROOT / "tests" / "data" / "questions_muenchen_heldout.tsv")])
    parser.add_argument("--dialog", nargs="*", default=DIALOG_SETS, metavar="CATALOG=TSV",
                        help="conversation sets; CATALOG is a catalog file, 'sample' or 'munich' (the --catalog)")
    parser.add_argument("--kept-apart", action="store_true",
                        help="also run the kept-apart conversation sets and Munich questions")
    parser.add_argument("--db", help="database to use (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=3, help="passes over each set for latency")
    parser.add_argument("--embed-threads", type=int, default=1, help="e5 CPU threads ([catalog] embed_threads)")
    args = parser.parse_args()

    from rathaus.catalog.assistant import Assistant, CatalogSettings
    from rathaus.evaluation.catalog import evaluate, read_questions
    from rathaus.evaluation.stats import percentile
    from rathaus.catalog.repository import import_file
    from rathaus.dialog.engine import DialogEngine, SingleTurn
    from rathaus.store import Store

    db = args.db or str(Path(tempfile.mkdtemp(prefix="rathaus-bench-")) / "bench.db")
    store = Store(db)
    started = time.perf_counter()
    report = import_file(store, args.catalog)
    import_s = time.perf_counter() - started
    assistant = Assistant(store, CatalogSettings(embed_threads=args.embed_threads))
    started = time.perf_counter()
    assistant.index  # noqa: B018 - builds the index (embeds catalog texts not yet cached)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    DialogEngine(assistant).warm_up()
    warm_s = time.perf_counter() - started
    dialog = SingleTurn(assistant)

    sets = {}
    for path in list(args.questions) + (KEPT_APART_QUESTIONS if args.kept_apart else []):
        if not Path(path).is_file():
            sets[Path(path).name] = {"skipped": f"not found: {path}"}
            continue
        questions = read_questions(path)
        result = {}
        for name, asker in (("search", assistant), ("dialog", dialog)):
            result[name] = evaluate(asker, questions)
            latencies = []
            for _ in range(max(0, args.repeat - 1)):
                for q in questions:
                    latencies.append(asker.ask(q.text).latency_ms)
            if latencies:
                result[name]["latency_ms_p50_repeat"] = percentile(latencies, 0.5)
                result[name]["latency_ms_p95_repeat"] = percentile(latencies, 0.95)
        sets[Path(path).name] = result

    conversations = dialog_sets(list(args.dialog) + (KEPT_APART if args.kept_apart else []), assistant,
                                args.embed_threads)

    print(json.dumps({
        "benchmark": "catalog",
        "catalog": args.catalog, "services": report.added + report.updated + report.unchanged,
        "models": [e.name for e in assistant.index.encoders] + ["sqlite-fts5"],
        "device": "cpu", "embed_threads": args.embed_threads,
        "import_s": round(import_s, 2), "index_build_s": round(build_s, 2), "warm_up_s": round(warm_s, 2),
        "targets": {"top1": ">= 0.85", "forwarded": ">= 0.85", "wrong_confident": "<= 0.05", "latency_ms": "<= 50",
                    "fact_answered": ">= 0.85", "follow_up_answered": ">= 0.85", "person_not_answered": ">= 0.85",
                    "wrong_answers": "<= 0.05"},
        "sets": sets,
        "conversations": conversations,
        "machine": machine(),
    }, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
