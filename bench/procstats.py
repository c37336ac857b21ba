"""Memory and CPU of processes, read from /proc (Linux only)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
INFRA_NAMES = frozenset({"postgres", "redis-server"})


def rss_kib(pid: int) -> int:
    """The resident set size of `pid` in KiB (VmRSS), or 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (field 3 of proc(5) is [0])."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()  # the command name may contain spaces


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds used by `pid` (all its threads), or 0.0 if it is gone."""
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def infra_pids(names: frozenset[str] = INFRA_NAMES) -> list[int]:
    """Processes whose command name is in `names` (PostgreSQL backends, Redis)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm in names:
            found.append(int(entry.name))
    return found


def infra_cpu(names: frozenset[str] = INFRA_NAMES) -> float:
    """CPU seconds of every process named in `names`, including exited children.

    Backends come and go (pool overflow connections), so each process tree's root also
    contributes the CPU of the children it has reaped (cutime + cstime); the total only grows.
    """
    pids = set(infra_pids(names))
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if int(fields[1]) not in pids:  # a root: the postmaster, redis-server
            total += int(fields[13]) + int(fields[14])
    return total / CLOCK_TICKS


def cpu_snapshot(pids: Iterable[int]) -> dict[int, float]:
    """CPU seconds of each of `pids` now."""
    return {pid: cpu_seconds(pid) for pid in pids}


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two snapshots (a process new in `after` counts from zero)."""
    return sum(max(0.0, used - before.get(pid, 0.0)) for pid, used in after.items())
