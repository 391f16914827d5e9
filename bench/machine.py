"""What machine a benchmark ran on."""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib.metadata import version


def describe() -> dict[str, str]:
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            memory = f"{int(f.readline().split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "grpcio": version("grpcio"),
        "eventsourcing": version("eventsourcing"),
        "os": f"{platform.system()} {platform.release()}",
    }
