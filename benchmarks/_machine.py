"""The machine a benchmark ran on, printed at the top of every benchmark's output:
figures mean nothing without it (Intel with AVX-512 and AMD with AVX2 differ)."""

import os
import platform

from threadpoolctl import threadpool_info


def cpu_name():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def vector_extensions():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next(line for line in cpuinfo if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    return "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"


def describe():
    blas = sorted(
        f"{pool['internal_api']} {pool['version']} ({pool['num_threads']} threads)"
        for pool in threadpool_info()
        if pool["user_api"] == "blas"
    )
    return (
        f"machine: {cpu_name()}, {vector_extensions()}, {os.cpu_count()} cores; "
        f"BLAS: {', '.join(blas) or 'none found'}"
    )
