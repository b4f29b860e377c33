"""Joining the bundled whisper model from several processes at once (a fresh install where
rathaus-sip@1 and rathaus-sip@2 start together: found under a real systemd, test_systemd_boot.py).
Before the lock, the second process failed with "No such file: model.bin.partial"."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

JOIN = """
import sys, time
from pathlib import Path
from rathaus.speech.whisper_model import resolve
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
print(resolve("base", Path(sys.argv[1])))
"""


def test_concurrent_joins_all_get_the_verified_model(tmp_path):
    from rathaus.speech.whisper_model import BUNDLED, _package_data

    model = BUNDLED["base"]
    if any(_package_data(package) is None for package, _ in model.parts):
        pytest.skip("the bundled whisper-base packages are not installed")
    start = str(time.time() + 3.0)  # all three begin joining at the same moment
    procs = [subprocess.Popen([sys.executable, "-c", JOIN, str(tmp_path), start], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    target = tmp_path / "whisper-base"
    assert all(out.strip().endswith(str(target)) for out in outputs), outputs
    assert (target / ".verified").read_text().strip() == model.sha256
    assert not (target / "model.bin.partial").exists()
