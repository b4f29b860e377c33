"""Words of questions and services: normalization, German stems, compounds, ASR repair.

The lexical side of the search works on stems of normalized words. ASR output of phone questions
has typical damage that this module repairs against the catalog's own vocabulary:
split compounds ("Personal ausweis", "kurz zeit kenn zeichen"), near-miss spellings
("Personalausweiß", "Meldebestettigung") and colloquial words (from the colloquial table).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)

# Function words that carry no meaning for finding a service (German, plus common English).
STOPWORDS = frozenset("""
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
auch auf aus bei beim bin bis bist bitte da dabei dafur dagegen daher damit dann darf darin darum das
dass davon dazu dein deine deinem deinen deiner dem den denn der des dich die dies diese diesem
diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines einfach etwas euch euer
fur gibt gern gerne geht gehts guten hab habe haben hallo hat hatte hatten hier hin ich ihm ihn ihnen ihr ihre
ihrem ihren ihrer im in ist ja jetzt kann kannst konnen konnte man mein meine meinem meinen meiner
meines mich mir mit mochte mochten muss mussen musste nach nicht nichts noch nun nur ob oder ohne
schon sehr sein seine seinem seinen seiner sich sie sind so soll sollte sondern uber um und uns unser
unsere unter viel vom von vor war waren warum was weil welche welchem welchen welcher welches wenn
wer werde werden wie wieder will wir wird wo wohl wollen worden wurde wurden zu zum zur
tag morgen abend danke also ahm ah ahem eigentlich mal bisschen brauche brauchen benotige
er es ihn ihm uns euch nen ne nem ner hab brauch brauchst krieg kriege kriegen bekomme bekommen
wann wieso weshalb dann denn halt eben grad gerade ganz gibts ab an auf aus
tun tue tut zweimal dreimal viermal funfmal mehrmals mehrfach drin drinne drinnen nu dor nischt nich nee ooch och wat dat det ick jetz pro je nachste nachsten nachster nachstes nachstem letzte letzten letzter letztes letztem
wegen trotz wahrend seit statt anstatt bevor nachdem sobald falls obwohl sowie bzw beziehungsweise
eigene eigenen eigener eigenes eigenem selbst selber jemand jemanden jemandem niemand irgendwie
irgendwo irgendwas irgendwann irgendein irgendeine irgendeinen sowas solche solchen solcher jede
jeder jeden jedes dessen deren leider vielleicht momentan gestern heute neulich immer
nie oft mehr genau wirklich echt total ziemlich nochmal nochmals einmal ungefahr okay ok klar
sowieso trotzdem uberhaupt anders direkt heisst heisse heissen gekommen weiss wissen gesagt gefragt
gemacht gekriegt kriegt bekommt brauchte konnten wurdest sollen durfen gegeben wollte wollten
servus gruss gott moin tach hey hi mei des wos ko koa ned nix scho hob eich mia ma hoid bissl oiso
just some any which where when who why if but not no yes there got been im dont
the a an and or of to for in on at is are was be i my me we you your it this that with how what
do does can could would should need want please hello have has get from about
""".split())

_STEM = Stemmer.Stemmer("german")

# Words that ask about an aspect every service has (what it costs, how long it takes, whether
# it needs an appointment or works online, when the office is open). They say what is asked,
# not which service is meant, so the lexical search ignores them; the dialog answers the aspect.
FACET_WORDS = frozenset("""
kosten kostet kostete gebuhr gebuhren preis preise teuer dauern dauert dauer lange termin termine
online internet geoffnet offnungszeiten
""".split())


_GERMAN_FOLDS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def fold(text: str) -> str:
    """Lower case, umlauts and ß folded (ä->a, ß->ss), other accents removed."""
    text = text.lower().translate(_GERMAN_FOLDS)
    if text.isascii():  # most German text, without decomposing it letter by letter (a turn folds thousands)
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Folded words; hyphenated compounds are split into their parts and kept joined."""
    out = []
    for match in _WORD.finditer(fold(text)):
        token = match.group(0)
        if "-" in token:
            parts = [p for p in token.split("-") if p]
            out.extend(parts)
            out.append("".join(parts))
        else:
            out.append(token)
    return out


_ZU_INFINITIVE = re.compile(r"^(ab|an|auf|aus|ein|um|zuruck|weg|nach|vor|mit|fest|her|hin|los)zu"
                           r"(?!g[^aeiouy])(?=[a-z]{4,}n$)")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball German stem, plus the noun suffix -ung so "Abholung" meets "abholen", and the
    "zu" of a separable verb's infinitive dropped: "abzuholen" meets "abholen" ("Umzugskosten" stays)."""
    s = _STEM.stemWord(_ZU_INFINITIVE.sub(r"\1", word))
    if len(s) >= 7 and s.endswith("ung"):
        s = s[:-3]
    return s


def part_of(part: str, word: str, shortest: int = 5) -> bool:
    """Whether a stem is the word's stem or, from `shortest` letters on, its compound's head or
    tail: "Karte" of "Tageskarte", "Urnen" of "Urnengrab". The checks of what a question names
    build on this, each with the bounds its mistakes taught it."""
    return part == word or (len(part) >= shortest and (word.startswith(part) or word.endswith(part)))


def same_frame(a: str, b: str) -> bool:
    """The same compound with a part between: "Urnengrab" and "Urnenreihengrab", "Hundemarke" and
    "Hundesteuermarke" (first five and last four letters alike, eight letters or more)."""
    return len(a) >= 8 and a[:5] == b[:5] and a[-4:] == b[-4:]


# Separable verb particles: "wie melde ich mich ab" means "abmelden".
PARTICLES = ("ab", "an", "auf", "aus", "ein", "um", "zu", "zuruck", "weg", "nach", "vor", "mit")


def participle_verb(word: str) -> str | None:
    """The verb of a participle, where the word is one: "abgeholt" -> "abholt", "gemeldet" ->
    "meldet". Callers use the participle of the verb a service is named by ("bis wann muss der
    gemeldet sein" of "Hund anmelden", "wenn ich's abgeholt hab" of the lost property)."""
    for p in PARTICLES:
        if word.startswith(p + "ge") and len(word) > len(p) + 4:
            return p + word[len(p) + 2:]
    return word[2:] if word.startswith("ge") and len(word) > 5 else None


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def content_stems(text: str, shortest: int = 0) -> set[str]:
    """Stems of the content words of a text (of `shortest` letters or more): the form in which
    the dialog compares what a caller said with a name, a sentence or a fee line."""
    return {stem(w) for w in content_words(text) if len(w) >= shortest}


@dataclass
class Vocabulary:
    """The words of one catalog: for joining split compounds, spelling repair and compound parts."""

    words: set[str] = field(default_factory=set)
    by_initial: dict[str, list[str]] = field(default_factory=dict)
    parts_cache: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, texts: list[str]) -> "Vocabulary":
        vocab = cls()
        for text in texts:
            for w in words(text):
                if len(w) >= 3 and not w.isdigit():
                    vocab.words.add(w)
        for w in vocab.words:
            vocab.by_initial.setdefault(w[0], []).append(w)
        return vocab

    def split_compound(self, word: str) -> list[str]:
        """Known parts of a compound ("personalausweis" -> ["personal", "ausweis"]), else []."""
        if word in self.parts_cache:
            return self.parts_cache[word]
        best: list[str] = []
        if len(word) >= 7:
            for i in range(3, len(word) - 2):
                head, tail = word[:i], word[i:]
                heads = [head] + ([head[:-1]] if head.endswith("s") and len(head) > 4 else [])
                if tail in self.words or (len(tail) > 4 and _stem_known(self, tail)):
                    for h in heads:
                        if h in self.words or (len(h) > 4 and _stem_known(self, h)):
                            best = [h, tail]
                            break
                    if best:
                        break
                    sub = self.split_compound(head) if len(head) >= 7 else []
                    if sub:
                        best = sub + [tail]
                        break
        self.parts_cache[word] = best
        return best

    def compound_tail(self, word: str) -> str | None:
        """The last part of a compound whose first part is a catalog word, even where the last
        part occurs nowhere on its own ("versicherungsverlauf" -> "verlauf", "kinderkrippe" ->
        "krippe"): callers say the part ("Rentenverlauf", "Krippenplatz")."""
        for i in range(len(word) - 5, 4, -1):   # the longest first part: "renten|verlauf", not "rente|nverlauf"
            head = word[:i]
            heads = [head] + ([head[:-1]] if head.endswith("s") and len(head) > 4 else [])
            if any(h in self.words or (len(h) > 4 and _stem_known(self, h)) for h in heads):
                return word[i:]
        return None

    def correct(self, word: str) -> str | None:
        """The catalog word closest to an unknown word (ASR near-miss), or None.

        A recognizer misspells a word it heard ("Personalausweiß", "Meldebestettigung"): one or
        two letters off. A colloquial word the catalog lacks is usually further from any catalog
        word ("abgehauen" is not "abgelaufen"), so only one edit is allowed below ten letters."""
        if word in self.words or len(word) < 5 or word.isdigit() or word in STOPWORDS:
            return None
        near = self._near(word, 1 if len(word) < 10 else 2)
        if near is None and word[0] in _FORTIS and len(word) >= 7:
            # Saxon, Franconian, Hessian soften p, t, k at a word's start ("Bersonalausweis",
            # "Babiere"): the hard form, if the catalog has it or a word one letter from it
            hard = _FORTIS[word[0]] + word[1:]
            near = hard if hard in self.words else self._near(hard, 1)
        if near is None and "j" in word[1:]:
            # the Rhineland speaks g as j inside a word too ("Bürjerhus", "Kindejeld")
            spoken_g = word[0] + word[1:].replace("j", "g")
            near = spoken_g if spoken_g in self.words else self._near(spoken_g, 1)
        return near

    def _near(self, word: str, allowed: int) -> str | None:
        """A catalog word with the same first letter at most `allowed` edits from `word`."""
        hits = difflib.get_close_matches(word, self.by_initial.get(word[0], []), n=3, cutoff=0.84)
        return next((h for h in hits if edit_distance(word, h, allowed) <= allowed), None)


_FORTIS = {"b": "p", "d": "t", "g": "k"}


def edit_distance(a: str, b: str, limit: int = 99) -> int:
    """Levenshtein distance, stopped early once every path exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _stem_known(vocab: Vocabulary, word: str) -> bool:
    stems = getattr(vocab, "_stems", None)
    if stems is None:
        stems = {stem(w) for w in vocab.words}
        vocab._stems = stems  # type: ignore[attr-defined]
    return stem(word) in stems


def join_split_compounds(tokens: list[str], vocab: Vocabulary, max_parts: int = 4) -> list[str]:
    """Join neighbouring tokens whose concatenation is a catalog word ("kurz zeit kenn zeichen")."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        joined = None
        for n in range(min(max_parts, len(tokens) - i), 1, -1):
            candidate = "".join(tokens[i:i + n])
            if len(candidate) >= 6 and (candidate in vocab.words or (len(candidate) > 7 and _stem_known(vocab, candidate))):
                joined = (candidate, n)
                break
        if joined:
            out.append(joined[0])
            i += joined[1]
        else:
            out.append(tokens[i])
            i += 1
    return out
