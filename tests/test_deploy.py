"""deploy/: what can be checked on a machine without a container engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    # The unit names /opt/masthead; here that place is a folder with a python in it.
    app = tmp_path / "app"
    (app / ".venv" / "bin").mkdir(parents=True)
    (app / "data").mkdir()
    os.symlink(sys.executable, app / ".venv" / "bin" / "python")
    unit = (DEPLOY / "masthead.service").read_text().replace("/opt/masthead", str(app))
    (tmp_path / "masthead.service").write_text(unit)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "masthead.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_the_dockerfile_copies_what_the_package_needs() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copied = {
        name
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for name in line.split()[1:-1]
    }
    packages = {"masthead", "cogs", "db", "newsletter", "fakediscord"}
    assert packages | {"pyproject.toml", "bot.py", "README.md"} <= copied
    assert 'CMD ["python", "-m", "masthead", "run"]' in dockerfile


def test_the_compose_file_runs_the_bot_against_its_postgresql() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@db/" in bot["environment"]["DATABASE_URL"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert db["image"].startswith("postgres:")
    assert bot["build"]["dockerfile"] == "deploy/Dockerfile"
