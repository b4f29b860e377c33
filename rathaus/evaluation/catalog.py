"""Accuracy and latency of the assistant on a questions file (used by `rathaus eval` and bench/).

TSV columns: question, expected — acceptable service ids separated by commas, or FORWARD.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rathaus.evaluation.stats import percentile
from rathaus.evaluation.tsv import read_rows


@dataclass
class Question:
    text: str
    expected: list[str]  # service ids; ["FORWARD"] when the catalog has no answer

    @property
    def forward(self) -> bool:
        return self.expected == ["FORWARD"]


def read_questions(path: str | Path) -> list[Question]:
    rows = read_rows(path, ("question", "expected"), "questions")
    return [Question(text=r["question"], expected=[e.strip() for e in r["expected"].split(",") if e.strip()]) for r in rows]



def evaluate(assistant, questions: list[Question], details: bool = False, warmup: int = 3) -> dict:
    """top-1/top-3 of in-catalog questions, forwarded share of FORWARD questions, wrong confident
    answers (an `answer` with a wrong service, or any `answer` to a FORWARD question), latency."""
    for q in questions[:warmup]:
        assistant.ask(q.text)
    inside = [q for q in questions if not q.forward]
    outside = [q for q in questions if q.forward]
    top1 = top3 = forwarded = wrong = answered = 0
    latencies, cpu = [], []
    rows = []
    for q in questions:
        started = time.process_time()
        d = assistant.ask(q.text)
        cpu.append((time.process_time() - started) * 1000)
        latencies.append(d.latency_ms)
        ids = [c.id for c in d.candidates]
        if q.forward:
            forwarded += d.action == "forward"
            wrong += d.action == "answer"
        else:
            top1 += bool(ids[:1]) and ids[0] in q.expected
            top3 += any(i in q.expected for i in ids[:3])
            if d.action == "answer":
                answered += 1
                wrong += d.service is not None and d.service.id not in q.expected
        if details:
            rows.append({"question": q.text, "expected": q.expected, "action": d.action,
                         "service": d.service.id if d.service else None, "candidates": ids,
                         "ok": (d.action == "forward") if q.forward else bool(ids) and ids[0] in q.expected})
    result = {
        "questions": len(questions),
        "in_catalog": len(inside),
        "forward_questions": len(outside),
        "top1": round(top1 / len(inside), 3) if inside else None,
        "top3": round(top3 / len(inside), 3) if inside else None,
        "answered_share": round(answered / len(inside), 3) if inside else None,
        "forwarded": round(forwarded / len(outside), 3) if outside else None,
        "wrong_confident": round(wrong / len(questions), 3) if questions else None,
        "wrong_confident_count": wrong,
        "latency_ms_p50": percentile(latencies, 0.5),
        "latency_ms_p95": percentile(latencies, 0.95),
        # CPU time of this process per question: close to the latency on an idle machine (the
        # models run single-threaded), and not inflated by other load on a shared one.
        "cpu_ms_p50": percentile(cpu, 0.5),
        "cpu_ms_p95": percentile(cpu, 0.95),
    }
    if details:
        result["details"] = rows
    return result
