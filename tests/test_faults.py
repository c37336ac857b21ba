"""Issue 18's fault harness (bench/faults.py) at CI size: two `hub serve` processes on a
PostgreSQL cluster and a Redis of the test's own, visitors sending on both, an agent socket
per company on each process, and one fault per scenario under load.

Each fault must end with every acknowledged message stored once (no seq gap), delivered to
every agent socket of both processes, and no agent socket closed by the hub (the sockets on
a process the harness killed itself excepted). The scenarios run once, on one environment,
in a module fixture; each fault is its own test so each reports its own numbers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from bench.faultenv import PG_BIN
from bench.faults import Config, passed, run_faults
from tests.conftest import unavailable

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

FAULTS = ["redis-restart", "kill", "pg-pause", "pg-stop"]
# 40 conversations at 60 msg/s; a few seconds of load around each fault. The drain bounds
# how long a scenario waits for agents that will never catch up.
CI = Config(conversations=40, rate=60, duration=8, warmup=3, outage=3, drain=5, tail=3, storm=100)


def _missing() -> str | None:
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL binaries not found in {PG_BIN} (set PG_BIN)"
    if shutil.which("redis-server") is None:
        return "redis-server is not on PATH"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is needed to run initdb as the postgres user"
    return None


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    reason = _missing()
    if reason:
        unavailable(reason)
    logs: Path = tmp_path_factory.mktemp("fault-logs")
    found, _context = asyncio.run(run_faults(FAULTS, CI, logs))
    return {row["fault"]: row for row in found}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_loses_duplicates_and_misses_nothing(
    fault: str, rows: dict[str, dict[str, Any]]
) -> None:
    row = rows[fault]
    missed = " / ".join(f"{name} {n}" for name, n in row["missed"].items())
    figures = (
        f"{fault}: acknowledged {row['acknowledged']}, lost {row['lost']}, duplicated"
        f" {row['duplicated']}, seq gaps {row['seq_gaps']}, missed by agents {missed},"
        f" agent sockets closed {row['agent_closed']} {row['agent_closed_codes']}"
        f" (on the killed process: {row['agent_closed_killed']}), live again"
        f" {row['live_s']} s, recovered {row['recovery_s']} s, errors {row['errors']}"
    )
    assert row["acknowledged"] > 0, figures
    assert row["live_s"] is not None, f"never acknowledged and delivered again: {figures}"
    assert passed(row), figures
