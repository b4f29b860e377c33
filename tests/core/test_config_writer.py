"""Issue 15 item 9: `dump_toml` writes TOML that tomllib reads back to the same values.

Before the fix a string with a newline (or any other control character) was written raw inside a
basic string, which is invalid TOML: `rathaus config show` and bench/phone.py wrote files that
could not be loaded again.
"""

from __future__ import annotations

import math
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rathaus.config import Config, dump_toml
from rathaus.errors import RathausError

CASES = [
    "", "plain", "line one\nline two", "crlf\r\n", "tab\there", "bell\a", "nul\x00byte", "esc\x1b[0m",
    "del\x7f", "form\ffeed", "back\bspace", "unit\x1fsep", 'say "hi"', "back\\slash", "\\n literally",
    "trailing backslash\\", '\\"', "'single'", "'''", '"""', "umlaut äöüß", "emoji 🏛️", "rtl שלום",
    "nbsp\u00a0", "line sep\u2028para\u2029", "bom\ufeff", "c1 \x85\x9f", "# not a comment", "a = b",
    "[section]", "ends with newline\n", "\U0010ffff", "ASCII ~!@#$%^&*()_+{}|:<>?",
]


def _roundtrip(sections):
    return tomllib.loads(dump_toml(sections))


@pytest.mark.parametrize("value", CASES)
def test_defect_config_writer_escapes_every_string(value):
    assert _roundtrip({"s": {"k": value}}) == {"s": {"k": value}}
    assert _roundtrip({"s": {"k": [value, value]}}) == {"s": {"k": [value, value]}}


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=12), st.dictionaries(
    st.text(min_size=1, max_size=12),
    st.one_of(st.text(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
              st.floats(allow_nan=False), st.lists(st.text(), max_size=4)),
    max_size=5), max_size=4))
def test_defect_config_writer_roundtrips_any_strings_keys_and_values(sections):
    assert _roundtrip(sections) == sections


def test_defect_config_writer_nan_and_limits():
    back = _roundtrip({"s": {"nan": math.nan, "inf": math.inf, "ninf": -math.inf, "big": 2**63 - 1}})["s"]
    assert math.isnan(back["nan"]) and back["inf"] == math.inf and back["ninf"] == -math.inf
    assert back["big"] == 2**63 - 1
    with pytest.raises(RathausError):
        dump_toml({"s": {"k": 2**64}})
    with pytest.raises(RathausError):
        dump_toml({"s": {"k": "lone \ud800 surrogate"}})
    with pytest.raises(RathausError):
        dump_toml({"s": {"k": None}})


def test_defect_config_writer_config_show_reloads(tmp_path, monkeypatch):
    """The effective configuration with a multi-line value is written and loaded again."""
    monkeypatch.setenv("RATHAUS_HOME", str(tmp_path / "home"))
    user = tmp_path / "user.toml"
    user.write_text('[web]\nadmin_user = "zeile1\\nzeile2 \\"q\\" \\\\ \\u0007"\n', encoding="utf-8")
    config = Config.load(user)
    assert config.get("web.admin_user") == 'zeile1\nzeile2 "q" \\ \x07'
    written = tmp_path / "effective.toml"
    written.write_text(config.to_toml(), encoding="utf-8")
    assert Config.load(written).get("web.admin_user") == config.get("web.admin_user")
