"""The WER normalisation counts what a listener would notice, not how whisper punctuates it."""

from voice.wer import corpus_wer, normalize, wer


def test_phone_number_heard_in_groups_is_one_number():
    written = "Sie erreichen uns unter Tel. 0761 201-4455."
    assert wer(written, "Sie erreichen uns unter Telefon 0761. 2 0 1 4 4 5 5") == 0
    assert wer(written, "Sie erreichen uns unter Telefon 0 7 6 1, 2 0 1, 4 4 5 5.") == 0
    assert wer(written, "Sie erreichen uns unter Telefon 0761. 2 0 1 4 4 5") > 0  # a digit lost
    # whisper joins digits said one by one into a group after a comma ("null, sieben zwei eins")
    assert wer("unter 0721 133-0.", "unter 0,721, 1, 3, 3, 0.") == 0
    assert wer("unter 0721 133-0.", "unter 0,721, 1, 3, 0.") > 0
    assert normalize("2,5 Kilometer, 1, 2 oder 3") == normalize("2,5 Kilometer, eins, zwei oder drei")


def test_amounts_and_dates_are_not_phone_numbers():
    assert normalize("Das kostet 2,50 Euro.") == normalize("Das kostet 2 Euro 50.")
    assert normalize("am 31.03.2027. 3 Personen") == ["am", "einunddreissig", "maerz",
                                                      "zweitausendsiebenundzwanzig", "drei", "personen"]


def test_corpus_wer_pools_errors_over_sentences():
    result = corpus_wer([("der Ausweis kostet 37 Euro", "der Ausweis kostet 37 Euro"),
                         ("bitte einen Termin", "bitte keinen Termin")])
    assert (result.errors, result.words) == (1, 8)
