"""Stopping and starting the fault suite's own PostgreSQL cluster (Debian's
pg_ctlcluster), found by the port of its URL."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass

from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str

    async def stop(self) -> None:
        await self._ctl("stop", "--", "-m", "fast")

    async def start(self) -> None:
        """Returns once the server accepts connections (pg_ctl waits by default)."""
        await self._ctl("start")

    async def restart(self) -> None:
        await self._ctl("restart", "--", "-m", "fast")

    async def running(self) -> bool:
        return (await _run("pg_ctlcluster", self.version, self.name, "status"))[0] == 0

    async def _ctl(self, action: str, *options: str) -> None:
        if action == "start" and await self.running():
            return
        code, output = await _run(
            "pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action, *options
        )
        if code != 0:
            raise RuntimeError(f"pg_ctlcluster {self.version} {self.name} {action}: {output}")


async def find_cluster(database_url: str) -> Cluster | None:
    """The local cluster listening on the URL's port, if pg_lsclusters knows one."""
    if shutil.which("pg_lsclusters") is None or shutil.which("pg_ctlcluster") is None:
        return None
    port = str(make_url(database_url).port or 5432)
    code, output = await _run("pg_lsclusters", "--no-header")
    if code != 0:
        return None
    for line in output.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == port:
            return Cluster(fields[0], fields[1])
    return None


async def _run(*argv: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await proc.communicate()
    return proc.returncode or 0, output.decode(errors="replace")
