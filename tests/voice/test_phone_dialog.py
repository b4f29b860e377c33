"""The phone conversation as text in, actions out (voice.phone.dialog), and call records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from voice.phone.dialog import Dialog, DialogSettings, Hangup, SaveCallback, Say, State, Transfer, spoken_digits


@dataclass
class Ref:
    id: str
    name: str
    forward_to: str | None = None


@dataclass
class Cand:
    id: str
    name: str
    score: float


@dataclass
class Dec:
    question: str
    action: str
    service: Ref | None
    candidates: list = field(default_factory=list)
    answer: str = ""
    language: str = "de"
    reason: str = ""


PASS = Ref("pass", "Reisepass")
MUELL = Ref("muell", "Sperrmüll")
BAU = Ref("bau", "Bauantrag", "sip:bauamt@127.0.0.1")


class Catalog:
    """A tiny deterministic stand-in with the Assistant's three methods (the dialog is pure logic;
    the SIP tests run the real catalog)."""

    def ask(self, q, language=None):
        q = q.lower()
        if "reisepass" in q:
            return Dec(q, "answer", PASS, [Cand("pass", "Reisepass", 0.9)], "Den Reisepass beantragen Sie im Bürgerbüro.")
        if "müll" in q:
            return Dec(q, "confirm", MUELL, [Cand("muell", "Sperrmüll", 0.5), Cand("pass", "Reisepass", 0.2)])
        if "bauen" in q:
            return Dec(q, "forward", BAU, [Cand("bau", "Bauantrag", 0.8)])
        return Dec(q, "forward", None, [])

    def answer_for(self, service_id, language="de"):
        return Dec("", "answer", MUELL, [], "Sperrmüll melden Sie online an.")

    def forward_target(self, service_id):
        return "sip:bauamt@127.0.0.1" if service_id == "bau" else "sip:buergerservice@127.0.0.1"


def dialog():
    d = Dialog(Catalog(), DialogSettings(municipality="Teststadt"), caller="+49711xxx")
    greeting = d.start()
    assert "Teststadt" in greeting[0].text and "Null" in greeting[0].text
    return d


def says(actions):
    return " ".join(a.text for a in actions if isinstance(a, Say))


def test_answer_then_goodbye():
    d = dialog()
    acts = d.on_utterance("Ich brauche einen neuen Reisepass")
    assert "Bürgerbüro" in says(acts) and "sonst noch helfen" in says(acts)
    assert d.service_id == "pass" and d.state == State.ANYTHING_ELSE
    acts = d.on_utterance("Nein danke, das wars.")
    assert isinstance(acts[-1], Hangup) and d.outcome == "answered"


def test_confirm_yes_by_dtmf_and_no_by_word():
    d = dialog()
    assert "Sperrmüll" in says(d.on_utterance("Wohin mit altem Müll?"))
    assert d.state == State.CONFIRM
    acts = d.on_dtmf("1")
    assert "online" in says(acts) and d.service_id == "muell"
    d = dialog()
    d.on_utterance("Wohin mit altem Müll?")
    acts = d.on_utterance("Nein")
    assert d.state == State.LISTEN and "noch einmal" in says(acts)
    d.on_utterance("Müll halt")
    acts = d.on_utterance("nein, falsch")  # second refusal: forward to a person
    assert isinstance(acts[-1], Transfer) and acts[-1].target == "sip:buergerservice@127.0.0.1"


def test_not_understood_twice_forwards_with_handoff():
    d = dialog()
    acts = d.on_utterance("Blablub quatsch")
    assert "nicht verstanden" in says(acts) and d.state == State.LISTEN
    acts = d.on_utterance("Noch mehr Unsinn")
    assert isinstance(acts[-1], Transfer) and d.state == State.TRANSFERRING
    h = d.handoff
    assert h["caller"] == "+49711xxx" and h["language"] == "de"
    assert [t["text"] for t in h["transcript"] if t["role"] == "caller"] == ["Blablub quatsch", "Noch mehr Unsinn"]
    json.dumps(h)
    assert d.on_transfer_result(True) == [Hangup()] and d.outcome == "forwarded"


def test_dtmf_zero_and_spoken_request_forward_any_time():
    d = dialog()
    acts = d.on_dtmf("0")
    assert isinstance(acts[-1], Transfer) and "Null" in d.handoff["reason"]
    d = dialog()
    acts = d.on_utterance("Verbinden Sie mich bitte mit einem Mitarbeiter")
    assert isinstance(acts[-1], Transfer)
    d = dialog()
    acts = d.on_utterance("Ich möchte ein Haus bauen")
    assert acts[-1].target == "sip:bauamt@127.0.0.1" and "Bauantrag" in says(acts)


def test_failed_transfer_callback_by_voice_and_dtmf():
    d = dialog()
    d.on_dtmf("0")
    acts = d.on_transfer_result(False)
    assert "zurückrufen" in says(acts) and d.state == State.CALLBACK_OFFER
    d.on_utterance("Ja bitte")
    assert d.state == State.CALLBACK_NAME
    d.on_utterance("Erika Mustermann")
    assert d.state == State.CALLBACK_NUMBER
    acts = d.on_utterance("null sieben eins eins, eins zwei drei vier fünf")
    save = [a for a in acts if isinstance(a, SaveCallback)][0]
    assert save.name == "Erika Mustermann" and save.number == "071112345"
    assert d.outcome == "callback" and isinstance(acts[-1], Hangup)
    d = dialog()
    d.on_dtmf("0")
    d.on_transfer_result(False)
    d.on_dtmf("1")
    d.on_utterance("Max")
    for key in "0711999#":
        acts = d.on_dtmf(key)
    assert [a for a in acts if isinstance(a, SaveCallback)][0].number == "0711999"


def test_silence_reprompt_then_goodbye_and_hangup_abandons():
    d = dialog()
    assert "noch da" in says(d.on_silence())
    acts = d.on_silence()
    assert isinstance(acts[-1], Hangup) and d.outcome == "abandoned"
    d = dialog()
    d.on_utterance("Reisepass")
    d.on_hangup(mid_answer=True)
    assert d.outcome == "abandoned" and d.finished
    d = dialog()
    d.on_utterance("Reisepass")
    d.on_hangup()  # after hearing the whole answer
    assert d.outcome == "answered"


def test_restoring_a_snapshot_undoes_an_early_answer():
    """The caller went on after the bot answered an early end of turn: the dialog goes back to
    before that answer (voice.phone.session) and hears the two parts as one."""
    from voice.phone.dialog import _PROGRESS

    def progress(d):
        return {name: getattr(d, name) for name in _PROGRESS}

    d = dialog()
    d.on_utterance("Wohin mit altem Müll?")
    assert d.state == State.CONFIRM and d._pending == MUELL and len(d.conversation.turns) == 1
    before = d.snapshot()
    expected = {k: (v.copy() if hasattr(v, "copy") else v) for k, v in progress(d).items()}
    d.on_utterance("Nein")  # the early-ended part: a refusal, counted as a try
    d.on_utterance("Ich brauche einen neuen Reisepass")  # and went on: the conversation moved on
    assert d.state == State.ANYTHING_ELSE and d.service_id == "pass" and len(d.conversation.turns) == 2
    d.restore(before)
    assert progress(d) == expected
    assert "online" in says(d.on_utterance("Ja, genau"))  # back in the confirmation: answered
    assert d.service_id == "muell"
    d.restore(before)  # a snapshot holds its own copies: it can be restored again
    assert progress(d) == expected


def test_snapshot_covers_every_field_of_the_dialog():
    from dataclasses import fields

    from voice.phone.dialog import _FIXED, _PROGRESS

    assert sorted(_PROGRESS + _FIXED) == sorted(f.name for f in fields(Dialog))


def test_english_caller_gets_english_prompts():
    d = dialog()
    acts = d.on_utterance("I need a new Reisepass please", language="en")
    assert "anything else" in says(acts)


@pytest.mark.parametrize("text,digits", [("null eins sieben zwei drei vier", "017234"), ("0711 / 123", "0711123")])
def test_spoken_digits(text, digits):
    assert spoken_digits(text) == digits


def test_call_record_and_masking(store):
    from voice.phone.records import CallRecord, TurnRecord, caller_number, close_stale_calls, mask_number

    assert caller_number('"Anna" <sip:+4971112345@10.0.0.1;transport=udp>') == "+4971112345"
    assert mask_number("+4971112345", "partial") == "+4971112xxx"
    assert mask_number("+4971112345", "full") == "***"
    rec = CallRecord(store, "+4971112345", "partial", worker="w1")
    rec.add_turn(TurnRecord("caller", "Reisepass", "t0", "t1", "de", "answer", "pass", [{"id": "pass"}], 812.0))
    rec.update(handoff={"reason": "x"}, service_id="pass")
    rec.add_callback("Erika", "0711", "pass", "x")
    rec.close("callback")
    rec.close("error")  # second close is ignored
    row = store.db["calls"].get(rec.id)
    assert row["outcome"] == "callback" and row["caller"] == "+4971112xxx" and row["ended_at"]
    assert json.loads(row["handoff"]) == {"reason": "x"}
    turns = list(store.db["call_turns"].rows_where("call_id = ?", [rec.id]))
    assert turns[0]["latency_ms"] == 812.0 and json.loads(turns[0]["candidates"]) == [{"id": "pass"}]
    cb = list(store.db["callbacks"].rows)[0]
    assert cb["call_id"] == rec.id and cb["status"] == "open"
    with pytest.raises(ValueError):
        rec.close("weird")
    open_rec = CallRecord(store, "123", "none", worker="w1")
    assert close_stale_calls(store, "w1") == 1
    row = store.db["calls"].get(open_rec.id)
    assert row["outcome"] == "aborted" and row["error"] == "process ended during the call"


def test_serve_reports_a_taken_sip_port(cli, tmp_path):
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        result = cli("serve", "--sip-port", str(port), "--no-web", "--no-worker", timeout=120)
    assert result.returncode == 2
    assert f"cannot listen for SIP on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_kamailio_config_lists_the_workers(cli, tmp_path):
    result = cli("phone", "kamailio-config", "--workers", "3", "--sip-port", "6000", "-o", str(tmp_path))
    if result.returncode == 2 and "dispatcher module" in result.stderr:
        pytest.skip("kamailio is not installed")
    assert result.returncode == 0, result.stderr
    listed = (tmp_path / "dispatcher.list").read_text()
    assert all(f"sip:127.0.0.1:{p};" in listed for p in (6001, 6002, 6003))
    assert "listen=udp:127.0.0.1:6000" in (tmp_path / "kamailio.cfg").read_text()


def test_max_call_length_ends_politely():
    d = dialog()
    d.on_utterance("Ich brauche einen neuen Reisepass")
    acts = d.on_max_duration()
    assert "maximale Gesprächsdauer" in says(acts) and isinstance(acts[-1], Hangup)
    assert d.outcome == "answered" and d.on_utterance("noch was") == []
