"""Opening hours as the catalog writes them ("Mo-Fr 8-12 Uhr, Do 14-17 Uhr") parsed into days
and times, spoken naturally, and checked for the day (and part of day) a caller asks about.

Only what the catalog says is spoken: a text that does not parse is read out as written.
Weekday names and time phrasing come from prompts/<lang>/dialog.toml ([hours]).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

import prompts
from rathaus.catalog import text as T
from rathaus.dialog.data import read

Interval = tuple[int, int]  # minutes after midnight: [start, end)

# Day abbreviations and names as catalogs write them (folded), Monday = 0.
_DAY_WORDS = {
    "mo": 0, "montag": 0, "montags": 0, "di": 1, "dienstag": 1, "dienstags": 1, "mi": 2, "mittwoch": 2, "mittwochs": 2,
    "do": 3, "donnerstag": 3, "donnerstags": 3, "fr": 4, "freitag": 4, "freitags": 4, "sa": 5, "samstag": 5,
    "samstags": 5, "sonnabend": 5, "sonnabends": 5, "so": 6, "sonntag": 6, "sonntags": 6,
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
# Day names callers say in other languages (folded as fold() leaves them), for day questions.
_CALLER_DAYS = {
    "pazartesi": 0, "sali": 1, "carsamba": 2, "persembe": 3, "cuma": 4, "cumartesi": 5, "pazar": 6,
    "понедельник": 0, "вторник": 1, "среду": 2, "среда": 2, "четверг": 3, "пятницу": 4, "пятница": 4, "субботу": 5,
    "суббота": 5, "воскресенье": 6,
    "понеділок": 0, "вівторок": 1, "середу": 2, "середа": 2, "четвер": 3, "пятницю": 4, "пятниця": 4, "суботу": 5,
    "субота": 5, "неділю": 6, "неділя": 6,
    "الاثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الخميس": 3, "الجمعة": 4, "السبت": 5, "الأحد": 6,
}
# Parts of a day a caller may name ("Dienstagnachmittag"), as (start, end) minutes. "Mittags" reaches
# into the afternoon: in the south-west it is the afternoon ("mittwochs mittags" for 14 to 17 Uhr).
_PARTS = {
    "vormittag": (0, 12 * 60), "morgens": (0, 12 * 60), "fruh": (0, 10 * 60), "mittag": (11 * 60, 15 * 60),
    "nachmittag": (12 * 60, 18 * 60), "abend": (17 * 60, 24 * 60), "abends": (17 * 60, 24 * 60),
    "morning": (0, 12 * 60), "afternoon": (12 * 60, 18 * 60), "evening": (17 * 60, 24 * 60),
}
# What may follow a day's name in one word: "Mondays", "Dienstagnachmittag".
_DAY_SUFFIXES = frozenset({"s", *_PARTS})
_CLOSED = frozenset({"geschlossen", "closed", "zu"})
_EVERY_DAY = frozenset({"taglich", "daily"})
# "jeden ersten Samstag im Monat", "am 1. und 3. Mittwoch": which weeks of the month (-1 = last).
_NTH = {"ersten": 1, "zweiten": 2, "dritten": 3, "vierten": 4, "letzten": -1, "first": 1, "second": 2,
        "third": 3, "fourth": 4, "last": -1}
_NTH_DIGITS = re.compile(r"\b([1-4])\.\s*(?=(?:(?:und|u\.|,|/)\s*[1-4]\.\s*)*(?:mo|di|mi|do|fr|sa|so)[a-zäöü]*)",
                         re.IGNORECASE)
_NTH_WORDS = {n: w for w, n in _NTH.items() if w.endswith("en")}
# "Fr nach Vereinbarung", "Mittwoch und Freitag nur nach Terminvereinbarung": open by appointment only
_APPOINTMENT = frozenset({"vereinbarung", "terminvereinbarung", "absprache", "appointment"})
_OTHER_DAYS = re.compile(r"\b(?:übrigen?|restlichen?|anderen?)\s+(?:Tage|Wochentage|Werktage)\b", re.IGNORECASE)
# Words that may stand between a day's times ("8-12 Uhr und 14-16 Uhr", "Do auch 14-17"); any other
# word after times starts something else ("Friedhofstore im Sommer 7-20 Uhr" is not Thursday's)
_BETWEEN_TIMES = frozenset({"uhr", "und", "u", "sowie", "auch", "von", "bis", "ab", "zusatzlich", "jeweils", "oder",
                            "vormittags", "nachmittags", "mittags", "abends", "morgens", "nur"})
# "in den NRW-Schulferien nur Di und Do 9-12 Uhr": the part that holds in school holidays
_HOLIDAY_PART = re.compile(r"^(?:in den|während der|in der)\s+([\w-]*ferien)\b[:,]?", re.IGNORECASE)
# what a caller says for a season or holidays: a month to pick that season's hours by
_ASKED_SEASON = {"sommer": 7, "winter": 1, "fruhjahr": 4, "fruhling": 4, "herbst": 10, "summer": 7}
_MONTHS = {m: i for i, names in enumerate((
    ("januar", "jan"), ("februar", "feb"), ("marz", "mar", "maerz"), ("april", "apr"), ("mai",), ("juni", "jun"),
    ("juli", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("oktober", "okt"), ("november", "nov"),
    ("dezember", "dez")), start=1) for m in names}
_MONTH = r"(?:\d{1,2}\.\s*)?([a-zäöü]+)\.?"
_SEASON_RANGE = re.compile(_MONTH + r"\s*(?:-|–|bis)\s*" + _MONTH, re.IGNORECASE)
# The parts of hours given by season ("April bis Oktober: ... / November bis März: ...")
_SEASON_PARTS = re.compile(r"\s*[/;|]\s*")
_SEASON_LABEL = re.compile(r"^\s*(winter|sommer|nebensaison|hauptsaison|au(?:ss|ß)erhalb[^:]*)\s*:", re.IGNORECASE)
_RANGE = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:-|–|bis)\s*(\d{1,2})(?:[:.](\d{2}))?")
_TOKEN = re.compile(r"(\d{1,2}(?:[:.]\d{2})?\s*(?:-|–|bis)\s*\d{1,2}(?:[:.]\d{2})?)|([a-zäöü]+)\.?(\s*(?:-|–|bis)\s*([a-zäöü]+))?",
                    re.IGNORECASE)


@dataclass
class Schedule:
    """Per weekday (0 = Monday) the opening intervals; `raw` is the catalog text."""

    raw: str
    days: dict[int, list[Interval]] = field(default_factory=dict)
    season: str = ""  # "April bis Oktober" where the catalog gives hours by season: today's
    monthly: dict[int, tuple[int, ...]] = field(default_factory=dict)  # day -> weeks of the month it opens
    by_appointment: set[int] = field(default_factory=set)  # days open only by appointment
    arrangement: str = ""  # the catalog's own word for it ("Terminvereinbarung"), said back as written
    holidays: "Schedule | None" = None  # the hours in school holidays, where the catalog gives them
    notes: list[str] = field(default_factory=list)  # what follows the hours unparsed ("Friedhofstore im Sommer 7-20 Uhr")
    other_months: list["Schedule"] = field(default_factory=list)  # "Sa 10-14 Uhr (nur Mai bis Oktober)" in winter

    @property
    def parsed(self) -> bool:
        return bool(self.days)

    def during_holidays(self) -> "Schedule":
        """The hours that hold in school holidays: their own where the catalog gives them."""
        return self.holidays if self.holidays is not None and self.holidays.parsed else self


def is_day_word(word: str) -> bool:
    """A folded word that names a day or a part of one ("samstag", "heute", "nachmittags")."""
    return (word in _DAY_WORDS and len(word) > 3) or word in _CALLER_DAYS or word.rstrip("s") in _PARTS \
        or word in ("heute", "morgen", "ubermorgen", "wochenende", "feiertag", "feiertags")


def _fold_day(word: str) -> int | None:
    return _DAY_WORDS.get(T.fold(word).rstrip("."))


def _months(m: re.Match) -> set[int] | None:
    first, last = _MONTHS.get(T.fold(m.group(1))), _MONTHS.get(T.fold(m.group(2)))
    if first is None or last is None:
        return None
    return {(first - 1 + k) % 12 + 1 for k in range((last - first) % 12 + 1)}


def in_season(raw: str, today: _dt.date | None = None) -> tuple[str, str]:
    """(season, text) of the hours that hold today where the catalog gives them by season
    ("April bis Oktober: Mi + Fr 14-18 Uhr / November bis März: Mi + Fr 13-16.30 Uhr");
    ("", raw) where it does not. A part headed "Winter:" holds the months no range names."""
    if not raw or not any(_months(m) for m in _SEASON_RANGE.finditer(raw)):
        return "", raw
    month = (today or _dt.date.today()).month
    parts: list[tuple[str, set[int] | None, str]] = []  # (label, months or None for the rest, text)
    all_year: list[str] = []  # "Mo-Fr 9-17 Uhr; Sa 10-14 Uhr (nur Mai bis Oktober)": Monday to Friday always
    split = _SEASON_PARTS.split(raw)
    any_trailing = any(map(_trailing_season, split))
    for part in split:
        ranged = next(((m, months) for m in _SEASON_RANGE.finditer(part) if (months := _months(m))), None)
        label = _SEASON_LABEL.match(part)
        if (trailing := _trailing_season(part)) is not None:
            if month in trailing:  # a range after the times: only that part is seasonal
                all_year.append(part)
        elif ranged is None and not parts and _RANGE.search(part) and any_trailing:
            all_year.append(part)
        elif ranged is not None:
            m, months = ranged
            parts.append((f"{m.group(1)} bis {m.group(2)}", months, part[m.end():]))
        elif label is not None:
            parts.append((label.group(1).strip(), None, part[label.end():]))
        elif parts:
            parts[-1] = (parts[-1][0], parts[-1][1], parts[-1][2] + "; " + part)  # "...; Do 8-18 Uhr"
        else:
            parts.append(("", set(), part))
    named = set().union(*(p[1] for p in parts if p[1]))
    chosen = [p for p in parts if (p[1] is None and month not in named) or (p[1] and month in p[1])]
    if not chosen:
        return ("", "; ".join(all_year)) if all_year else ("", raw)
    return chosen[0][0], "; ".join([*all_year, *(p[2] for p in chosen)])


def _trailing_season(part: str) -> set[int] | None:
    """The months a part of the hours names after its times ("Sa 10-14 Uhr (nur Mai bis Oktober)"),
    which hold for that part alone; None where it names none there."""
    for m in _SEASON_RANGE.finditer(part):
        if (months := _months(m)) and _RANGE.search(part[:m.start()]):
            return months
    return None


def other_months(raw: str, today: _dt.date | None = None) -> list[str]:
    """The parts of the hours that hold only in other months than today's ("Sa 10-14 Uhr (nur Mai
    bis Oktober)" in December)."""
    month = (today or _dt.date.today()).month
    return [part for part in _SEASON_PARTS.split(raw or "")
            if (months := _trailing_season(part)) is not None and month not in months]


def parse(raw: str, today: _dt.date | None = None) -> Schedule:
    """Days and intervals of a catalog text (of today's season where it has seasons); empty
    `days` when the text is not understood. A part for school holidays becomes `holidays`, a
    part for other months than today's goes to `other_months`."""
    season, text = in_season(raw, today)
    regular, holiday = [], []
    for part in re.split(r"\s*;\s*|\s*\(\s*|\s*\)\s*", text or ""):
        (holiday if _HOLIDAY_PART.match(part) else regular).append(part)
    schedule = _parse_days("; ".join(regular), raw, season)
    schedule.other_months = [later for part in other_months(raw, today)
                             if (later := _parse_days(re.sub(r"[()]", " ", part), part, "")).parsed]
    if holiday:
        label = _HOLIDAY_PART.match(holiday[0])
        schedule.holidays = _parse_days(_HOLIDAY_PART.sub("", "; ".join(holiday)), raw,
                                        f"{label.group(0).rstrip(':, ')}" if label else "")
    return schedule


def _parse_days(text: str, raw: str, season: str) -> Schedule:
    schedule = Schedule(raw=raw, season=season)
    other_days = _OTHER_DAYS.search(text)
    text = _NTH_DIGITS.sub(lambda m: _NTH_WORDS[int(m.group(1))] + " ", text or "")
    current: list[int] = []
    nth: list[int] = []
    after_times = False
    note: tuple[int, int] | None = None
    for m in _TOKEN.finditer(text):
        if note is not None and m.start() >= note[1]:
            schedule.notes.append(text[note[0]:note[1]].strip(" ,;"))
            note = None
        if m.group(1):
            r = _RANGE.match(m.group(1))
            if not r or not current:
                continue
            start = int(r.group(1)) * 60 + int(r.group(2) or 0)
            end = int(r.group(3)) * 60 + int(r.group(4) or 0)
            if not (0 <= start < end <= 24 * 60):
                continue
            for d in current:
                schedule.days.setdefault(d, []).append((start, end))
            after_times = True
            continue
        first = _fold_day(m.group(2))
        if first is None and T.fold(m.group(2)) in _EVERY_DAY:
            current, after_times = list(range(7)), False  # "täglich 8-10 Uhr"
            continue
        if first is None and T.fold(m.group(2)) in _NTH:
            nth.append(_NTH[T.fold(m.group(2))])
            continue
        if first is None:
            word = T.fold(m.group(2))
            if word not in ("und", "u"):
                nth = []  # "am ersten Werktag": no weekday follows its ordinal
            if word in _CLOSED and not after_times:
                current = []  # "Mi geschlossen; jeden ersten Samstag 9-12 Uhr": the times are Saturday's
            elif word in _APPOINTMENT and not after_times:
                schedule.by_appointment.update(current)
                if word != "appointment":  # German catalog words only: they are said in German answers
                    schedule.arrangement = schedule.arrangement or m.group(2)
                current = []
            elif after_times and word not in _BETWEEN_TIMES:
                current, after_times = [], False
                end = text.find(";", m.start())
                note = (m.start(), end if end >= 0 else len(text))  # said as written, unless a day follows
            continue  # "Uhr", "und", a note in brackets
        if note is not None and m.start() < note[1]:
            note = None  # "Trauungen samstags nach Vereinbarung": understood after all
        if after_times:
            current, after_times = [], False
        if m.group(4) and _fold_day(m.group(4)) is not None:
            last = _fold_day(m.group(4))
            current.extend(range(first, last + 1) if last >= first else [])
        else:
            current.append(first)
            if nth:
                schedule.monthly[first] = tuple(nth)
        nth = []
    if note is not None:
        schedule.notes.append(text[note[0]:note[1]].strip(" ,;"))
    for d in schedule.days:
        schedule.days[d] = sorted(set(schedule.days[d]))
    if other_days and schedule.days:  # "übrige Tage nach Vereinbarung"
        schedule.by_appointment.update(d for d in range(5) if d not in schedule.days)
        schedule.notes = [n for n in schedule.notes if not _OTHER_DAYS.search(n)]
    schedule.by_appointment -= set(schedule.days)
    return schedule


# ------------------------------------------------------------------------------------ speaking
def _time(minutes: int, lang: str, start: bool = False) -> str:
    h, m = divmod(minutes, 60)
    key = ("dialog.hours.hour_minutes" if m else "dialog.hours.hour") + ("_start" if start else "")
    return prompts.text(key, lang, h=h, m=f"{m:02d}")


def times(intervals: list[Interval], lang: str) -> str:
    """ "8 bis 12 Uhr und von 14 bis 18 Uhr" """
    parts = [prompts.text("dialog.hours.times", lang, start=_time(s, lang, True), end=_time(e, lang))
             for s, e in intervals]
    return prompts.text("dialog.hours.also", lang).join(parts)


def day_name(day: int, lang: str) -> str:
    return str(prompts.raw("dialog.hours.days", lang)[day])


def _weeks(weeks: tuple[int, ...], lang: str) -> str:
    """(1, 3) -> "ersten und dritten"."""
    words = [prompts.text("dialog.hours.last", lang) if w < 0 else str(prompts.raw("dialog.hours.nth", lang)[w - 1])
             for w in weeks]
    return prompts.text("dialog.hours.list_and", lang).join(words)


def day_phrase(schedule: Schedule, day: int, lang: str) -> str:
    """What a day is called in "am ...": "Samstag", or "ersten Samstag im Monat" where the
    office opens on that weekday only in some weeks."""
    weeks = schedule.monthly.get(day)
    if not weeks:
        return day_name(day, lang)
    return prompts.text("dialog.hours.monthly", lang, nth=_weeks(weeks, lang), day=day_name(day, lang))


def _day_groups(days: list[int], lang: str, monthly: dict[int, tuple[int, ...]] | None = None) -> str:
    """[0,1,2,4] -> "Montag bis Mittwoch und Freitag"; a day open only in some weeks of the
    month -> "jeden ersten Samstag im Monat"."""
    monthly = monthly or {}
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and runs[-1][-1] == d - 1 and d not in monthly and runs[-1][-1] not in monthly:
            runs[-1].append(d)
        else:
            runs.append([d])
    words = []
    for r in runs:
        if len(r) > 2:
            words.append(prompts.text("dialog.hours.day_range", lang, first=day_name(r[0], lang), last=day_name(r[-1], lang)))
        else:
            words.extend(prompts.text("dialog.hours.monthly_every", lang, nth=_weeks(monthly[d], lang), day=day_name(d, lang))
                         if d in monthly else day_name(d, lang) for d in r)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + prompts.text("dialog.hours.list_and", lang) + words[-1]


def arrangement(schedule: Schedule, lang: str) -> str:
    """How an appointment is made, in the catalog's own word where it gives one."""
    return schedule.arrangement or prompts.text("dialog.hours.arrangement", lang)


def speak(schedule: Schedule, lang: str = "de") -> str:
    """All opening hours in one phrase, days with the same times grouped; days by appointment
    and the hours of school holidays after them."""
    groups: dict[tuple[Interval, ...], list[int]] = {}
    for d in sorted(schedule.days):
        groups.setdefault(tuple(schedule.days[d]), []).append(d)
    spans = [prompts.text("dialog.hours.span", lang, days=_day_groups(days, lang, schedule.monthly),
                          times=times(list(iv), lang))
             for iv, days in sorted(groups.items(), key=lambda kv: kv[1][0])]
    if schedule.by_appointment:
        spans.append(prompts.text("dialog.hours.by_appointment", lang, arrangement=arrangement(schedule, lang),
                                  days=_day_groups(sorted(schedule.by_appointment), lang)))
    spans.extend(schedule.notes)  # the catalog's own words, as written
    spans.extend(speak(later, lang) for later in schedule.other_months)
    said = prompts.text("dialog.hours.between_days", lang).join(spans)
    if schedule.season:
        said = prompts.text("dialog.hours.season", lang, season=schedule.season, hours=said)
    if schedule.holidays is not None and schedule.holidays.parsed:
        said += prompts.text("dialog.hours.between_days", lang) + speak(schedule.holidays, lang)
    return said


# ------------------------------------------------------------------------------- day questions
@dataclass
class DayQuestion:
    day: int
    part: Interval | None = None   # a part of the day ("nachmittags") or a time ("um 15 Uhr")


# "Guten Morgen" greets; it does not ask about tomorrow
@lru_cache(maxsize=1)
def _greetings() -> list[re.Pattern]:
    """"Guten Morgen" names no day (data/facets.toml [context])."""
    return [re.compile(T.fold(p)) for p in read("facets.toml")["context"]["greeting"]]


def without_greeting(text: str) -> str:
    """The folded text without a morning greeting."""
    folded = T.fold(text)
    for greeting in _greetings():
        folded = greeting.sub(" ", folded)
    return folded


def asked_day(question: str, today: _dt.date | None = None) -> DayQuestion | None:
    """The weekday (and part of day) a question names, or None ("heute" and "morgen" count)."""
    folded = without_greeting(question)
    day = None
    for word in re.findall(r"[^\W\d_]+", folded):
        for name, index in list(_DAY_WORDS.items()) + list(_CALLER_DAYS.items()):
            if len(name) > 3 and (word == name or (word.startswith(name) and word[len(name):] in _DAY_SUFFIXES)):
                day = index
                break
        if day is not None:
            break
    today = today or _dt.date.today()
    if day is None:
        if re.search(r"\b(heute|today|bugun|сегодня|сьогодні|اليوم)\b", folded):
            day = today.weekday()
        elif re.search(r"\b(ubermorgen)\b", folded):
            day = (today.weekday() + 2) % 7
        elif re.search(r"\b(morgen|tomorrow|yarin|завтра)\b", folded) and not re.search(r"\bmorgens\b", folded):
            day = (today.weekday() + 1) % 7
    if day is None:
        return None
    part = _part(folded)
    clock = re.search(r"\bum (\d{1,2})(?:[:.](\d{2}))?\s*(uhr)?", folded)
    if clock:
        minute = int(clock.group(1)) * 60 + int(clock.group(2) or 0)
        part = (minute, minute + 1)
    return DayQuestion(day=day, part=part)


def _part(folded: str) -> Interval | None:
    folded = folded.replace("sonnabend", "samstag")  # a day, not an evening
    for name, span in sorted(_PARTS.items(), key=lambda kv: -len(kv[0])):  # "nachmittag" before "mittag"
        if name in folded:
            return span
    return None


# Parts a question names without a day, as whole words: not "Mittag" ("über Mittag", "Mittagspause")
# nor "früh" ("wie früh", "frühestens"), nor "Abend" inside "Feierabend"
_PARTS_ALONE = frozenset({"vormittag", "vormittags", "nachmittag", "nachmittags", "abend", "abends", "morgens",
                          "morning", "afternoon", "evening"})


def asked_part(question: str) -> Interval | None:
    """The part of the day a question names without a day ("Wann hat die Kasse nachmittags auf?")."""
    named = next((w for w in re.findall(r"[^\W\d_]+", without_greeting(question)) if w in _PARTS_ALONE), None)
    return (_PARTS.get(named) or _PARTS[named.removesuffix("s")]) if named else None


def _within(intervals: list[Interval], part: Interval) -> list[Interval]:
    """The intervals that overlap a part of the day."""
    lo, hi = part
    return [(s, e) for s, e in intervals if s < hi and e > lo]


def in_part(schedule: Schedule, part: Interval) -> Schedule:
    """The schedule's opening times that fall into a part of the day; days without any are left out."""
    days = {day: fitting for day, intervals in schedule.days.items() if (fitting := _within(intervals, part))}
    return Schedule(raw=schedule.raw, days=days, season=schedule.season, monthly=schedule.monthly)


def asked_date(question: str, today: _dt.date | None = None) -> _dt.date | None:
    """A day in the season or month a question names ("jetzt im Sommer", "im Januar"), to pick
    that season's hours by; None when it names none."""
    today = today or _dt.date.today()
    for word in T.words(question):
        month = _ASKED_SEASON.get(word) or (_MONTHS.get(word) if len(word) > 3 else None)
        if month:
            return _dt.date(today.year, month, 15)
    return None


def asks_holidays(question: str) -> bool:
    """ "in den Sommerferien", "in the school holidays" """
    return bool(re.search(r"ferien\b|holidays?\b", T.fold(question)))


def open_on(schedule: Schedule, asked: DayQuestion) -> tuple[bool, list[Interval]]:
    """(open in the asked day or part of it; the intervals to say: those of the asked part when
    open then, else all of that day's)."""
    intervals = schedule.days.get(asked.day, [])
    if asked.part is None:
        return bool(intervals), intervals
    fitting = _within(intervals, asked.part)
    return bool(fitting), fitting or intervals
