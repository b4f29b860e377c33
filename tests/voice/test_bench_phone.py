"""bench/phone.py: its configuration for the run, and that calls it could not measure are counted
with the reason instead of silently shrinking the sample."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, make_home


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_phone", ROOT / "bench" / "phone.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_config_lifts_only_the_invite_limit(tmp_path):
    from rathaus.config import Config

    user = tmp_path / "user.toml"
    user.write_text('[asr]\ndevice = "cpu"\n\n[phone]\nmax_invites_per_minute = 30\nend_of_turn_s = 0.6\n')
    config = Config.load(_bench_module().bench_config(user, tmp_path / "bench.toml"))
    assert config.get("phone.max_invites_per_minute") == 0
    assert config.get("phone.end_of_turn_s") == 0.6 and config.get("asr.device") == "cpu"
    assert Config.load(_bench_module().bench_config(None, tmp_path / "plain.toml")).get(
        "phone.max_invites_per_minute") == 0


@pytest.mark.sip
@pytest.mark.slow
def test_refused_call_is_counted_as_unmeasured(tmp_path):
    home = make_home(tmp_path)
    user = tmp_path / "one-call.toml"
    user.write_text("[phone]\nmax_calls = 1\n")  # the second of two simultaneous calls gets 486
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "phone.py"), "--calls", "2", "--rounds", "1",
                           "--config", str(user)],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "RATHAUS_HOME": str(home)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)["results"][0]
    assert (result["calls"], result["n"], result["unmeasured"]) == (2, 1, 1), result
    assert "486" in result["unmeasured_why"][0]
    assert result["caller_p50_ms"] > 0 and result["bot_p50_ms"] > 0
