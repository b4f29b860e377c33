"""Catalog understanding benchmark: accuracy and latency of `ask` on question sets. Prints JSON.

    .venv/bin/python bench/catalog.py [--questions TSV ...] [--catalog services_de.json] [--db PATH]

Default: the Munich DLDB catalog (../shared/data/catalog/muenchen/services_de.json) imported into a
fresh database (or --db, reused: the cached vectors make later runs start fast), the dev questions
(../shared/data/eval/questions_muenchen_dev.tsv) and our held-out set (tests/data/...).
Figures per set: top1/top3 of in-catalog questions, forwarded share of FORWARD questions, wrong
confident answers, latency p50/p95 per question after warm-up; plus index build time, machine.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--catalog", default=str(SHARED / "catalog" / "muenchen" / "services_de.json"))
    parser.add_argument("--questions", nargs="*", default=[
        str(SHARED / "eval" / "questions_muenchen_dev.tsv"), str(ROOT / "tests" / "data" / "questions_muenchen_heldout.tsv")])
    parser.add_argument("--db", help="database to use (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=3, help="passes over each set for latency")
    parser.add_argument("--embed-threads", type=int, default=1, help="e5 CPU threads ([catalog] embed_threads)")
    args = parser.parse_args()

    from rathaus.catalog.assistant import Assistant, CatalogSettings
    from rathaus.catalog.evaluate import evaluate, read_questions
    from rathaus.catalog.repository import import_file
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
    assistant.warm_up()
    warm_s = time.perf_counter() - started

    sets = {}
    for path in args.questions:
        if not Path(path).is_file():
            sets[Path(path).name] = {"skipped": f"not found: {path}"}
            continue
        questions = read_questions(path)
        result = evaluate(assistant, questions)
        latencies = []
        for _ in range(max(0, args.repeat - 1)):
            for q in questions:
                latencies.append(assistant.ask(q.text).latency_ms)
        if latencies:
            latencies.sort()
            result["latency_ms_p50_repeat"] = round(latencies[len(latencies) // 2], 1)
            result["latency_ms_p95_repeat"] = round(latencies[int(0.95 * (len(latencies) - 1))], 1)
        sets[Path(path).name] = result

    print(json.dumps({
        "benchmark": "catalog",
        "catalog": args.catalog, "services": report.added + report.updated + report.unchanged,
        "models": [e.name for e in assistant.index.encoders] + ["sqlite-fts5"],
        "device": "cpu", "embed_threads": args.embed_threads,
        "import_s": round(import_s, 2), "index_build_s": round(build_s, 2), "warm_up_s": round(warm_s, 2),
        "targets": {"top1": ">= 0.85", "forwarded": ">= 0.90", "wrong_confident": "<= 0.05", "latency_ms": "<= 50"},
        "sets": sets,
        "machine": machine(),
    }, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
