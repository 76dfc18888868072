"""Keys: generated into var/ only in embedded mode, never in production."""

from __future__ import annotations

import json
import stat

import pytest

from shequ.core import keyfiles


@pytest.fixture(autouse=True)
def _no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SHEQU_SECRET_KEY",
        "SHEQU_SECRET_KEY_FILE",
        "SHEQU_DATA_KEYS",
        "SHEQU_DATA_KEYS_FILE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_embedded_mode_generates_keys_once_with_a_warning(tmp_path, capsys) -> None:
    first = keyfiles.secret_key(tmp_path, production=False)
    ring = keyfiles.data_keys(tmp_path, production=False)
    assert "generated a new" in capsys.readouterr().err
    assert keyfiles.secret_key(tmp_path, production=False) == first
    assert keyfiles.data_keys(tmp_path, production=False) == ring
    assert stat.S_IMODE((tmp_path / "data_keys.json").stat().st_mode) == 0o600
    assert "generated" not in capsys.readouterr().err


def test_production_mode_never_generates(tmp_path) -> None:
    with pytest.raises(keyfiles.MissingKeyError):
        keyfiles.secret_key(tmp_path, production=True)
    with pytest.raises(keyfiles.MissingKeyError):
        keyfiles.data_keys(tmp_path, production=True)
    assert not list(tmp_path.iterdir())


def test_keys_from_environment_and_files(tmp_path, monkeypatch) -> None:
    ring = keyfiles.new_key_ring()
    path = tmp_path / "ring.json"
    path.write_text(ring)
    monkeypatch.setenv("SHEQU_DATA_KEYS_FILE", str(path))
    monkeypatch.setenv("SHEQU_SECRET_KEY", "s" * 50)
    assert keyfiles.data_keys(tmp_path / "var", production=True) == json.loads(ring)
    assert keyfiles.secret_key(tmp_path / "var", production=True) == "s" * 50


def test_a_ring_without_its_active_key_is_refused(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(
        "SHEQU_DATA_KEYS", json.dumps({"active": "k9", "keys": {}, "index_key": "x"})
    )
    with pytest.raises(keyfiles.MissingKeyError):
        keyfiles.data_keys(tmp_path, production=True)
