"""Which language a caller's question is in, from its script and its function words.

The phone path usually knows the language from whisper; `rathaus ask` and the web page do not.
Only the languages with answer templates matter; anything unrecognised counts as German.
"""

from __future__ import annotations

import re

from rathaus.catalog.text import fold

_MARKERS = {
    "en": set("i my the a an is are need want how much what where when do does can to of for please lost new get "
              "have has you your with this that there it would could should like and on from we our me am be "
              "which who why they their them "
              # words of a hotline question no German caller says
              "certificate passport appointment office permit licence license registration register apply "
              "renew fee fees cost costs closed born married moved move pay live child take long".split()),
    "tr": set("ben bir ve ne nasil nerede icin istiyorum lazim kayip yeni kac gerek mi mu musunuz var yok kimlik".split()),
    "fr": set("je mon ma mes le la les un une est sont comment ou pour besoin veux perdu nouveau".split()),
    "es": set("yo mi el la los las un una es como donde para necesito quiero perdido nuevo".split()),
    "it": set("io mio il lo la gli un una come dove per bisogno voglio perso nuovo".split()),
    "pl": set("ja moj moja jak gdzie dla potrzebuje chce zgubilem nowy".split()),
    "de": set("ich mein meine der die das ein eine ist wie was wo brauche mochte will habe nicht und fur "
              "man sich kann muss welche welchen welcher wann den dem mit bei zu im auf hat haben gibt sie es "
              "geht bis noch auch von vom vor nach um dass ob aber oder wenn weil schon jetzt gar mal nur "
              "mich mir dich dir uns euch ihm ihn dann denn doch ja nein kein keine keinen hier dort da "
              # Bavarian and colloquial: "Mei Radl is gstohln, ko i bei eich schaun, ob's do is?"
              "mei des wos ko koa ned nix scho hob hab bin vo zwoa muas mi di mia eich servus moin gell "
              # "i" and "a" are Bavarian as much as English: "Derf i a Birkn umschneidn?"
              "am i a meim derf mecht mog kriag kriagt wia oide neie neis fir mou dou weng bissl oafach "
              # Rhineland, the north, Swabia: "Un wenn dat ne Staff is, so ne Listenhund?"
              "un dat wat det isch net nit nich ond hend koscht ebbes brauch braucht brauchen krieg kriege kriegt hamse ooch "
              "och mr ihr en heit neue neuen neuer alte termin antrag amt ausweis perso formular "
              # Low German: "Wann is de Friedhofsverwaltung to spreken?"
              "de ick mutt sund".split()),
}
_UMLAUT = re.compile("[äöüßÄÖÜ]")


def detect_language(text: str, default: str = "de", margin: int = 1) -> str:
    """ISO 639-1 code: script first (ar, ru/uk, el), then the most frequent function words. Another
    language than `default` needs `margin` more of its words: in a conversation held in German one
    English-looking word ("gibt's do aa e Kich debei?") does not switch it."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return default
    arabic = sum(1 for c in letters if "\u0600" <= c <= "\u06ff")
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    if arabic > len(letters) / 3:
        return "ar"
    if cyrillic > len(letters) / 3:
        return "uk" if re.search("[іїєґІЇЄҐ]", text) else "ru"
    if re.search("[ğışİĞŞ]", text):
        return "tr"
    tokens = fold(text).split()
    tokens = [re.sub(r"[^\w]", "", t) for t in tokens]
    scores = {lang: sum(1 for t in tokens if t in words) for lang, words in _MARKERS.items()}
    scores["de"] += 2 * bool(_UMLAUT.search(text))  # German spelling, whatever the words
    best = max(scores, key=lambda k: (scores[k], k == default))
    if scores[best] == 0 or scores[best] - scores.get(default, 0) < margin:
        return default
    return best
