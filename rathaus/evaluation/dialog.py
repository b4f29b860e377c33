"""Conversations scored turn by turn: was the asked fact said, about the right service or office?

TSV columns (bench/data/dialog_*.tsv):
  conv      conversation id; consecutive rows with the same id are turns of one conversation
  question  what the caller says
  service   acceptable service ids (comma separated), FORWARD for a question that must go to a
            person, empty for a question about an office alone
  office    the office the answer must be about (its id, or the start of its name), else empty
  facet     the facet asked (cost, documents, where, hours, contact, appointment, processing_time,
            online, deadline, validity, limit), or empty
  fact      text the answer must contain (case and spacing ignored); alternatives separated by |

A turn is answered with the fact when the action is `answer`, the service (or office) is one of
the expected, and the answer contains the fact (for opening hours, in catalog or spoken form:
"Di 9-12" is said by "am Dienstag geöffnet von 9 bis 12 Uhr"). Wrong: an `answer` about another service or
office, or any `answer` to a FORWARD question.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rathaus.catalog import text as T
from rathaus.errors import RathausError
from rathaus.evaluation.stats import percentile
from rathaus.evaluation.tsv import read_rows

# The day a caller's "heute" means when conversation sets are scored: a Tuesday in winter, so that
# a set scores the same on every day the benchmark runs (with the real day, "Wie lange hat das
# Ordnungsamt heute auf?" is right on a weekday and not on a Saturday).
EVALUATION_DAY = dt.date(2026, 12, 1)

COLUMNS = ("conv", "question", "service", "office", "facet", "fact")


@dataclass
class Turn:
    conv: str
    question: str
    services: list[str]
    office: str
    facet: str
    facts: list[str]
    follow_up: bool = False

    @property
    def forward(self) -> bool:
        return self.services == ["FORWARD"]


def read_turns(path: str | Path) -> list[Turn]:
    rows = read_rows(path, COLUMNS, "dialog questions")
    turns: list[Turn] = []
    for n, r in enumerate(rows, start=2):
        if not (r.get("question") or "").strip() or not (r.get("conv") or "").strip():
            raise RathausError(f"{path}:{n}: conv and question must not be empty")
        turns.append(Turn(conv=r["conv"].strip(), question=r["question"].strip(),
                          services=[s.strip() for s in (r["service"] or "").split(",") if s.strip()],
                          office=(r["office"] or "").strip(), facet=(r["facet"] or "").strip(),
                          facts=[f.strip() for f in (r["fact"] or "").split("|") if f.strip()],
                          follow_up=bool(turns) and turns[-1].conv == r["conv"].strip()))
    return turns


def _norm(text: str) -> str:
    return " ".join(T.fold(text).replace("\u202f", " ").split())


_DAYS = {"mo": "montag", "di": "dienstag", "mi": "mittwoch", "do": "donnerstag", "fr": "freitag", "sa": "samstag",
         "so": "sonntag", "monday": "montag", "tuesday": "dienstag", "wednesday": "mittwoch", "thursday": "donnerstag",
         "friday": "freitag", "saturday": "samstag", "sunday": "sonntag", "to": "bis"}
# German and English: an English answer ("open from 7:30 to 12:00") says the hours of a German fact
_HOURS_FILLER = {"uhr", "von", "am", "geoffnet", "offen", "jeweils", "ab", "from", "on", "open", "is"}


def _hours_form(text: str) -> str:
    """Opening hours in one form, so that a fact copied from the catalog ("Di 9-12 Uhr", "18.00")
    matches the same days and times spoken ("am Dienstag geöffnet von 9 bis 12 Uhr")."""
    text = re.sub(r"(\d{1,2})[:.]00\b", r"\1", _norm(text))
    text = re.sub(r"(\d{1,2})[:.](\d{2})\b", r"\1 uhr \2", text)
    text = re.sub(r"\s*[-–]\s*", " bis ", text)
    words = [_DAYS.get(w, w) for w in re.findall(r"\w+", text)]
    return " " + " ".join(w for w in words if w not in _HOURS_FILLER) + " "


def _says(fact: str, answer: str, facet: str) -> bool:
    if _norm(fact) in _norm(answer):
        return True
    return facet == "hours" and _hours_form(fact) in _hours_form(answer)


def judge(turn: Turn, reply: dict) -> dict:
    """{"fact": said the asked fact, "wrong": answered about something else, "facet": facet right}."""
    action = reply.get("action")
    service = (reply.get("service") or {}).get("id")
    office = (reply.get("office") or {}).get("id")
    answer = reply.get("answer") or ""
    if turn.forward:
        return {"fact": False, "wrong": action == "answer", "facet": None, "not_answered": action != "answer"}
    # The expected service, or (for an office question, also inside a service conversation) the
    # expected office; a named office must be the right one.
    office_name = _norm((reply.get("office") or {}).get("name") or "")
    office_ok = bool(office) and (office == turn.office or office_name.startswith(_norm(turn.office)))
    right_subject = (service in turn.services) or bool(turn.office and office_ok)
    if turn.office and office and not office_ok:
        right_subject = False
    said = any(_says(f, answer, turn.facet) for f in turn.facts) if turn.facts else True
    return {"fact": action == "answer" and right_subject and said,
            "wrong": action == "answer" and not right_subject,
            "facet": (reply.get("facet") == turn.facet) if turn.facet else None,
            "not_answered": action != "answer"}


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def evaluate_turns(turns: list[Turn], run: Callable[[list[Turn]], list[tuple[dict, float]]],
                   details: bool = False) -> dict:
    """Scores of one set. `run` plays each conversation and returns (reply, latency ms) per turn."""
    results = run(turns)
    rows = []
    for turn, (reply, ms) in zip(turns, results):
        rows.append((turn, judge(turn, reply), reply, ms))
    inside = [(t, j) for t, j, _, _ in rows if not t.forward]
    first = [j["fact"] for t, j in inside if not t.follow_up]
    follow = [j["fact"] for t, j in inside if t.follow_up]
    offices = [j["fact"] for t, j in inside if not t.services]
    facets = [j["facet"] for t, j in inside if j["facet"] is not None]
    person = [j["not_answered"] for t, j, _, _ in rows if t.forward]
    latencies = [ms for *_, ms in rows]
    cpu = sorted(r.get("cpu_ms", 0.0) for _, _, r, _ in rows)
    out = {
        "turns": len(rows), "conversations": len({t.conv for t in turns}),
        "fact_answered": _share([j["fact"] for _, j in inside]),
        "fact_answered_first_turn": _share(first),
        "follow_up_answered": _share(follow), "follow_up_turns": len(follow),
        "office_answered": _share(offices), "office_turns": len(offices),
        "facet_accuracy": _share(facets),
        "person_not_answered": _share(person), "person_questions": len(person),
        "wrong_answers": _share([j["wrong"] for _, j, _, _ in rows]),
        "latency_ms_p50": percentile(latencies, 0.5),
        "latency_ms_p95": percentile(latencies, 0.95),
        # CPU time of this process per turn: the latency on an idle machine, not inflated by others' load
        "cpu_ms_p50": percentile(cpu, 0.5),
    }
    if details:
        out["details"] = [{"conv": t.conv, "question": t.question, "expected": t.services or t.office,
                           "facet": t.facet, "fact": t.facts, "ok": (j["not_answered"] if t.forward else j["fact"]),
                           "reply": r} for t, j, r, _ in rows]
    return out


def play_in_process(engine) -> Callable[[list[Turn]], list[tuple[dict, float]]]:
    """Plays conversations through a DialogEngine in this process (bench/catalog.py)."""
    from rathaus.dialog.engine import reply_json
    from rathaus.dialog.state import ConversationState

    def run(turns: list[Turn]) -> list[tuple[dict, float]]:
        out = []
        state = ConversationState()
        for turn in turns:
            if not turn.follow_up:
                state = ConversationState()
            started, cpu = time.perf_counter(), time.process_time()
            decision = engine.turn(state, turn.question)
            reply = reply_json(turn.question, decision)
            reply["cpu_ms"] = (time.process_time() - cpu) * 1000
            out.append((reply, (time.perf_counter() - started) * 1000))
        return out

    return run
