"""Issue 15 item 3: several processes opening a fresh database at the same moment.

The split systemd mode starts the phone bot, the web page and the meeting worker together; on a
first start all three create the schema. The migration runner read the applied migrations before
a plain (deferred) BEGIN, so two processes both decided to apply 0001 and one failed with "table
calls already exists" (4 of 10 first starts). Real processes, a fresh file per round, many rounds.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

from rathaus.store import migration_files
from tests.conftest import ROOT

PROCESSES = 4
ROUNDS = 25
STEP_S = 0.4

# each process opens round i's fresh file at start + i * STEP_S, so all of them collide each round
OPENER = """
import json, sys, time
from rathaus.store import Store
start, step, paths = float(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3])
failures = []
for i, path in enumerate(paths):
    while time.time() < start + i * step:
        time.sleep(0.0005)
    try:
        Store(path).close()
    except Exception as exc:
        failures.append(f"round {i}: {type(exc).__name__}: {exc}")
print(json.dumps(failures))
"""


def test_defect_first_start_race_concurrent_processes_migrate_once(tmp_path):
    paths = [str(tmp_path / f"round{i}" / "rathaus.db") for i in range(ROUNDS)]
    start = time.time() + 3.0  # time for every interpreter to import the store
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(start), str(STEP_S), json.dumps(paths)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(PROCESSES)]
    failures = []
    for proc in procs:
        out, err = proc.communicate(timeout=start - time.time() + ROUNDS * STEP_S + 120)
        assert proc.returncode == 0, err[-2000:]
        failures += json.loads(out)
    assert not failures, "\n".join(failures)
    names = [name for _, name, _ in migration_files()]
    latest = max(n for n, _, _ in migration_files())
    for path in paths:
        with sqlite3.connect(path) as conn:
            applied = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
            assert applied == names, path
            assert conn.execute("PRAGMA user_version").fetchone()[0] == latest
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
