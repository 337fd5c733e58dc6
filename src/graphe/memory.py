"""How much memory each query process may take: a share of the machine, split among them.

A fixed cap per process (4 GB) times the processes of every server process could add up to
more than the machine has, and then the system's out-of-memory killer, not graphe, chooses
what dies. The default cap is therefore :data:`SHARE` of the machine's memory divided by the
number of query processes, never more than :data:`CEILING_MB`; ``--memory-mb`` sets it.

>>> worker_cap_mb(4, machine=8 * 2**30)
1228
>>> worker_cap_mb(4, machine=64 * 2**30)
4096
"""

from __future__ import annotations

import os

SHARE = 0.6  # of the machine's memory, for all query processes together
CEILING_MB = 4096
FLOOR_MB = 256


def machine_memory() -> int:
    """Bytes of physical memory (MemTotal)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def worker_cap_mb(processes: int, machine: int | None = None) -> int:
    """The default cap of one query process, in MB, when ``processes`` of them share the machine."""
    machine = machine_memory() if machine is None else machine
    share = machine * SHARE / max(processes, 1) / 2**20
    return int(max(FLOOR_MB, min(CEILING_MB, share)))


def over_machine(cap_mb: int, processes: int) -> bool:
    """Would ``processes`` query processes at ``cap_mb`` each exceed the machine's memory?"""
    return cap_mb * 2**20 * processes > machine_memory()
