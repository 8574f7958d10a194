"""`pip install .` then `python -m masthead sandbox`, in a fresh venv outside the checkout.

The installed package must carry everything it runs on (code, migrations, the emulator's
OpenAPI spec, the sample issue as package data), not borrow it from the checkout it was
built from. Nothing is downloaded: the new venv has no pip of its own and sees this
environment's dependencies through a `.pth` file, and this environment's pip installs the
project into it from a copy of the source, without build isolation and without an index.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("masthead", "cogs", "db", "newsletter", "fakediscord")
# Building and installing the package, then a whole sandbox session: about 10 s here.
SLOW_SECONDS = 180
# Left out of the copy of the source: environments, build output and what is never
# packaged at the top; caches everywhere. (Built in place, the checkout would get build/.)
TOP_LEVEL_LEFT_OUT = frozenset(
    {".git", ".venv", "venv", "build", "dist", "data", "bench", "tests", ".ci"}
)


def _not_source(folder: str, names: list[str]) -> set[str]:
    left_out = {
        name
        for name in names
        if name in ("__pycache__", ".hypothesis") or name.endswith(("_cache", ".egg-info"))
    }
    if Path(folder) == ROOT:
        left_out |= TOP_LEVEL_LEFT_OUT.intersection(names)
    return left_out


def _cannot_build_wheels() -> str | None:
    """Why the build backend, used without isolation, cannot build a wheel here, if so.

    setuptools builds wheels itself from 70.1 on; before that it needs the `wheel` package,
    which build isolation would download and this test may not.
    """
    try:
        files = importlib.metadata.distribution("setuptools").files or []
    except importlib.metadata.PackageNotFoundError:
        return "setuptools (the build backend) is not installed"
    if any(str(f) == "setuptools/command/bdist_wheel.py" for f in files):
        return None
    if importlib.util.find_spec("wheel") is not None:
        return None
    return "setuptools here cannot build wheels: install setuptools>=70.1 (or wheel)"


def _clean_env() -> dict[str, str]:
    """This environment minus whatever could point the new venv back at the checkout or at
    a real Discord or database."""
    leaking = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "__PYVENV_LAUNCHER__"}
    return {
        k: v
        for k, v in os.environ.items()
        if k not in leaking and not k.startswith(("DISCORD_", "DATABASE_"))
    }


def _run(
    args: list[str], cwd: Path, *, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        input=stdin,
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _make_venv(where: Path) -> Path:
    """A venv without pip whose only view of this environment is its site-packages
    directories, listed as plain paths in a `.pth` file.

    Plain path lines only extend sys.path: the `.pth` files inside those directories are
    not executed, so this environment's editable install of Masthead (a `.pth` that
    imports a finder mapping the package to the checkout) stays out.
    """
    created = _run([sys.executable, "-m", "venv", "--without-pip", str(where)], where.parent)
    assert created.returncode == 0, created.stderr
    scripts = where / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], where
    )
    assert purelib.returncode == 0, purelib.stderr
    ours = [path for path in site.getsitepackages() if Path(path).is_dir()]
    lines = "".join(f"{path}\n" for path in ours)
    (Path(purelib.stdout.strip()) / "masthead-test-dependencies.pth").write_text(lines)
    return python


@pytest.mark.timeout(SLOW_SECONDS)
def test_installed_package_runs_the_sandbox_without_a_checkout(tmp_path: Path) -> None:
    if reason := _cannot_build_wheels():
        pytest.skip(reason)
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=_not_source)
    venv = tmp_path / "venv"
    python = _make_venv(venv)

    # The dependencies are visible, Masthead is not (the editable install did not leak in).
    before = _run([str(python), "-c", "import discord, sqlalchemy, masthead"], tmp_path)
    assert "No module named 'masthead'" in before.stderr, before.stderr

    installed = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--no-cache-dir",
            "--ignore-installed",  # never touch this environment's own Masthead
            "--disable-pip-version-check",
            "--quiet",
            str(source),
        ],
        tmp_path,
        timeout=120,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    shutil.rmtree(source)  # what runs next has only the venv to run from

    where = _run(
        [
            str(python),
            "-c",
            f"import importlib; [print(importlib.import_module(p).__file__) for p in {PACKAGES}]",
        ],
        tmp_path,
    )
    assert where.returncode == 0, where.stderr
    files = [Path(line).resolve() for line in where.stdout.splitlines()]
    assert len(files) == len(PACKAGES)
    for file in files:
        assert file.is_relative_to(venv.resolve()), file

    session = _run(
        [str(python), "-m", "masthead", "sandbox"],
        tmp_path,  # no checkout, no .env
        stdin="/latest\n/item number:3\nquit\n",
        timeout=90,
    )
    assert session.returncode == 0, session.stderr
    out = session.stdout
    assert "Published December 2023 to #news" in out
    assert "This Month in China — December 2023" in out  # the /latest card
    assert "3. Xiaomi founder Lei Jun ready to take on Tesla in the EV market" in out
    assert not (tmp_path / "data").exists()  # the sandbox keeps to a temporary database
