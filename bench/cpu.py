"""CPU time spent by each part of a load run, read from /proc (Linux only).

A load run shares the machine's cores between the server's workers, PostgreSQL, Redis and
the load generator. Dividing each part's CPU time by the requests served tells what a request
costs, and so how many requests a second the cores can serve at all: the ceiling that
latency at a given number of back-to-back clients follows from (Little's law).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None once it is gone."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces: fields are counted after its closing parenthesis.
    fields = raw.rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _processes() -> dict[int, tuple[int, float, str]]:
    out: dict[int, tuple[int, float, str]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        stat = _stat(pid)
        if stat is None:
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        out[pid] = (stat[0], stat[1], comm)
    return out


def _machine() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / _TICK, total / _TICK


Snapshot = dict[str, Any]


def snapshot(server_pid: int) -> Snapshot:
    """CPU seconds so far of each process of the server (with its workers), PostgreSQL and
    Redis, of this process (the load generator) and of the machine."""
    procs = _processes()
    tree = {server_pid}
    grew = True
    while grew:  # the server's workers, and theirs
        grew = False
        for pid, (parent, _, _) in procs.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    groups: dict[str, dict[int, float]] = {"server": {}, "postgres": {}, "redis": {}}
    for pid, (_, seconds, comm) in procs.items():
        if pid in tree:
            groups["server"][pid] = seconds
        elif comm.startswith("postgres"):
            groups["postgres"][pid] = seconds
        elif comm.startswith("redis-server"):
            groups["redis"][pid] = seconds
    busy, total = _machine()
    return {**groups, "loadgen": time.process_time(), "busy": busy, "total": total}


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    # Per process: connections opened during the window count from zero; processes that
    # ended during it are missed (the server's pools keep theirs open).
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def usage(before: Snapshot, after: Snapshot, requests: int) -> dict[str, float]:
    """CPU ms per request for each part, and the machine's busy share in percent."""
    per = max(1, requests)
    out = {
        part: round(_spent(before[part], after[part]) * 1000 / per, 2)
        for part in ("server", "postgres", "redis")
    }
    out["loadgen"] = round((after["loadgen"] - before["loadgen"]) * 1000 / per, 2)
    elapsed = after["total"] - before["total"]
    busy = after["busy"] - before["busy"]
    out["machineBusyPct"] = round(100 * busy / elapsed, 1) if elapsed else 0.0
    return out
