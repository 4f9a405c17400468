"""Settings: explicit values over MATCHER_* variables over the workspace's config.toml, each refused clearly when
wrong, and the ranking chosen by them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.cli import main
from matcher.config import DEFAULT_ENCODER, Settings, SettingsError
from matcher.embed import TfidfEncoder


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("MATCHER_HOME", "MATCHER_ENCODER", "MATCHER_APP_PORT", "MATCHER_RANKING", "MATCHER_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "ws"
    root.mkdir()
    return root


def test_defaults_hold_without_a_file_or_variables(home: Path) -> None:
    settings = Settings.load(home=home)
    assert (settings.home, settings.encoder, settings.app_port, settings.ranking) == (home, DEFAULT_ENCODER, 8501, None)


def test_the_workspace_file_is_read(home: Path) -> None:
    (home / "config.toml").write_text('encoder = "minilm-onnx"\napp_port = 9000\n', encoding="utf-8")
    settings = Settings.load(home=home)
    assert (settings.encoder, settings.app_port) == ("minilm-onnx", 9000)


def test_a_variable_wins_over_the_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "config.toml").write_text("app_port = 9000\n", encoding="utf-8")
    monkeypatch.setenv("MATCHER_APP_PORT", "9100")
    assert Settings.load(home=home).app_port == 9100


def test_an_explicit_value_wins_over_a_variable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_APP_PORT", "9100")
    assert Settings.load(home=home, app_port=9200).app_port == 9200


def test_none_means_not_given(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_ENCODER", "minilm-onnx")
    assert Settings.load(home=home, encoder=None).encoder == "minilm-onnx"


def test_an_unknown_setting_in_the_file_is_named(home: Path) -> None:
    (home / "config.toml").write_text("colour = 'blue'\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="colour"):
        Settings.load(home=home)


def test_a_file_that_is_not_toml_is_named(home: Path) -> None:
    (home / "config.toml").write_text("app_port = \n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"config\.toml cannot be read"):
        Settings.load(home=home)


def test_a_bad_value_is_refused_with_its_name(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_APP_PORT", "99999")
    with pytest.raises(SettingsError, match="app_port"):
        Settings.load(home=home)


def test_a_relative_ranking_file_is_read_from_the_workspace(home: Path) -> None:
    (home / "config.toml").write_text('ranking = "weights.toml"\n', encoding="utf-8")
    assert Settings.load(home=home).ranking == home / "weights.toml"


def test_a_database_password_is_never_shown(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_DATABASE_URL", "postgresql+psycopg://kim:s3cret@db/matcher")
    settings = Settings.load(home=home)
    assert "s3cret" not in repr(settings)
    assert settings.store_url() == "postgresql+psycopg://kim:s3cret@db/matcher"


def test_the_cli_says_what_is_wrong_with_the_settings(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / "config.toml").write_text("colour = 'blue'\n", encoding="utf-8")
    code = main(["--home", str(home), "stats"])
    err = capsys.readouterr().err
    assert code == 2 and "colour" in err and "Traceback" not in err


def test_the_ranking_of_the_settings_serves_recommendations(home: Path) -> None:
    """A ranking file that weighs only shared sectors makes the organisation sharing the asker's sectors first."""
    (home / "only-sectors.toml").write_text(
        "[weights.query]\nsector_overlap = 1.0\n[weights.candidate]\nsector_overlap = 1.0\n", encoding="utf-8"
    )
    (home / "config.toml").write_text('ranking = "only-sectors.toml"\n', encoding="utf-8")
    profiles = pd.DataFrame(
        {
            "id": ["asker", "same-sector", "other-sector"],
            "name": ["Asker", "Same", "Other"],
            "org_type": ["startup", "company", "company"],
            "city": ["Daejeon", "Seattle", "Calgary"],
            "country": ["KR", "US", "CA"],
            "sectors": ["quantum", "quantum", "biologics"],
            "offers": ["qubit control", "protein purification", "qubit control electronics"],
            "seeks": ["qubit control electronics", "qubit control", "qubit control"],
        }
    )
    profiles.to_csv(home / "p.csv", index=False)
    texts = [*profiles["offers"], *profiles["seeks"], *profiles["name"], "quantum biologics startup company"]
    matcher = Matcher(home, encoder=TfidfEncoder(n_components=4).fit(texts))
    matcher.import_profiles(home / "p.csv")
    assert matcher.indexer.current().recommender.config == home / "only-sectors.toml"
    assert matcher.recommend("asker", k=2).results[0].id == "same-sector"
