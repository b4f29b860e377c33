"""Text as a person reads it aloud: "Mo.–Fr. 8–12 Uhr, Tel. 0721 133-0, Gebühr 12,50 €" becomes
"Montag bis Freitag acht bis zwölf Uhr, Telefon null sieben zwo eins, eins drei drei, null, Gebühr
zwölf Euro fünfzig".

Why: synthesizers (Piper, espeak-ng) read digits, dots and symbols literally or wrongly; catalog
texts are full of opening hours, fees, phone numbers and abbreviations. German is the main target;
English gets numbers, times and money. The word lists live in voice/speakable_<lang>.toml so that
a municipality can add its own abbreviations without touching code.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from num2words import num2words

_DASH = "[-–—‑]"


@lru_cache(maxsize=None)
def _lexicon(language: str) -> dict[str, Any]:
    entry = resources.files("voice").joinpath(f"speakable_{language}.toml")
    if not entry.is_file():
        return {}
    return tomllib.loads(entry.read_text(encoding="utf-8"))


def speakable(text: str, language: str = "de") -> str:
    """`text` rewritten so that a synthesizer reads numbers, dates, times, money, phone numbers,
    URLs and abbreviations as a person would. Unknown languages get numbers only."""
    language = (language or "de").split("-")[0].split("_")[0].lower()
    text = _normalize(text)
    if language == "de":
        return _German(_lexicon("de")).run(text)
    if language == "en":
        return _English().run(text)
    return _squash(_numbers_generic(text, language))


def expand_abbreviations(text: str) -> str:
    """Only the German weekday and catalog abbreviations read out ("Mo.–Fr.", "z. B.", "Nr."),
    numbers left as written: what voice.wer needs to compare a written text with what was heard."""
    german = _German(_lexicon("de"))
    return german.abbreviations(german.weekdays(_normalize(text)))


def _umlauts(word: str) -> str:
    """Addresses write umlauts as ae/oe/ue ("buergerbuero"); read aloud they are umlauts."""
    return re.sub(r"(?<=[^aeiouq\W])(ae|oe|ue)", lambda m: {"ae": "ä", "oe": "ö", "ue": "ü"}[m.group(1)], word)


_QUOTES = str.maketrans("", "", "\u201e\u201c\u201d\u00ab\u00bb\u2039\u203a\u201a\u2018\"")


def _normalize(text: str) -> str:
    # Quotation marks are not spoken; Pico reads a name in „…“ as a new sentence ("„Reisepass“"
    # came back as "3. Passt"). An apostrophe inside a word (’ or ') stays.
    text = text.translate(_QUOTES)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    return re.sub(r"[ \t\r\f\v]+", " ", text).strip()


def _squash(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    return text.strip()


def _words(n: int | float, language: str, to: str = "cardinal") -> str:
    try:
        return num2words(n, lang=language, to=to)
    except (NotImplementedError, OverflowError, ValueError):
        return num2words(n, lang="en", to=to)


def _numbers_generic(text: str, language: str) -> str:
    return re.sub(r"\d+", lambda m: f" {_words(int(m.group()), language)} ", text)


class _German:
    """The German rules, applied in an order where the specific patterns (dates, times, money,
    phone numbers) run before the general ones (plain numbers)."""

    def __init__(self, lex: dict[str, Any]):
        self.lex = lex
        self.w = lex["words"]
        self.digits = self.w["digits"]
        self.months = self.w["months"]
        self.range_openers = {w.casefold() for w in lex["time_range"]["openers"]}
        ctx = lex["ordinal_context"]
        self.inflected = set(ctx["inflected"])
        self.weak = set(ctx["weak"])

    # -- helpers ---------------------------------------------------------------------------------
    def num(self, n: int) -> str:
        return num2words(n, lang="de")

    def year(self, n: int) -> str:
        return num2words(n, lang="de", to="year") if 1100 <= n <= 1999 else self.num(n)

    def ordinal(self, n: int, before: str) -> str:
        base = num2words(n, lang="de", to="ordinal")  # "zwölfte"
        prev = before.split()[-1] if before.split() else ""
        if prev in self.inflected:
            return base + "n"
        if prev in self.weak:
            return base
        return base + "r"

    def spell_digits(self, digits: str) -> str:
        return " ".join(self.digits[int(d)] for d in digits if d.isdigit())

    def hour(self, h: int) -> str:
        return "ein" if h == 1 else self.num(h)

    def time(self, h: int, m: int, with_uhr: bool = True) -> str:
        out = f"{self.hour(h)} {self.w['uhr']}"
        if m:
            out += f" {self.num(m)}"
        return out

    def amount(self, euros: int, cents: int) -> str:
        w = self.w
        if euros == 0 and cents:
            return f"{self.num(cents)} {w['cent']}"
        out = f"{'ein' if euros == 1 else self.num(euros)} {w['euro']}"
        if cents:
            out += f" {self.num(cents)}"
        return out

    # -- the pipeline ------------------------------------------------------------------------------
    def run(self, text: str) -> str:
        for step in (self.urls, self.phones, self.rooms, self.dates, self.times, self.weekdays, self.money,
                     self.percent, self.paragraphs, self.abbreviations, self.ordinals, self.postcodes, self.ranges,
                     self.decimals, self.house_numbers, self.integers):
            text = step(text)
        return _squash(text)

    def urls(self, text: str) -> str:
        w = self.w

        def spell_host(host: str) -> str:
            parts = []
            for i, label in enumerate(host.split(".")):
                if label.lower() == "www" or (i == len(host.split(".")) - 1 and len(label) <= 3):
                    label = " ".join(label.lower())
                parts.append(_umlauts(label))
            return f" {w['dot']} ".join(parts)

        def email(m: re.Match) -> str:  # pauses around "ät" keep the name and the host apart
            return f"{_umlauts(m.group(1))}, {w['at']}, {spell_host(m.group(2))}"

        text = re.sub(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b", email, text)

        def url(m: re.Match) -> str:
            host, path = m.group(2), m.group(3) or ""
            spoken = spell_host(host)
            if path.strip("/"):
                spoken += f" {w['slash']} " + f" {w['slash']} ".join(p for p in path.strip("/").split("/") if p)
            return spoken

        return re.sub(r"\b(https?://)?((?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:de|com|org|net|eu|info|bund\.de))"
                      r"((?:/[\w.-]*)*)(?=[\s,;)]|$|\.(?:\s|$))", url, text)

    def phones(self, text: str) -> str:
        """Numbers after Tel./Telefon/Fax, and anything shaped like +49 ... or 0721 133-0: read in
        digit groups, the way the number is written. A comma after the number ends the clause
        ("unter 06034 9120-777, die ..."); one before a digit is a decimal comma ("0,50")."""
        pattern = re.compile(
            r"(?:(?<=Tel\. )|(?<=Telefon )|(?<=Telefon: )|(?<=Tel\.: )|(?<=Fax )|(?<=Fax: )|(?<=Rufnummer )"
            r"|(?<=Tel\.)|(?<=Mobil ))?"
            r"(?<![\w,.])(\+\d{1,3}[ \d/()-]*\d|\(?0\d{2,5}\)?[ /-]?\d[\d -]*\d)(?!\w|,\d)"
        )

        def phone(m: re.Match) -> str:
            raw = m.group(1)
            digits = re.sub(r"\D", "", raw)
            if len(digits) < 6:
                return raw
            groups = [g for g in re.split(r"[ /()-]+", raw) if g]
            spoken = []
            for g in groups:
                if g.startswith("+"):
                    spoken.append(f"{self.w['plus']} {self.spell_digits(g[1:])}")
                else:
                    spoken.append(self.spell_digits(g))
            return ", ".join(s for s in spoken if s)

        return pattern.sub(phone, text)

    def rooms(self, text: str) -> str:
        """"Zimmer 2.14", "Raum E 07", "Raum 3.07": floor and room read as written ("zwei Punkt
        vierzehn", "E null sieben", "drei Punkt null sieben"), never as a date or a decimal."""
        def part(raw: str) -> str:
            return self.spell_digits(raw) if raw.startswith("0") and len(raw) > 1 else self.num(int(raw))

        def room(m: re.Match) -> str:
            numbers = f" {self.w['dot']} ".join(part(p) for p in m.group(3).split("."))
            return f"{m.group(1)} {m.group(2) or ''}{numbers}"

        words = "|".join(self.lex.get("rooms", {}).get("words", ["Zimmer", "Raum"]))
        return re.sub(rf"\b({words}) ([A-Z] ?)?(\d{{1,3}}(?:\.\d{{1,3}})*)\b(?!,\d)", room, text)

    def dates(self, text: str) -> str:
        def numeric(m: re.Match) -> str:
            day, month, year = int(m.group(2)), int(m.group(3)), m.group(4)
            if not (1 <= day <= 31 and 1 <= month <= 12):
                return m.group(0)
            out = f"{m.group(1)}{self.ordinal(day, m.group(1))} {self.months[month - 1]}"
            if year:
                y = int(year)
                if len(year) == 2:
                    y += 2000 if y < 70 else 1900
                out += f" {self.year(y)}"
            return out

        text = re.sub(r"(^|[^\d.,:]*?)\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2}(?!\d))?(?![\d])", numeric, text)
        months = "|".join(self.months) + "|Jan|Feb|Mär|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Nov|Dez"

        def named(m: re.Match) -> str:
            day = int(m.group(2))
            out = f"{m.group(1)}{self.ordinal(day, m.group(1))} {m.group(3)}"
            if m.group(4):
                out += f" {self.year(int(m.group(4)))}"
            return out

        return re.sub(rf"(^|[^\d]*?)\b(\d{{1,2}})\. ?({months})\b\.?(?: (\d{{4}}))?", named, text)

    def _from(self, m: re.Match) -> str:
        """ "von " before a time range that has no opener: "im Sommer 7-20 Uhr" read as "sieben bis
        zwanzig Uhr" was heard back as "27 Uhr"; "von sieben bis zwanzig Uhr" is how people say it."""
        before = m.string[:m.start()].split()
        if before and before[-1].casefold() in self.range_openers:
            return ""
        return f"{self.w['from']} "

    def times(self, text: str) -> str:
        uhr = self.w["uhr"]
        clock = r"(\d{1,2})(?:[:.](\d{2}))?"

        def rng(m: re.Match) -> str:
            h1, m1, h2, m2 = m.group(1), m.group(2), m.group(3), m.group(4)
            first = self.time(int(h1), int(m1 or 0)) if m1 else self.hour(int(h1))
            if not m1 and not m2:
                first = self.num(int(h1))
            second = self.time(int(h2), int(m2 or 0))
            if m1 and not m2:
                second = self.time(int(h2), 0)
            return f"{self._from(m)}{first} {self.w['to']} {second}"

        text = re.sub(rf"\b{clock} ?(?:{_DASH}|bis) ?{clock} ?{uhr}\b", rng, text)

        def rng_colon(m: re.Match) -> str:
            return (f"{self._from(m)}{self.time(int(m.group(1)), int(m.group(2)))} {self.w['to']} "
                    f"{self.time(int(m.group(3)), int(m.group(4)))}")

        text = re.sub(rf"\b(\d{{1,2}}):(\d{{2}}) ?(?:{_DASH}|bis) ?(\d{{1,2}}):(\d{{2}})\b", rng_colon, text)

        def single(m: re.Match) -> str:
            return self.time(int(m.group(1)), int(m.group(2) or 0))

        text = re.sub(rf"\b{clock} ?{uhr}\b", single, text)
        text = re.sub(r"\b([01]?\d|2[0-3]):([0-5]\d)\b", single, text)
        return text

    def weekdays(self, text: str) -> str:
        days = self.lex["weekdays"]
        token = r"(Mo|Di|Mi|Do|Fr|Sa|So)\.?(?!\w)"

        def rng(m: re.Match) -> str:
            return f"{days[m.group(1)]} {self.w['to']} {days[m.group(2)]}"

        text = re.sub(rf"\b{token} ?(?:{_DASH}|bis) ?{token}(?=[\s,:;]|$)", rng, text)

        def listed(m: re.Match) -> str:
            return re.sub(rf"\b{token}", lambda t: days[t.group(1)], m.group(0))

        # lists such as "Mo., Di. und Do." or "Mo, Mi"
        text = re.sub(rf"\b{token}(?:(?:,| und| u\.) ?{token})+(?=[\s,:;]|$)", listed, text)
        # a single day before a time, a colon or "geschlossen": "Do 14 bis 18 Uhr", "Mi.: 8 Uhr", "Mi geschlossen"
        text = re.sub(rf"\b{token}:?(?= ?(?:{self.w['from']} )?(?:\d|[a-zäöüß]+ Uhr|\w+ {self.w['to']})|"
                      rf" {self.w['closed']}\b)",
                      lambda t: days[t.group(1)], text)
        # with its dot, before a lower-case word or at a clause end: "Do. zusätzlich", "am Sa. geschlossen"
        # ("Fr. Müller" stays "Frau": a capitalised word follows)
        return re.sub(r"\b(Mo|Di|Mi|Do|Fr|Sa|So)\.(?= [a-zäöüß]|[,;:]|$)", lambda t: days[t.group(1)], text)

    def money(self, text: str) -> str:
        def amount(m: re.Match) -> str:
            euros = int(m.group("e").replace(".", ""))
            cents_raw = m.group("c") or ""
            cents = int(cents_raw.ljust(2, "0")) if cents_raw.isdigit() else 0
            return self.amount(euros, cents)

        after = r"(?P<e>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<c>\d{1,2}|-{1,2}|–))? ?(?:€|EUR\b|Euro\b)"
        text = re.sub(after, amount, text)
        before = r"(?:€|EUR\b) ?(?P<e>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<c>\d{1,2}|-{1,2}|–))?"
        text = re.sub(before, amount, text)
        return re.sub(r"\b(\d+) ?(?:ct|Cent)\b", lambda m: f"{self.num(int(m.group(1)))} {self.w['cent']}", text)

    def percent(self, text: str) -> str:
        return re.sub(r"(\d+(?:,\d+)?) ?%", lambda m: f"{m.group(1)} {self.w['percent']}", text)

    def paragraphs(self, text: str) -> str:
        text = re.sub(r"§§ ?", f"{self.w['paragraphs']} ", text)
        return re.sub(r"§ ?", f"{self.w['paragraph']} ", text)

    def abbreviations(self, text: str) -> str:
        table = self.lex["abbreviations"]
        for abbr in sorted(table, key=len, reverse=True):
            parts = [re.escape(p) for p in abbr.split()]
            body = r"\s?".join(parts)
            start = r"(?<![\w])" if abbr[0].isalnum() else ""
            end = r"(?![\w])" if abbr[-1].isalnum() else ""
            text = re.sub(start + body + end, table[abbr], text)
        for abbr, spoken in self.lex.get("suffix_abbreviations", {}).items():  # "Hauptstr." -> "Hauptstraße"
            text = re.sub(r"(?<=\w)" + re.escape(abbr) + r"(?!\w)", spoken, text)
        return text

    def ordinals(self, text: str) -> str:
        """"3. Obergeschoss", "am 1. Werktag": a number with a dot before a word that is no
        sentence start after it (lower case, or a capitalised noun in the same clause)."""
        def ordinal(m: re.Match) -> str:
            return f"{m.group(1)}{self.ordinal(int(m.group(2)), m.group(1))} "

        # after an article or preposition any noun follows an ordinal: "vor Vollendung des 18. Lebensjahres"
        text = re.sub(r"\b(des|dem|den|das|der|die|am|im|zum|zur|vom|beim|ab|seit|vor|nach|jeden|jedes|jeder)"
                      r" (\d{1,3})\. (?=[A-ZÄÖÜ])",
                      lambda m: f"{m.group(1)} {self.ordinal(int(m.group(2)), m.group(1))} ", text)
        return re.sub(r"(^|.*?\b(?:\w+ )?)(?<![\d.,])(\d{1,3})\. (?=(?:[a-zäöü]|(?:Stock|Obergeschoss|"
                      r"Untergeschoss|Etage|Tagesordnungspunkt|Sitzung|Lesung|Quartal|Halbjahr|Klasse|"
                      r"Werktag|Monat|Jahrhundert|Mal|Platz|Bauabschnitt|Änderung|Nachtrag|Lebensjahr|Lebensjahres|"
                      r"Geburtstag|Kalendertag|Kalenderjahr|Schuljahr|Woche|Tag)\b))",
                      ordinal, text)

    def postcodes(self, text: str) -> str:
        """"76133 Karlsruhe" after "PLZ" or after a comma (an address): read digit by digit."""
        return re.sub(r"((?:PLZ|Postleitzahl|,) ?)(\d{5})(?= [A-ZÄÖÜ])",
                      lambda m: m.group(1) + self.spell_digits(m.group(2)), text)

    def ranges(self, text: str) -> str:
        return re.sub(rf"\b(\d+) ?{_DASH} ?(\d+)\b", lambda m: f"{m.group(1)} {self.w['to']} {m.group(2)}", text)

    def decimals(self, text: str) -> str:
        def dec(m: re.Match) -> str:
            whole = int(m.group(1).replace(".", ""))
            return f"{self.num(whole)} {self.w['point']} {' '.join(self.num(int(d)) for d in m.group(2))}"

        return re.sub(r"(?<![\d,.])(\d{1,3}(?:\.\d{3})+|\d+),(\d+)\b", dec, text)

    def house_numbers(self, text: str) -> str:
        """"Hauptstraße 12a": the letter is read on its own ("zwölf a"), not glued to the number."""
        return re.sub(r"\b(\d{1,4})([a-hA-H])\b", r"\1 \2", text)

    def integers(self, text: str) -> str:
        fem = self.lex["feminine"]

        def one(noun: str) -> str:
            if noun in fem["feminine_exceptions"]:
                return self.w["one_fem"]
            if noun in fem["masculine_neuter_exceptions"]:
                return self.w["one_masc"]
            if any(noun.endswith(e) for e in fem["endings"]) and len(noun) > 3:
                return self.w["one_fem"]
            return self.w["one_masc"]

        def integer(m: re.Match) -> str:
            raw, noun = m.group(1), m.group(2)
            if len(raw) > 1 and raw.startswith("0"):
                return self.spell_digits(raw) + (f" {noun}" if noun else "")
            n = int(raw.replace(".", ""))
            if n == 1 and noun and noun[0].isupper():
                return f"{one(noun)} {noun}"
            return self.num(n) + (f" {noun}" if noun else "")

        text = re.sub(r"(?<![\d])(\d{1,3}(?:\.\d{3})+|\d+)(?![\d])(?: ([A-ZÄÖÜ][\wäöüß]*))?",
                      lambda m: integer(m) if m.group(2) else integer_plain(m), text)
        return text


def integer_plain(m: re.Match) -> str:
    """A number with no noun after it. 1100-1999 read as years ("vor 1990" -> "neunzehnhundert-
    neunzig"): without a noun that is what they nearly always are in catalog texts."""
    raw = m.group(1)
    if len(raw) > 1 and raw.startswith("0") and "." not in raw:
        digits = _lexicon("de")["words"]["digits"]
        return " ".join(digits[int(d)] for d in raw)
    n = int(raw.replace(".", ""))
    if 1100 <= n <= 1999 and "." not in raw:
        return num2words(n, lang="de", to="year")
    return num2words(n, lang="de")


class _English:
    """Numbers, clock times and money for English answers."""

    def run(self, text: str) -> str:
        def clock(m: re.Match) -> str:
            h, mi, ampm = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower().replace(".", "")
            out = num2words(h, lang="en")
            if mi:
                out += " " + (f"oh {num2words(mi, lang='en')}" if mi < 10 else num2words(mi, lang="en"))
            elif not ampm:
                out += " o'clock"
            if ampm:
                out += " " + " ".join(ampm.upper())
            return out

        text = re.sub(r"\b(\d{1,2}):(\d{2})\s?([ap](?:\.m\.|m))?", clock, text, flags=re.I)
        text = re.sub(r"\b(\d{1,2})()\s?([ap](?:\.m\.|m))(?!\w)", clock, text, flags=re.I)

        def money(m: re.Match) -> str:
            euros = int(m.group(1).replace(",", ""))
            cents = int((m.group(2) or "0").ljust(2, "0"))
            out = f"{num2words(euros, lang='en')} euro{'s' if euros != 1 else ''}"
            if cents:
                out += f" {num2words(cents, lang='en')}"
            return out

        text = re.sub(r"(?:€|EUR) ?(\d[\d,]*)(?:\.(\d{1,2}))?", money, text)
        text = re.sub(r"(\d[\d,]*)(?:\.(\d{1,2}))? ?(?:€|(?:EUR|euros?)\b)", money, text)
        text = re.sub(r"(\d+) ?%", lambda m: f"{m.group(1)} percent", text)
        text = re.sub(r"\b(\d+)\.(\d+)\b", lambda m: f"{num2words(int(m.group(1)), lang='en')} point "
                      + " ".join(num2words(int(d), lang="en") for d in m.group(2)), text)
        text = re.sub(r"\b(\d{1,3}(?:,\d{3})+|\d+)\b", lambda m: num2words(int(m.group(1).replace(",", "")), lang="en"), text)
        text = text.replace("&", " and ").replace("e.g.", "for example").replace("i.e.", "that is")
        return _squash(text)
