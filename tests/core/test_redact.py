"""Redaction of personal data (rathaus.privacy.redact): what must go, and what must stay."""

from __future__ import annotations

import logging
import sys

import pytest

from rathaus.privacy import Policy, set_policy
from rathaus.privacy.logfilter import RedactingFilter, mask_secrets
from rathaus.privacy.redact import DEFAULT_KINDS, KINDS, iban_valid, normalize_number, redact, tax_id_valid


@pytest.mark.parametrize("text, kind, leftover", [
    ("Meine IBAN ist DE89 3704 0044 0532 0130 00, danke.", "iban", "Meine IBAN ist [IBAN], danke."),
    ("IBAN DE89370400440532013000", "iban", "IBAN [IBAN]"),
    ("iban de89 3704 0044 0532 0130 00 bitte", "iban", "iban [IBAN] bitte"),
    ("Konto AT61 1904 3002 3457 3201 in Wien", "iban", "Konto [IBAN] in Wien"),
    ("GB82 WEST 1234 5698 7654 32", "iban", "[IBAN]"),
    ("Rufen Sie mich unter 0711 123456 an.", "phone", "Rufen Sie mich unter [TELEFON] an."),
    ("Meine Nummer ist +49 711 1234567.", "phone", "Meine Nummer ist [TELEFON]."),
    ("oder 0049 (0)711/123-45-67", "phone", "oder [TELEFON]"),
    ("Handy 0151 23456789", "phone", "Handy [TELEFON]"),
    ("Tel. 0711 / 12 34 56", "phone", "Tel. [TELEFON]"),
    ("Telefon 123 456 78", "phone", "Telefon [TELEFON]"),
    ("die Nummer ist 0 7 1 1 1 2 3 4 5 danke", "phone", "die Nummer ist [TELEFON] danke"),
    ("null sieben eins eins eins zwei drei vier fünf", "phone", "[TELEFON]"),
    ("schreiben Sie an max.mustermann@example.de bitte", "email", "schreiben Sie an [E-MAIL] bitte"),
    ("max punkt mustermann at web punkt de", "email", "[E-MAIL]"),
    ("Ich bin am 12.03.1985 geboren.", "birth_date", "Ich bin am [GEBURTSDATUM] geboren."),
    ("geboren am 12. März 1985 in Ulm", "birth_date", "geboren am [GEBURTSDATUM] in Ulm"),
    ("Geburtsdatum: 1985-03-12", "birth_date", "Geburtsdatum: [GEBURTSDATUM]"),
    ("Meine Steuer-ID ist 86095742719.", "tax_id", "Meine Steuer-ID ist [STEUER-ID]."),
    ("Steuer-ID 86 095 742 719", "tax_id", "Steuer-ID [STEUER-ID]"),
    ("Steuernummer 21/815/08150", "tax_number", "Steuernummer [STEUERNUMMER]"),
    ("meine Steuernummer lautet 2181508150", "tax_number", "meine Steuernummer lautet [STEUERNUMMER]"),
    ("Rentenversicherungsnummer 65 170839 J 003", "pension_number", "Rentenversicherungsnummer [RV-NUMMER]"),
    ("RV 65170839J003.", "pension_number", "RV [RV-NUMMER]."),
    ("Versichertennummer A123456780", "health_number", "Versichertennummer [KV-NUMMER]"),
])
def test_personal_data_is_replaced(text, kind, leftover):
    result = redact(text)
    assert result.text == leftover
    assert [f.kind for f in result.findings] == [kind]
    f = result.findings[0]
    assert text[f.start:f.end].strip()  # spans point into the original text


@pytest.mark.parametrize("text", [
    "Die Gebühr beträgt 35 Euro, ermäßigt 22,80 Euro.",
    "TOP 4: 12 Ja-Stimmen, 3 Nein-Stimmen, 0 Enthaltungen.",
    "Im Jahr 2024 kamen 12000 Besucher; Haushalt 1.250.000 Euro.",
    "PLZ 80331 München, Postleitzahl 01067 Dresden.",
    "Öffnungszeiten 8 bis 12 Uhr und 14:30 bis 18:00 Uhr, Zimmer 204.",
    "Vorgang 2024/123, Beschluss Nr. 2025/0012 vom 03.03.2025.",
    "Die Sitzung am 12.03.2025 beginnt um 18:30 Uhr.",
    "Die Wahl am 05 11 2024 ist öffentlich.",
    "Ungültige IBAN DE89 3704 0044 0532 0130 01",
    "Die Nummer 86095742718 hat eine falsche Prüfziffer.",
    "Server 192.168.10.20 und Aufruf c0a8e5d2-0711-4b3c-9d2e-123456789012",
    "Wir treffen uns in der Hauptstraße 12.",   # addresses are opt-in
    "Sie erreichen das Bürgerbüro unter 089 233-96000.",
])
def test_ordinary_numbers_stay(text):
    kinds = DEFAULT_KINDS
    allow = frozenset({normalize_number("089 233-96000")})
    assert redact(text, kinds, allow_numbers=allow).text == text


def test_addresses_and_names_are_opt_in():
    text = "Hier ist Max Mustermann aus der Hauptstraße 12 und Am Markt 3a, 12345 Musterstadt. Im Jahr 2024 nicht."
    assert redact(text).text == text
    out = redact(text, KINDS, names=["Max Mustermann"]).text
    assert out == "Hier ist [NAME] aus der [ADRESSE] und [ADRESSE]. Im Jahr 2024 nicht."
    assert redact("Mustermann mit zwei n, Lindenweg 7", KINDS, names=["Max Mustermann"]).text == "[NAME] mit zwei n, [ADRESSE]"


def test_all_dates_on_request():
    text = "Die Sitzung am 12.03.2025."
    assert redact(text, any_date=True).text == "Die Sitzung am [GEBURTSDATUM]."


def test_placeholders_follow_the_language():
    assert redact("Tel. 0711 123456", language="en").text == "Tel. [PHONE]"


def test_checksums():
    assert iban_valid("DE89370400440532013000") and not iban_valid("DE89370400440532013001")
    assert tax_id_valid("86095742719") and not tax_id_valid("86095742718")
    assert normalize_number("+49 (0)711 123-45") == normalize_number("0049 711 12345") == "071112345"


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        redact("x", ["iban", "shoe_size"])


def test_log_filter_redacts_messages_and_masks_secrets():
    set_policy(Policy(kinds=DEFAULT_KINDS))
    try:
        record = logging.LogRecord("voice.phone.session", logging.INFO, __file__, 1,
                                   "call %s heard: %s", ("abc", "meine IBAN ist DE89 3704 0044 0532 0130 00"), None)
        assert RedactingFilter().filter(record) is True
        assert record.getMessage() == "call abc heard: meine IBAN ist [IBAN]"
        plain = logging.LogRecord("x", logging.INFO, __file__, 1, "12 Ja-Stimmen bei TOP 4", None, None)
        RedactingFilter().filter(plain)
        assert plain.getMessage() == "12 Ja-Stimmen bei TOP 4"
    finally:
        set_policy(None)
    assert mask_secrets("connect user=bot password=geheim123 api_key: 'sk-abc' ok") == \
        "connect user=bot password=*** api_key: *** ok"
    assert mask_secrets("Authorization: Bearer abcdefghijkl") == "Authorization: Bearer ***"


def test_log_filter_redacts_tracebacks():
    set_policy(Policy(kinds=DEFAULT_KINDS))
    try:
        try:
            int("DE89 3704 0044 0532 0130 00")
        except ValueError:
            record = logging.LogRecord("x", logging.ERROR, __file__, 1, "payment failed", None, sys.exc_info())
        RedactingFilter().filter(record)
        text = logging.Formatter().format(record)
        assert "ValueError" in text and "[IBAN]" in text
        assert "3704" not in text
    finally:
        set_policy(None)
