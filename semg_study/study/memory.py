"""Peak memory of a notebook's kernel: the RSS of this process's children, sampled while it runs."""
from __future__ import annotations

import os
import resource
import sys
import threading
import time
from typing import Any

SAMPLE_INTERVAL_S = 0.5


class MemorySampler:
    """Peak RSS of this process's children (the kernel's process tree), sampled every 0.5 s."""

    def __init__(self, interval: float = SAMPLE_INTERVAL_S):
        import psutil

        self._psutil = psutil
        self.interval = interval
        self.peak_bytes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def tree_rss(self) -> int:
        total = 0
        try:
            children = self._psutil.Process(os.getpid()).children(recursive=True)
        except self._psutil.Error:
            return 0
        for child in children:
            try:
                total += child.memory_info().rss
            except self._psutil.Error:
                continue
        return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self.tree_rss())
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def children_maxrss_mb() -> float:
    """``ru_maxrss`` of terminated, waited-for children (a high-water mark over all of them)."""
    kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(kb / 1024, 1) if sys.platform != "darwin" else round(kb / 2**20, 1)


def measure(entry: dict[str, Any], t0: float, sampler: MemorySampler, peaks: list[float]) -> None:
    """Fill a notebook's entry of the run record: wall time since ``t0``, peak RSS, its samples."""
    from semg_study.provenance import now_utc

    entry["wall_s"] = round(time.perf_counter() - t0, 3)
    entry["peak_rss_mb"] = round(sampler.peak_bytes / 2**20, 1)
    entry["rss_samples"] = sampler.samples
    entry["ru_maxrss_children_mb"] = children_maxrss_mb()
    entry["finished"] = now_utc()
    peaks.append(entry["peak_rss_mb"])
