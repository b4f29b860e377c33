"""Find personal data in free text and replace it with typed placeholders ("[IBAN]", "[TELEFON]").

Callers are the phone records (turns and hand-off before they are stored), the meeting exports
and the log filter. Precision matters more than recall here: a redacted fee, vote count or agenda
item number makes a transcript useless, so every detector needs either a checksum, a shape that
ordinary numbers do not have, or a context word ("geboren", "Telefon", "Steuernummer").

`redact(text)` returns a `Redaction` with the new text and the `Finding`s (kind, span, in the
original text) so callers can count what was removed without keeping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Iterator

# Every kind, in the order overlapping findings are preferred (a valid IBAN beats a phone-like
# digit run inside it; a checksummed tax id beats a context-only phone match).
KINDS = ("iban", "email", "pension_number", "health_number", "tax_id", "tax_number", "birth_date",
         "phone", "address", "name")
DEFAULT_KINDS = ("iban", "phone", "email", "birth_date", "tax_id", "tax_number", "pension_number",
                 "health_number")


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


@dataclass
class Redaction:
    text: str
    findings: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out


# --- IBAN ---------------------------------------------------------------------------------------

# Lengths of IBANs per country (SWIFT registry); others are accepted with 15-34 characters.
_IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25,
    "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2}) ?(\d{2})")


def iban_valid(compact: str) -> bool:
    """ISO 13616 check: the rearranged number modulo 97 is 1."""
    compact = compact.upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected and len(compact) != expected:
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def _ibans(text: str) -> Iterator[tuple[int, int]]:
    for m in _IBAN_START.finditer(text):
        country = m.group(1).upper()
        want = _IBAN_LENGTHS.get(country)
        compact = country + m.group(2)
        i = m.end()
        best = None
        # walk on over characters and single spaces until the length fits (or the checksum does)
        while i < len(text) and len(compact) < 34:
            ch = text[i]
            if ch in " \u00a0" and i + 1 < len(text) and text[i + 1].isalnum():
                i += 1
                continue
            if not ch.isalnum():
                break
            compact += ch
            i += 1
            if (want and len(compact) == want) or (not want and len(compact) >= 15):
                if (i == len(text) or not text[i].isalnum()) and iban_valid(compact):
                    best = i
                    if want:
                        break
            if want and len(compact) >= want:
                break
        if best is not None:
            yield m.start(), best


# --- e-mail ---------------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# as whisper writes a spoken address: "max punkt muster at web punkt de"
_EMAIL_SPOKEN = re.compile(
    r"\b\w+(?:\s(?:punkt|dot)\s\w+)*\s(?:at|ät|@)\s\w+(?:\s(?:punkt|dot)\s\w+)*"
    r"\s(?:punkt|dot)\s(?:de|com|net|org|eu|info)\b",
    re.IGNORECASE)


# --- phone numbers -------------------------------------------------------------------------------

_DIGIT_WORDS = {"null": "0", "eins": "1", "ein": "1", "zwei": "2", "zwo": "2", "drei": "3", "vier": "4",
                "fünf": "5", "fuenf": "5", "sechs": "6", "sieben": "7", "acht": "8", "neun": "9"}
_PHONE_CONTEXT = re.compile(
    r"(?:telefon|tel\.|tel:|rufnummer|meine nummer|unter der nummer|handy|mobil|festnetz|fax|erreichbar|anrufen|zurückrufen|"
    r"rückruf|phone|number|call me|whatsapp)\W*(?:\w+\W+){0,4}$", re.IGNORECASE)
# digit groups joined by one separator (space, slash, dash, brackets); "(0)" as in "+49 (0)711"
_SEP = r"(?:[ \u00a0]?[/-][ \u00a0]?|[ \u00a0]|[ \u00a0]?\(0\)[ \u00a0]?|[ \u00a0]?\(|\)[ \u00a0]?)"
_PHONE = re.compile(r"(?<![\w+.,:/-])(?:\+[ \u00a0]?)?\d+(?:" + _SEP + r"\d+)*(?!\w|[.,:/-]?\d)")
_SPOKEN_PHONE = re.compile(
    r"(?<!\w)(?:(?:" + "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True)) + r"|\d)[\s,-]+){5,}"
    r"(?:" + "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True)) + r"|\d)(?!\w)", re.IGNORECASE)


def normalize_number(number: str) -> str:
    """A phone number in one comparable form: digits, German numbers with a leading 0
    ("+49 (0)711 123-45" and "0049 711 12345" -> "071112345"), other countries with 00."""
    number = (number or "").strip().replace("(0)", "")
    plus = number.startswith("+")
    digits = re.sub(r"\D", "", number)
    if plus:
        digits = "00" + digits
    if digits.startswith("0049"):
        digits = "0" + digits[4:]
    return digits


def _phone_digits(candidate: str) -> str:
    return candidate.replace("(0)", "").translate({ord(c): None for c in " \u00a0/-()"})


def _is_phone(candidate: str, before: str) -> bool:
    digits = _phone_digits(candidate)
    if not digits.lstrip("+").isdigit():
        return False
    n = len(digits.lstrip("+"))
    context = bool(_PHONE_CONTEXT.search(before[-60:]))
    if digits.startswith(("+", "00")):
        return 8 <= n <= 16
    if re.fullmatch(r"(0[1-9]|[12]\d|3[01]) (0[1-9]|1[0-2]) (19|20)\d\d", candidate):
        return False  # "05 11 2024": a date read out, not a number
    if digits.startswith("0"):
        # a German number with area code: 0 + 2-5 digit area + subscriber; at least 7 digits.
        # A lone "0" group followed by short numbers ("0 3 5") is a vote count, not a number.
        return 7 <= n <= 13
    return context and 6 <= n <= 13 and not re.fullmatch(r"(19|20)\d\d", digits)


def _phones(text: str, allow: frozenset[str] = frozenset()) -> Iterator[tuple[int, int]]:
    for m in _PHONE.finditer(text):
        cand = m.group(0)
        # a written date "12.03.1985" or an amount never reaches here (dots and commas split groups)
        if _is_phone(cand, text[:m.start()]) and normalize_number(cand) not in allow:
            yield m.start(), m.end()
    for m in _SPOKEN_PHONE.finditer(text):
        tokens = re.split(r"[\s,-]+", m.group(0).strip())
        digits = "".join(_DIGIT_WORDS.get(t.lower(), t) for t in tokens)
        words = sum(1 for t in tokens if not t.isdigit())
        if words == 0:
            continue  # plain digit groups are the job of _PHONE
        context = _PHONE_CONTEXT.search(text[:m.start()][-60:])
        if (digits.startswith("0") and len(digits) >= 7) or (context and len(digits) >= 6):
            yield m.start(), m.end()


# --- dates of birth ------------------------------------------------------------------------------

_MONTHS = ("januar", "jänner", "februar", "märz", "maerz", "april", "mai", "juni", "juli", "august",
           "september", "oktober", "november", "dezember", "january", "february", "march", "may", "june",
           "july", "october", "december")
_DATE = re.compile(
    r"(?<![\d.])(?:(?:0?[1-9]|[12]\d|3[01])\.\s?(?:0?[1-9]|1[0-2])\.\s?(?:19|20)?\d{2}"
    r"|(?:0?[1-9]|[12]\d|3[01])\.?\s(?:" + "|".join(_MONTHS) + r")\s(?:19|20)\d{2}"
    r"|(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(?![\d])",
    re.IGNORECASE)
_BIRTH_BEFORE = re.compile(
    r"(?:geboren|geb\.|geburtsdatum|geburtstag|geburtsjahr|born|date of birth|birthday|dob)\W*(?:\w+\W+){0,3}$",
    re.IGNORECASE)
_BIRTH_AFTER = re.compile(r"^\W*(?:\w+\W+){0,2}(?:geboren|born)\b", re.IGNORECASE)


def _birth_dates(text: str, any_date: bool) -> Iterator[tuple[int, int]]:
    for m in _DATE.finditer(text):
        if any_date or _BIRTH_BEFORE.search(text[max(0, m.start() - 50):m.start()]) \
                or _BIRTH_AFTER.search(text[m.end():m.end() + 30]):
            yield m.start(), m.end()


# --- tax identifiers -----------------------------------------------------------------------------

_TAX_ID = re.compile(r"(?<![\d/])(?:\d{11}|\d{2} \d{3} \d{3} \d{3})(?![\d/])")
_TAX_NUMBER_SLASH = re.compile(r"(?<![\d/])\d{2,3}/\d{3,4}/\d{4,5}(?![\d/])")
_TAX_NUMBER_CONTEXT = re.compile(r"(?:steuernummer|steuer-nr|st\.?-?nr\.?|tax number)\W*(?:\w+\W+){0,3}$",
                                 re.IGNORECASE)
_TAX_NUMBER_PLAIN = re.compile(r"(?<![\d/])\d{2,5}(?:[ /]?\d{3,5}){1,3}(?![\d/])")


def tax_id_valid(digits: str) -> bool:
    """Steuerliche Identifikationsnummer: 11 digits, no leading 0, in the first ten one digit
    occurs twice or three times (and at least one not at all), check digit ISO 7064 MOD 11,10."""
    if len(digits) != 11 or not digits.isdigit() or digits[0] == "0":
        return False
    counts = [digits[:10].count(d) for d in set(digits[:10])]
    if not (max(counts) in (2, 3) and sorted(counts).count(max(counts)) == 1 and len(counts) in (8, 9)):
        return False
    product = 10
    for ch in digits[:10]:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    check = 11 - product
    return (0 if check == 10 else check) == int(digits[10])


def _tax_ids(text: str) -> Iterator[tuple[int, int]]:
    for m in _TAX_ID.finditer(text):
        if tax_id_valid(m.group(0).replace(" ", "")):
            yield m.start(), m.end()


def _tax_numbers(text: str) -> Iterator[tuple[int, int]]:
    for m in _TAX_NUMBER_SLASH.finditer(text):
        yield m.start(), m.end()
    for m in _TAX_NUMBER_PLAIN.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 10 <= len(digits) <= 13 and _TAX_NUMBER_CONTEXT.search(text[max(0, m.start() - 50):m.start()]):
            yield m.start(), m.end()


# --- insurance numbers ---------------------------------------------------------------------------

# Rentenversicherungsnummer: area (2 digits), birth date DDMMYY, initial of the birth name, serial
# (2 digits) and a check digit: "65 170839 J 003". The letter between digit blocks is a shape that
# ordinary numbers do not have, so the shape and a plausible date are enough.
_PENSION = re.compile(r"(?<![\w])(\d{2}) ?(\d{2})(\d{2})(\d{2}) ?([A-Za-z]) ?(\d{2}) ?(\d)(?!\w)")
# Krankenversichertennummer: a capital letter and nine digits ("A123456780").
_HEALTH = re.compile(r"(?<![\w])[A-Z] ?\d{9}(?!\w)")


def _pension_numbers(text: str) -> Iterator[tuple[int, int]]:
    for m in _PENSION.finditer(text):
        day, month = int(m.group(2)), int(m.group(3))
        if 1 <= day % 50 <= 31 and 1 <= month <= 12:  # day + 50 marks a second number
            yield m.start(), m.end()


def _health_numbers(text: str) -> Iterator[tuple[int, int]]:
    for m in _HEALTH.finditer(text):
        yield m.start(), m.end()


# --- street addresses (opt-in) -------------------------------------------------------------------

_STREET_SUFFIX = r"(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|steig|pfad|chaussee|markt|hof|anger)"
_HOUSE = r"\d{1,4}(?: ?[a-zA-Z](?![\w]))?(?: ?[-/] ?\d{1,4})?"
_POSTCODE_CITY = r"(?:,? \d{5} [A-ZÄÖÜ][\wäöüß-]+)?"
_ADDRESS = re.compile(
    r"(?<![\w])(?:[A-ZÄÖÜ][\wäöüß-]*" + _STREET_SUFFIX
    + r"|[A-ZÄÖÜ][\wäöüß-]+[ -](?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee|Ring|Damm))"
    r" (?:Nr\. ?)?" + _HOUSE + _POSTCODE_CITY + r"(?![\w])")
_NOT_PLACES = {"jahr", "jahre", "tag", "ende", "anfang", "montag", "dienstag", "mittwoch", "donnerstag", "freitag",
               "samstag", "sonntag", "wochenende", "punkt", "top", "monat", "vormittag", "nachmittag", "abend", "morgen"}
_ADDRESS_PREFIXED = re.compile(
    r"(?<![\w])(?:Am|An der|An den|Auf der|Auf dem|Im|In der|Zum|Zur|Hinter der|Unter den) ([A-ZÄÖÜ][\wäöüß-]+) "
    + _HOUSE + _POSTCODE_CITY + r"(?![\w])")


def _addresses(text: str) -> Iterator[tuple[int, int]]:
    for m in _ADDRESS.finditer(text):
        yield m.start(), m.end()
    for m in _ADDRESS_PREFIXED.finditer(text):
        word = m.group(1).lower()
        number = re.match(r"\d+", m.group(0)[m.end(1) - m.start() + 1:])
        if word in _NOT_PLACES or word.rstrip("s") in _NOT_PLACES or word in _MONTHS:
            continue
        if number and len(number.group(0)) == 4:
            continue  # "Im Jahr 2024"-like: a year, not a house number
        yield m.start(), m.end()


# --- known names (opt-in) ------------------------------------------------------------------------

def _names(text: str, names: Iterable[str]) -> Iterator[tuple[int, int]]:
    """Each known name in full, and each of its capitalized parts of 3+ letters on its own."""
    variants: set[str] = set()
    for name in names:
        name = " ".join((name or "").split())
        if len(name) < 3:
            continue
        variants.add(name)
        variants.update(p for p in name.split() if len(p) >= 3 and p[0].isupper())
    for variant in sorted(variants, key=len, reverse=True):
        for m in re.finditer(r"(?<!\w)" + re.escape(variant) + r"(?!\w)", text, re.IGNORECASE):
            yield m.start(), m.end()


# --- putting it together -------------------------------------------------------------------------

def find(text: str, kinds: Iterable[str] = DEFAULT_KINDS, names: Iterable[str] = (),
         any_date: bool = False, allow_numbers: frozenset[str] = frozenset()) -> list[Finding]:
    """Non-overlapping findings in text order. `allow_numbers` (normalized, see `normalize_number`)
    are public numbers that stay, such as the offices' numbers the bot reads out."""
    wanted = set(kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown redaction kind(s): {', '.join(sorted(unknown))}")
    detectors = {
        "iban": lambda: _ibans(text),
        "email": lambda: [(m.start(), m.end()) for m in (*_EMAIL.finditer(text), *_EMAIL_SPOKEN.finditer(text))],
        "pension_number": lambda: _pension_numbers(text),
        "health_number": lambda: _health_numbers(text),
        "tax_id": lambda: _tax_ids(text),
        "tax_number": lambda: _tax_numbers(text),
        "birth_date": lambda: _birth_dates(text, any_date),
        "phone": lambda: _phones(text, allow_numbers),
        "address": lambda: _addresses(text),
        "name": lambda: _names(text, names),
    }
    taken: list[Finding] = []
    for kind in KINDS:
        if kind not in wanted:
            continue
        spans = sorted(set(detectors[kind]()), key=lambda s: (s[0], -(s[1] - s[0])))
        for start, end in spans:
            if any(start < f.end and f.start < end for f in taken):
                continue
            taken.append(Finding(kind, start, end))
    return sorted(taken, key=lambda f: f.start)


@lru_cache(maxsize=16)
def placeholders(language: str = "de") -> dict[str, str]:
    import prompts

    return {kind: prompts.text(f"privacy.placeholder.{kind}", language) for kind in KINDS}


def redact(text: str, kinds: Iterable[str] = DEFAULT_KINDS, names: Iterable[str] = (), any_date: bool = False,
           language: str = "de", allow_numbers: frozenset[str] = frozenset()) -> Redaction:
    """`text` with each finding replaced by its placeholder, and the findings."""
    if not text:
        return Redaction(text or "", [])
    findings = find(text, tuple(kinds), tuple(names), any_date, allow_numbers)
    if not findings:
        return Redaction(text, [])
    marks = placeholders(language)
    out, pos = [], 0
    for f in findings:
        out.append(text[pos:f.start])
        out.append(marks[f.kind])
        pos = f.end
    out.append(text[pos:])
    return Redaction("".join(out), findings)
