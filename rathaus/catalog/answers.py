"""Spoken answers from templates (prompts/<lang>/catalog.toml) filled with catalog fields only.

At most three short sentences for the phone: what the service is, what it costs, what to bring
(or where to go). A sentence whose catalog field is empty is left out rather than invented.
"""

from __future__ import annotations

import re

import prompts
from rathaus.catalog.html import first_sentences
from rathaus.catalog.model import Service
from rathaus.catalog import text as T

ANSWER_LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru")


def answer_language(language: str | None) -> str:
    """The caller's language where catalog templates exist, else German."""
    lang = (language or "de").split("-")[0].lower()
    return lang if lang in ANSWER_LANGUAGES and prompts.has("catalog.answer.what", lang) else "de"


# "Kinder unter 16 Jahren frei": in a fee text, "frei" alone is free of charge too
_MONEY = re.compile(r"\d[\d.,]*\s*(euro|eur|€)|€\s*\d|gebührenfrei|kostenlos|kostenfrei|beitragsfrei|\bfrei\b|"
                    r"keine gebühr", re.I)


def fee_text_lines(fees: str) -> list[str]:
    """Every line of a fee text (lines or "; "-separated parts), without list marks."""
    return [line.lstrip("-• ").strip().rstrip(".;") for line in re.split(r"\n|;\s*", fees or "") if line.strip()]


def fee_lines(fees: str) -> list[str]:
    """The lines of a fee text that name an amount in euro or say "free" (not bank details): the
    only ones spoken, here and in the dialog's choice of the fitting line (rathaus.dialog.fees)."""
    return [line for line in fee_text_lines(fees) if _MONEY.search(line)]


def spoken_fees(fees: str, max_items: int = 2) -> tuple[str, bool]:
    """(the fee lines to speak, whether the catalog lists more fees than that)."""
    lines = fee_lines(fees)
    if len(lines) > 2 * max_items:  # a fee table: the first line, and say that there are others
        return lines[0], True
    return "; ".join(lines[:max_items]), len(lines) > max_items


def _join(items: list[str], lang: str, key: str) -> str:
    sep = prompts.text(key, lang)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + sep + items[-1]


def _says_name(summary: str, name: str) -> bool:
    """Whether the summary says the service's name or the first noun of it ("Biotonnen" for
    "Biotonne und Abfallbehälter bestellen"); where it does not ("Ziehen Sie innerhalb von
    Musterstadt um, ..." for "Wohnsitz ummelden innerhalb von Musterstadt"), the name goes first,
    so the caller hears what was understood."""
    head = next((T.stem(w) for token in re.findall(r"[A-ZÄÖÜ][\w-]*", name) for w in T.words(token)), None)
    said = {T.stem(w) for w in T.words(summary)}
    return T.fold(name) in T.fold(summary) or (head is not None and any(T.part_of(head, s) for s in said))


def answer_text(service: Service, language: str | None = "de", detail: str = "") -> str:
    """`detail`: a sentence of the description that speaks to the question, said after what the
    service is (German only, like the summary it follows); it takes the place of the third sentence."""
    lang = answer_language(language)
    sentences = []
    summary = first_sentences(service.description, limit=1, max_chars=220) if lang == "de" else ""
    if summary:
        key = "catalog.answer.what" if _says_name(summary, service.name) else "catalog.answer.what_named"
        sentences.append(prompts.text(key, lang, summary=summary, name=service.name))
        if detail and detail not in summary:
            sentences.append(detail)
    else:
        sentences.append(prompts.text("catalog.answer.what_name_only", lang, name=service.name))
    fees, more = spoken_fees(service.fees)
    if fees:
        sentences.append(prompts.text("catalog.answer.cost_varies" if more else "catalog.answer.cost", lang, fees=fees))
    if service.documents:
        sentences.append(prompts.text("catalog.answer.bring", lang,
                                      documents=_join(service.documents[:3], lang, "catalog.answer.list_and")))
    elif service.offices:
        office = service.offices[0]
        key = "catalog.answer.where" if office.address else "catalog.answer.where_no_address"
        sentences.append(prompts.text(key, lang, office=office.name, address=office.address))
    return " ".join(s.replace("..", ".") for s in sentences[:3])


def confirm_text(names: list[str], language: str | None = "de") -> str:
    lang = answer_language(language)
    if len(names) == 1:
        return prompts.text("catalog.confirm.ask_one", lang, option=names[0])  # no quotation marks: the voice reads them badly
    return prompts.text("catalog.confirm.ask", lang, options=_join(names, lang, "catalog.confirm.list_or"))


def forward_text(kind: str, language: str | None = "de") -> str:
    """kind: person, no_match, empty_question."""
    return prompts.text(f"catalog.forward.{kind}", answer_language(language))


def reason_text(kind: str) -> str:
    """A reason for staff (German; the review page and hand-off record show it)."""
    return prompts.text(f"catalog.reason.{kind}", "de")
