"""The phrases that state, call or report a vote in German council text (written minutes and
the chair's spoken words). Only patterns live here; meetings.vote_statements and
meetings.vote_spoken apply them.
"""

from __future__ import annotations

import re

REST_YES = re.compile(r"\b(?:der\s+)?(?:Rest|ansonsten|übrigen|alle\s+anderen|sonst)\b[^.?!]{0,25}?"
                       r"\b(?:Ja|Zustimmung|dafür|zugestimmt|stimmen\s+zu)", re.I)
REST_NO = re.compile(r"\b(?:der\s+)?(?:Rest|ansonsten|übrigen|alle\s+anderen)\b[^.?!]{0,25}?"
                      r"\b(?:Nein|dagegen|Ablehnung)", re.I)

# Unanimity said outright; safe anywhere in the text.
UNANIMOUS = re.compile(
    r"\beinstimmig\w*|\bEinstimmigkeit\b|\beinmütig\w*|\bohne\s+Gegenstimmen?\b|"
    r"\b(?:stimm\w*|haben)\s+(?:Sie\s+|dem\s+|ihr\s+|auch\s+|so\s+|damit\s+)*alle\s+(?:\w+\s+){0,2}zu(?:gestimmt)?\b|"
    r"\balle\s+(?:\w+\s+){0,3}(?:zustimmen|zugestimmt)\b|\bnur\s+(?:gelbe|grüne)\s+Karte\w*|"
    r"\bsehe\s+(?:ich\s+)?keine\s+(?:Gegenstimme|Nein|Enthaltung|Gegenprobe)\w*|"
    r"\bSie\s+stimmen\s+dem\s+(?:\w+\s+){0,3}zu\b(?!\s*\?)|\bzücken\s+(?:\w+\s+){0,2}gelben?\s+Karte",
    re.I)
CONCLUSION = re.compile(r"^\W*(?:Damit|Somit|Dann|Also|Das\s+ist|Das\s+war)\b", re.I)
# The chair's recorded finding: "stellt er fest, dass der Ausschuss der Vorlage zustimmt".
FINDING = re.compile(r"\b(?:stellt\s+(?:er|sie|der\s+Vorsitzende|die\s+Vorsitzende)|stelle\s+(?:ich\s+)?)"
                      r"\s*fest,?\s+dass\b[^.?!]*\b(?:zustimmt|zustimmen|einverstanden|angenommen|beschlossen|"
                      r"zugestimmt)\b", re.I)
# Phrases that state a unanimous result only right after the vote was called.
UNANIMOUS_WEAK = re.compile(
    r"\balle\s+(?:dafür|einverstanden)\b|\bkein(?:en)?\s+Widerspruch\b|"
    r"\b(?:Das|Dies)\s+ist\s+(?:dann\s+)?(?:so\s+)?beschlossen\b|\bIhre\s+(?:volle\s+)?Zustimmung\b|"
    r"\bstimmen\s+Sie\s+(?:\w+\s+){0,4}zu\b|\bstimmen\s+dem\s+(?:\w+\s+){0,3}zu\b|"
    r"\bso\s+(?:verabschiedet|beschlossen)\b|\bdass\b[^.?!]*\b(?:zustimmt|zustimmen)\b|"
    r"\b(?:ist|sind)\s+(?:\w+\s+){0,2}(?:Zustimmung|zugestimmt)\b",
    re.I)
MAJORITY = re.compile(r"\bmehrheitlich\w*\s+(?:\w+\s+){0,2}(?:zugestimmt|beschlossen|angenommen|Zustimmung|"
                       r"befürwortet|so\s+beschlossen)|\bmehrheitliche\w*\s+(?:Zustimmung|Beschluss)|"
                       r"\b(?:mit|bei)\s+(?:\w+\s+){0,2}Mehrheit\s+(?:\w+\s+){0,3}(?:angenommen|beschlossen|zugestimmt)",
                       re.I)
MAJORITY_WEAK = re.compile(r"\bmehrheitlich\w*|\b(?:eine|die|mit|bei)\s+(?:\w+\s+){0,2}Mehrheit\b", re.I)
REJECTED_RE = re.compile(r"\b(?:mehrheitlich|damit|einstimmig|ist|sind|wurde|wird)\s+(?:\w+\s+){0,2}abgelehnt\b|"
                       r"\b(?:mit|bei)\s+(?:\w+\s+){0,2}Mehrheit\s+abgelehnt\b|"
                       r"\bAblehnung\s+(?:festgestellt|beschlossen)\b", re.I)
REJECTED_WEAK = re.compile(r"\babgelehnt\b|\bkeine\s+Mehrheit\b|\bnicht\s+(?:die\s+)?(?:erforderliche\s+)?"
                            r"Mehrheit\b|\bnicht\s+angenommen\b|\b(?:eindeutige|klare|deutliche|mehrheitliche)\s+"
                            r"Ablehnung\b", re.I)
ACCEPTED_RE = re.compile(r"\b(?:zugestimmt|angenommen|beschlossen|Zustimmung|verabschiedet|stimm\w*\s+(?:\w+\s+){0,3}zu)\b",
                       re.I)
VOTE_CALL = re.compile(
    r"\bWer\s+(?:ist|stimmt)\s+(?:dafür|dagegen|zu)\b|\bKartenzeichen\b|\bHandzeichen\b|"
    r"\babstimmen\b|\bAbstimmung\b|\bzur\s+Abstimmung\b|\bstimmen\s+(?:wir\s+)?(?:jetzt\s+|nun\s+)?ab\b|"
    r"\bzur\s+Entscheidung\b|\bGegenstimmen\?|\bEnthaltungen\?|\bZustimmung\?|\bVotum\b|"
    r"\bKarten\b|\bAbstimmungsbereitschaft\b", re.I)

Q_YES = re.compile(r"\bWer\s+(?:ist|stimmt)\s+(?:dafür|zu|für)\b|\bZustimmung\?|\bJa-?Stimmen\?|"
                    r"\bwer\s+möchte\s+zustimmen\b|\bWer\s+stimmt\s+(?:\w+\s+){1,5}?zu\b", re.I)
Q_NO = re.compile(r"\bWer\s+(?:ist|stimmt)\s+(?:dagegen|gegen)\b|\bGegenstimmen\s*\?|\bNein-?Stimmen\s*\?|"
                   r"\bGegenprobe\b|\bWer\s+lehnt\b|(?:^|[.?!]\s*)Dagegen\s*\?", re.I)
Q_ABSTAIN = re.compile(r"\bEnthaltungen?\s*\?|\bWer\s+enthält\s+sich\b", re.I)

SUBJECT = re.compile(
    r"\b((?:Ergänzungs|Änderungs|Geschäftsordnungs|Gegen|Zusatz|Haupt|Dringlichkeits)?[Aa]ntrag|"
    r"Beschlussvorschlag|Beschlussvorlage|Vorlage|Satzung\w*)\b"
    r"(?:\s+(?:der|des|von)\s+(?P<by>(?:Fraktion\s+)?[A-ZÄÖÜ][\w/.-]*))?")
SENTENCES = re.compile(r"(?<=[.!?])\s+|\s+[-–]\s+|(?<=:)\s+(?=[A-ZÄÖÜ])")
# Intentions and reports are no votes: "sollten alle Fraktionen zustimmen", "Mehrheitlich wird
# die Fraktion den Antrag ablehnen", "der Ortschaftsrat hat einstimmig ...".
INTENTION = re.compile(r"\b(?:wird|werden|sollte\w*|würde\w*|könnte\w*|wollen|will|müsste\w*)\b[^.?!]*"
                        r"\b(?:zustimmen|ablehnen|stimmen)\b", re.I)
OTHER_BODY = re.compile(r"\b(?:Ortschaftsrat\w*|\w*[Aa]usschuss\w*|Schulkonferenz|\w*[Bb]eirat\w*|"
                         r"Fraktion\w*|Kommission|Aufsichtsrat\w*|Landtag\w*|Bundestag\w*|Kreistag\w*|"
                         r"Verwaltungsrat\w*|Gremien)\b", re.I)


# The item is adjourned: "Dann ist der Tagesordnungspunkt vertagt.", "Dann vertagen wir das",
# "Damit ist die Vertagung beschlossen." Not: "den Punkt zu vertagen" (a request).
DEFERRED = re.compile(r"\b(?:ist|wird|sind|werden)\s+(?:\w+\s+){0,12}?vertagt\b|"
                      r"\bvertagen\s+wir\b|\bVertagung\s+(?:ist\s+)?(?:\w+\s+){0,2}?(?:beschlossen|angenommen)\b|"
                      r"\babgesetzt\s+und\s+vertagt\b", re.I)
# Taken note of: "Der Bericht wird zur Kenntnis genommen.", "Dann nehmen wir den Bericht so zur
# Kenntnis." Not: "Ich nehme zur Kenntnis, dass ..." (a remark in the debate).
NOTED = re.compile(r"\bzur\s+Kenntnis\s+genommen\b|\b(?:nehmen|nimmt)\b[^.?!]{0,80}?\bzur\s+Kenntnis\b"
                   r"(?!\s*,?\s*dass)", re.I)
# A tie: the motion fails.
TIE = re.compile(r"\bStimmengleichheit\b", re.I)
# The chair repeats the vote: the counts before no longer count.
RECOUNT = re.compile(r"\bwiederhole\w*\s+(?:wir\s+)?die\s+Abstimmung\b|\bAbstimmung\s+(?:wird\s+)?wiederhol\w*|"
                     r"\bzählen\s+(?:wir\s+)?noch\s+(?:ein)?mal\b|\bstimmen\s+(?:wir\s+)?noch\s+(?:ein)?mal\s+ab\b|"
                     r"\bnoch\s+(?:ein)?mal\s+abstimmen\b", re.I)
# Places where a transcript without punctuation starts a new clause ("wer ist dafür zwanzig |
# wer ist dagegen ... | damit ist der antrag abgelehnt"): the vote's own clauses and the words a
# speaker turn or a new sentence of the debate starts with, never a word inside a vote phrase
# ("sehe ich keine", "stimmen dem so zu").
CLAUSE_START = re.compile(
    r"\s+(?=(?:wer\s+(?:ist|stimmt|enthält|lehnt|möchte)|damit|dann|ich\s+sehe|sie\s+haben|ebenfalls|also|und\s+verweist|das\s+(?:ist|war|heißt|findet)|"
    r"ich\s+(?:wiederhole|bitte|rufe|lasse|darf|möchte|komme|denke|glaube|habe|bin|will|würde|stelle\s+fest)|"
    r"wir\s+(?:zählen|stimmen|kommen|haben|sind|werden|müssen|können|wollen)|jetzt\s+zu[mr]?|"
    r"der\s+vorsitzende|stadträtin|stadtrat|bürgermeister\w*|vielen\s+dank|danke\s+schön|nachdem|"
    r"aber|weil|denn|deshalb|trotzdem|außerdem|dem\s+stimmen|sie\s+stimmen|gibt\s+es|gut)\b)", re.I)


def sentences(text: str) -> list[str]:
    """Sentences and the dash-separated parts chairs use between question and answer. A
    transcript without punctuation (whisper often leaves it out in a noisy hall) is cut where a
    new clause of the vote starts instead ("wer ist dafür ... damit ...")."""
    flat = " ".join(text.split())
    parts = [s.strip() for s in SENTENCES.split(flat) if s and s.strip()]
    if len(re.findall(r"[.?!]", flat)) * _UNPUNCTUATED_WORDS < len(flat.split()):
        parts = [piece.strip() for part in parts for piece in CLAUSE_START.split(part) if piece.strip()]
    return parts


_UNPUNCTUATED_WORDS = 30  # fewer sentence marks than one per this many words: no punctuation
