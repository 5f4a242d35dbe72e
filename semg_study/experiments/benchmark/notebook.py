"""Notebook 07's benchmark: the newest written one of the profile, or (smoke only) one run here."""
from __future__ import annotations

import os
from pathlib import Path

from semg_study.experiments.benchmark.report import default_out_dir, latest_benchmark, load_benchmark
from semg_study.experiments.benchmark.stages import EmptySplitError, run_benchmark


def notebook_benchmark(profile: str, benchmark_json: str | os.PathLike | None = None,
                       out_dir: str | os.PathLike | None = None, data_root=None, runs_root=None,
                       testset=None, reuse_released: bool = True, released_root=None) -> dict | None:
    """The benchmark notebook 07 shows: ``benchmark_json``, else the newest of ``profile`` in ``out_dir``.

    With none written yet, the smoke profile runs its (small) benchmark here, so
    the notebook always has one under test; quick and full print that ``make
    bench`` makes it and return None (no numbers are invented). ``testset``,
    ``reuse_released`` and ``released_root`` are the notebook's (``study.paths.testset``,
    ``experiments.released_for(study)``), passed to :func:`run_benchmark`.
    """
    if benchmark_json is not None:
        return load_benchmark(benchmark_json)
    found = latest_benchmark(out_dir, profile)
    if found is not None:
        return load_benchmark(found)
    if profile == "smoke":
        try:
            report = run_benchmark("smoke", data_root=data_root, out_dir=out_dir, runs_root=runs_root,
                                   progress=False, testset=testset, reuse_released=reuse_released,
                                   released_root=released_root)
        except EmptySplitError as exc:  # the notebook says so and goes on without the comparison
            print(f"The benchmark cannot run on this corpus: {exc}. The comparison figure is skipped.")
            return None
        return load_benchmark(report["paths"]["json"])
    folder = Path(out_dir) if out_dir is not None else default_out_dir()
    print(f"No benchmark of the {profile} profile in {folder}: `make bench PROFILE={profile}` writes one "
          f"(<date>-{profile}.json); the comparison figure is skipped.")
    return None
