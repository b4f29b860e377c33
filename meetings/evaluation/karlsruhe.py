"""The vote rules measured on the real Karlsruhe minutes (Niederschriften, 2013-2019).

Each minutes file holds one agenda item: header, Beschluss text, the near-verbatim debate with
the chair's words, and an "Abstimmungsergebnis:" block. The input to the rules is the file
WITHOUT that block; the block, parsed by `parse_truth`, is the truth. The `published` form gives
the file as published, block and all: what a clerk who feeds written minutes to
`rathaus votes find` gets, where the recorded result must win over the debate around it.

Dev / held-out split (fixed, by file name, independent of content): a file is held out when
int(sha256(stem).hexdigest(), 16) % 10 >= 6, where stem is the file name without ".txt"
(235 files: 143 dev, 92 held-out). Rules are written looking at dev files only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable

from meetings.evaluation.asr_style import asr_style
from meetings.evaluation.scoring import Tally, counts_of
from meetings.spoken_numbers import number_words_to_digits
from meetings.vote_counts import parse_counts
from meetings.vote_model import ACCEPTED, NO_VOTE, REJECTED, Vote
from meetings.votes import final_vote

DEV, HELDOUT = "dev", "heldout"


def partition(name: str) -> str:
    """"dev" or "heldout" for a minutes file name (see the module docstring for the rule)."""
    stem = Path(name).name.removesuffix(".txt")
    return HELDOUT if int(hashlib.sha256(stem.encode("utf-8")).hexdigest(), 16) % 10 >= 6 else DEV



@dataclass
class KarlsruheItem:
    """One minutes file split for evaluation: `text` excludes the Abstimmungsergebnis block."""

    file: str
    truth_text: str
    text: str
    published: str   # the file as published (dehyphenated, up to "Zur Beurkundung"), block and all
    truth: Vote | None   # None when the truth line holds several votes or is not a vote result


_RESULT_HEAD = re.compile(r"^\s*Abstimmungsergebnis\s*:?\s*$", re.M)
_END_MARK = re.compile(r"^\s*Zur Beurkundung", re.M)


def dehyphenate(text: str) -> str:
    """Join words the PDF layout broke at line ends ("Zustim-\nmung" -> "Zustimmung"), but keep
    "Natur- und Artenschutz"."""
    text = re.sub(r"(\w)-[ \t]*\n\s*(?:- \d+ -\s*)?(?!(?:und|oder|bzw|sowie)\b)([a-zäöüß])", r"\1\2", text)
    return text


def split_karlsruhe(text: str) -> tuple[str, str] | None:
    """(truth block, text without it) for a minutes file with exactly one result block."""
    heads = list(_RESULT_HEAD.finditer(text))
    if len(heads) != 1:
        return None
    head = heads[0]
    rest = text[head.end():]
    # the result block: the lines up to the first blank line after some content
    lines = rest.split("\n")
    block: list[str] = []
    consumed = 0
    for line in lines:
        consumed += len(line) + 1
        if line.strip():
            block.append(line.strip())
        elif block:
            break
    return "\n".join(block), _before_end(dehyphenate(text[: head.start()] + "\n" + rest[consumed:]))


def _before_end(text: str) -> str:
    end = _END_MARK.search(text)
    return text[: end.start()] if end else text


def parse_truth(block: str) -> Vote | None:
    """The vote stated by an Abstimmungsergebnis block; None for multi-vote or other blocks.

    Rules: "keine Abstimmung" and "Kenntnisnahme" -> none; "einstimmig" -> unanimous;
    "abgelehnt" -> rejected; "mehrheitlich", a count of Nein-Stimmen/Enthaltungen or a "Rest
    Zustimmung" clause -> majority. Blocks with several results (one per Vorlage, "Punkt 1:",
    "Wahlgang") and blocks that say only "zugestimmt"/"Zustimmung" are left out.
    """
    lines = [line for line in block.split("\n") if line.strip()]
    if not lines:
        return None
    if len(lines) > 1 or re.match(r"^\s*(Vorlage|Punkt|TOP|\d+\.\s*Wahlgang)", lines[0]):
        return None
    line = re.sub(r"^\s*(Beschlussvorlage|Antrag|Ergänzungsantrag)\s*:\s*", "", lines[0])
    low = line.lower()
    if "keine abstimmung" in low or low.strip(" .") == "kenntnisnahme":
        return Vote(NO_VOTE, evidence=line)
    yes, no, abstain = parse_counts(line)
    if "einstimmig" in low:
        return Vote(ACCEPTED, unanimous=True, yes=yes, no=no, abstain=abstain, evidence=line)
    if "abgelehnt" in low:
        return Vote(REJECTED, yes=yes, no=no, abstain=abstain, evidence=line)
    if "mehrheitlich" in low or (no or 0) > 0 or (abstain or 0) > 0 or re.search(
            r"\b(rest|ansonsten)\b", low):
        return Vote(ACCEPTED, majority=True, yes=yes, no=no, abstain=abstain, evidence=line)
    return None


def karlsruhe_items(directory: str | Path, part: str | None = None) -> Iterable[KarlsruheItem]:
    """The minutes files with one result block, in name order; `part`: only dev or held-out."""
    for path in sorted(Path(directory).glob("*.txt")):
        if part is not None and partition(path.name) != part:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        split = split_karlsruhe(text)
        if split is None:
            continue
        block, body = split
        yield KarlsruheItem(file=path.name, truth_text=block, text=body,
                            published=_before_end(dehyphenate(text)), truth=parse_truth(block))


_VOTE_WORD = re.compile(r"Stimm|Enthaltung|Ablehnung|Zustimmung|dafür|dagegen|\bJa\b|\bNein\b", re.I)


def counts_said(text: str, truth: Vote) -> bool:
    """Whether every count the truth states is said in `text`: the number (in digits or words)
    stands within 40 characters of a vote word. Most Karlsruhe counts come from the electronic
    vote display and are never said aloud ("Das ist eine große Mehrheit." -> "Bei 41 Ja-Stimmen
    und 3 Nein-Stimmen"); no rule can read those from the words. Independent of the rules."""
    digits = number_words_to_digits(text)
    for value in counts_of(truth):
        if value is None:
            continue
        if not any(_VOTE_WORD.search(digits[max(0, m.start() - 40): m.end() + 40])
                   for m in re.finditer(rf"(?<![\d.,]){value}(?![\d]|[.,]\d)", digits)):
            return False
    return True


def evaluate_karlsruhe(directory: str | Path, part: str | None = None,
                       asr: bool = False, published: bool = False) -> dict[str, Any]:
    """Accuracy of the vote rules on the Karlsruhe minutes (all files, or one `part`).

    Scored: the category (unanimous / majority / rejected / none...) of the last vote found, and,
    where the truth states counts, whether every stated count is found with that value; the
    counts are also scored on the items whose counts are said in the text (`counts_said`). The
    clerks record an item taken note of as "Kenntnisnahme" or "keine Abstimmung", so a found
    `noted` is scored as `none`. `asr`: the text is first put in the form whisper writes
    (meetings.evaluation.asr_style: no punctuation, no capitals, numbers as words). `published`:
    the input is the file as published, with its result block.
    """
    files = sum(1 for p in Path(directory).glob("*.txt") if part is None or partition(p.name) == part)
    tally, said = Tally(), Tally()
    with_block = 0
    for item in karlsruhe_items(directory, part):
        with_block += 1
        if item.truth is None:
            continue
        source = item.published if published else item.text
        text = asr_style(source) if asr else source
        predicted = final_vote(text)
        if predicted.category == "noted":
            predicted = replace(predicted, outcome=NO_VOTE)  # the clerks write "keine Abstimmung"
        tally.add(item.file, item.truth.category, counts_of(item.truth), predicted, item.truth_text)
        if any(v is not None for v in counts_of(item.truth)) and counts_said(source, item.truth):
            said.add(item.file, item.truth.category, counts_of(item.truth), predicted, item.truth_text)
    return {"part": part or "all", "asr_style": asr, "published": published, "files": files, "with_result_block": with_block,
            "skipped_multi_or_unclear": with_block - tally.scored, **tally.summary(),
            "with_counts_said": said.with_counts, "counts_said_correct": said.counts_correct,
            "counts_said_accuracy": said.summary()["counts_accuracy"]}
