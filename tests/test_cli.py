"""The `shequ` command as a user runs it: a separate process, its own var/ directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _shequ(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SHEQU_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "shequ.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
    }
    for key in ("SHEQU_TESTING", "SHEQU_SECRET_KEY", "SHEQU_DATA_KEYS"):
        env.pop(key, None)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "shequ.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = _shequ(tmp_path, "--help")
    assert result.returncode == 0
    for name in (
        "setup",
        "serve",
        "demo",
        "load-territory",
        "rotate-keys",
        "check",
        "worker",
        "beat",
        "open311-key",
        "manage",
    ):
        assert name in result.stdout


@pytest.mark.slow
def test_malformed_division_file_is_refused_with_line_numbers(tmp_path: Path) -> None:
    assert _shequ(tmp_path, "manage", "migrate", "-v0").returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level,parent_code\n320300,徐州市,city,320000\n32030X,坏区,county,320300\n",
        encoding="utf-8",
    )
    result = _shequ(tmp_path, "load-territory", str(bad))
    assert result.returncode == 1
    assert "第3行" in result.stderr
    check = _shequ(tmp_path, "check")
    assert check.returncode == 0, check.stdout
    assert "[ok] database reachable" in check.stdout


@pytest.mark.slow
def test_open311_key_reaches_its_command(tmp_path: Path) -> None:
    assert _shequ(tmp_path, "manage", "migrate", "-v0").returncode == 0
    # No territory loaded yet: the command itself answers (the key needs a region to file into).
    result = _shequ(tmp_path, "open311-key", "create", "网格化平台")
    assert result.returncode != 0
    assert "shequ load-territory" in result.stderr
    assert "o311_" not in result.stdout
