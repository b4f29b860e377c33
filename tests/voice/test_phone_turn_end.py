"""Early end of a caller's turn over real SIP: a finished sentence is answered after
[phone] end_of_turn_complete_s, a caller who pauses mid-sentence is not cut off.

The pauses are stretched (2 s early, 4 s full) so that recognition on a 2-core CPU, which
takes about a second per turn, is done in time; on a GPU the defaults (0.5 s / 0.8 s) apply."""

from __future__ import annotations

import sqlite3
import time

import numpy as np
import pytest

from sip_peers import free_port, run_caller, start_bot, stop

pytestmark = [pytest.mark.sip, pytest.mark.slow]

FULL_S, EARLY_S = 4.0, 2.0


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    from tests.conftest import make_home
    from rathaus.config import Config
    from rathaus.speech import audio
    from voice.tts import Synthesizer, TtsSettings

    root = tmp_path_factory.mktemp("turn-end")
    home = make_home(root)
    tts = Synthesizer(Config.load().settings("tts", TtsSettings), root / "voices")

    def say(*parts: str, pause_s: float = 0.0):
        chunks = []
        for part in parts:
            samples, _ = tts.synthesize(part, "de", 8000)
            chunks += [samples, np.zeros(int(pause_s * 8000), dtype=np.float32)]
        return str(audio.write_wav(root / f"{len(list(root.glob('*.wav')))}.wav", np.concatenate(chunks[:-1]), 8000))

    speech = {"complete": say("Ich bin umgezogen und möchte mich ummelden."),
              "paused": say("Ich möchte meinen", "Hund anmelden.", pause_s=2.6),
              "went_on": say("Ich bin umgezogen und möchte mich ummelden.", "Und meinen Hund möchte ich anmelden.",
                             pause_s=EARLY_S + 0.9)}
    config = root / "rathaus.toml"
    config.write_text(f"[phone]\nend_of_turn_s = {FULL_S}\nend_of_turn_complete_s = {EARLY_S}\n"
                      "speculate_s = 0.1\nsilence_timeout_s = 20.0\n")
    sip_port = free_port()
    env = {"RATHAUS_HOME": str(home), "RATHAUS_DB": str(home / "rathaus.db"), "RATHAUS_CONFIG": str(config)}
    bot = start_bot(env, sip_port, free_port(), root / "bot.log", extra=["--no-web"], timeout=300)
    yield root, sip_port, speech, home / "rathaus.db"
    stop(bot)


def _call(phone, wav: str, name: str) -> list[sqlite3.Row]:
    """Dial, say `wav` over the greeting, wait for the answer, hang up; the caller turns stored."""
    root, sip_port, _, db = phone
    result = run_caller(f"sip:hotline@127.0.0.1:{sip_port}",
                        [{"wait": 1.0}, {"play": wav}, {"wait_loud": 60}, {"wait": 0.5}, {"hangup": True}],
                        root / f"{name}.json", root / f"{name}.wav", timeout=120)
    assert result["media"] and result["confirmed"], result["output"][-2000:]
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        call = conn.execute("SELECT * FROM calls ORDER BY started_at DESC LIMIT 1").fetchone()
        if call and call["ended_at"]:
            break
        time.sleep(0.2)
    return conn.execute("SELECT * FROM call_turns WHERE call_id = ? AND role = 'caller' ORDER BY idx",
                        [call["id"]]).fetchall()


def test_finished_sentence_is_answered_after_the_short_pause(phone):
    turns = _call(phone, phone[2]["complete"], "complete")
    assert len(turns) == 1, [t["text"] for t in turns]
    # the turn ended on the short pause (the bot says so in its log); from the last voiced frame to
    # the first answer audio at least that pause passed. How far under the full pause the answer
    # came depends on the machine's load (a busy CI runner took 2 s for the work), so the speed is
    # the bench's business, not this test's
    heard = [line for line in (phone[0] / "bot.log").read_text().splitlines()
             if f"call {turns[0]['call_id']} heard" in line]
    assert len(heard) == 1 and "early end" in heard[0], heard
    assert turns[0]["latency_ms"] >= EARLY_S * 1000, turns[0]["latency_ms"]


def test_pause_mid_sentence_does_not_cut_the_caller_off(phone):
    turns = _call(phone, phone[2]["paused"], "paused")
    assert len(turns) == 1, [t["text"] for t in turns]  # one turn: both halves of the sentence
    assert _seconds(turns[0]) > 2.6, dict(turns[0])  # it spans the pause in the middle


def _seconds(turn: sqlite3.Row) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(turn["ended_at"]) - datetime.fromisoformat(turn["started_at"])).total_seconds()


def test_caller_going_on_after_an_early_answer_joins_the_turns(phone):
    """A finished sentence, then more after a pause longer than the early end but shorter than
    the full one: the bot has begun to answer, stops (barge-in), and hears one turn."""
    turns = _call(phone, phone[2]["went_on"], "went-on")
    assert len(turns) == 2, [t["text"] for t in turns]  # the early one as it was heard, then the joined one
    first, joined = turns
    assert joined["started_at"] == first["started_at"]  # the joined turn begins where the first began
    assert len(joined["text"].split()) > len(first["text"].split()), (first["text"], joined["text"])
