"""More than 4 calls: `rathaus serve --sip-workers 2` puts kamailio's dispatcher in front of two
SIP worker processes; 6 simultaneous calls all get through (one process takes at most 4)."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import time

import pytest

from sip_peers import finish_caller, free_port, run_caller, start_bot, stop

pytestmark = [pytest.mark.sip, pytest.mark.slow]


@pytest.mark.skipif(not shutil.which("kamailio"), reason="kamailio (Debian package) is not installed")
def test_six_calls_over_two_workers(tmp_path):
    from tests.conftest import make_home

    home = make_home(tmp_path)
    base = free_port()
    while not all(_free(base + i) for i in range(3)):
        base = free_port()
    env = {"RATHAUS_HOME": str(home), "RATHAUS_DB": str(home / "rathaus.db")}
    bot = start_bot(env, base, free_port(), tmp_path / "bot.log",
                    extra=["--sip-workers", "2", "--no-web"], timeout=600)
    try:
        cfg = (home / "kamailio" / "kamailio.cfg").read_text()
        assert f"listen=udp:127.0.0.1:{base}" in cfg
        calls = [(run_caller(f"sip:hotline@127.0.0.1:{base}", [{"wait": 4.0}, {"hangup": True}],
                             tmp_path / f"c{i}.json", tmp_path / f"c{i}.wav", wait=False), tmp_path / f"c{i}.json")
                 for i in range(6)]
        results = [finish_caller(p, out, 120) for p, out in calls]
        for r in results:
            assert r["media"] and r["confirmed"], r["output"][-1500:]
        time.sleep(1.5)
        conn = sqlite3.connect(home / "rathaus.db")
        workers = {row[0] for row in conn.execute("SELECT sip_worker FROM calls")}
        assert len(workers) == 2 and conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 6
    finally:
        output = stop(bot, 60)
    assert bot.returncode == 0, output[-3000:]


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
