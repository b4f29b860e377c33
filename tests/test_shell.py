"""The application shell: configuration, store and the command line."""


import pytest

from rathaus.config import Config
from rathaus.errors import RathausError
from rathaus.store import Store, migration_files
from tests.conftest import run_cli


def test_defaults_work_without_a_file(rathaus_home):
    cfg = Config.load()
    assert cfg.data_dir == rathaus_home
    assert cfg.db_path == rathaus_home / "rathaus.db"
    assert cfg.get("asr.model") == "base"


def test_user_file_overrides_and_rejects_typos(tmp_path, rathaus_home):
    good = tmp_path / "good.toml"
    good.write_text('[asr]\nmodel = "small"\nbeam_size = 3\n[phone]\nend_of_turn_s = 1\n')
    cfg = Config.load(good)
    assert cfg.get("asr.model") == "small" and cfg.get("asr.beam_size") == 3
    assert cfg.get("phone.end_of_turn_s") == 1.0
    typo = tmp_path / "typo.toml"
    typo.write_text('[asr]\nmodle = "small"\n')
    with pytest.raises(RathausError, match="unknown key 'modle'"):
        Config.load(typo)
    wrong_type = tmp_path / "type.toml"
    wrong_type.write_text('[asr]\nbeam_size = "five"\n')
    with pytest.raises(RathausError, match="beam_size must be int"):
        Config.load(wrong_type)
    broken = tmp_path / "broken.toml"
    broken.write_text("[asr\n")
    with pytest.raises(RathausError, match="not valid TOML"):
        Config.load(broken)


def test_env_variables_choose_config_and_db(tmp_path, rathaus_home, monkeypatch):
    conf = tmp_path / "c.toml"
    conf.write_text('[general]\nmunicipality = "Teststadt"\n')
    monkeypatch.setenv("RATHAUS_CONFIG", str(conf))
    monkeypatch.setenv("RATHAUS_DB", str(tmp_path / "x.db"))
    cfg = Config.load()
    assert cfg.get("general.municipality") == "Teststadt"
    assert cfg.db_path == tmp_path / "x.db"
    assert Config.load(db=str(tmp_path / "y.db")).db_path == tmp_path / "y.db"


def test_store_is_wal_versioned_and_migrates_once(tmp_path):
    path = tmp_path / "r.db"
    store = Store(path)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    latest = max(n for n, _, _ in migration_files())
    assert store.schema_version == latest
    assert "calls" in store.db.table_names() and "jobs" in store.db.table_names()
    assert Store(path).migrate() == []  # second open applies nothing
    applied = [r[0] for r in store.conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert applied == [name for _, name, _ in migration_files()]


def test_store_refuses_a_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "not.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(RathausError, match="not a usable SQLite database|cannot open database"):
        Store(path)


def test_cli_help_for_every_subcommand(rathaus_home):
    from apps.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"transcribe", "config"} <= set(sub.choices)
    for name in sub.choices:
        res = run_cli(name, "--help")
        assert res.returncode == 0, (name, res.stderr)
        assert "usage: rathaus" in res.stdout


def test_config_show_prints_effective_values(rathaus_home, tmp_path):
    conf = tmp_path / "c.toml"
    conf.write_text('[llm]\napi_key = "secret"\n[asr]\nmodel = "small"\n')
    res = run_cli("--config", str(conf), "config", "show")
    assert res.returncode == 0, res.stderr
    assert 'model = "small"' in res.stdout
    assert "secret" not in res.stdout and 'api_key = "***"' in res.stdout
    assert f'db = "{rathaus_home / "rathaus.db"}"' in res.stdout


def test_cli_error_is_one_line(rathaus_home, tmp_path):
    res = run_cli("--config", str(tmp_path / "missing.toml"), "config", "show")
    assert res.returncode == 2
    assert res.stderr.strip() == f"rathaus: configuration file not found: {tmp_path / 'missing.toml'}"
