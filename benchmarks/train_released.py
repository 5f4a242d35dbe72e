"""Train (or find) every run the study's tables and the benchmark cite, and pack them into ``released/runs/``.

    .venv/bin/python benchmarks/train_released.py [--profile quick] [--runs-root runs] [--only-pack]
        [--workers 2]

This is how the committed released runs are made (``make release-runs``); an examiner never needs it:
``make study`` reuses them. Every run goes through ``train_cached`` with the same config and
overrides the notebooks and ``make bench`` use, so the fingerprints match. Runs are trained
``--workers`` at a time (one torch thread each); each run's manifest records its own start and
end time, threads and whether other runs trained beside it (``concurrent_runs``). After each
finished run the released folder is updated, so an interrupted job keeps what it finished.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path


def all_specs(profile: str) -> list[dict]:
    """The study plan's runs and the benchmark's, deduplicated by (config, overrides)."""
    from semg_study.experiments.benchmark.plan import benchmark_plan
    from semg_study.chapters.plan import plan, run_specs

    specs, seen = [], set()
    for spec in run_specs(plan(profile)):
        key = (spec["config"], json.dumps({**spec["overrides"], "seed": spec["seed"]}, sort_keys=True), spec["corpus"])
        if key not in seen:
            seen.add(key)
            specs.append(spec)
    for r in benchmark_plan(profile)["runs"]:
        overrides = {k: v for k, v in r["overrides"].items() if k not in ("seed", "device")}
        key = (r["config"], json.dumps({**overrides, "seed": r["overrides"].get("seed", 0)}, sort_keys=True), "dv")
        if key not in seen:
            seen.add(key)
            specs.append({"config": r["config"], "overrides": overrides, "seed": r["overrides"].get("seed", 0),
                          "corpus": "dv", "label": r["label"]})
    return specs


# Training order: the runs the headline findings rest on first, so an interrupted job has released
# the most informative ones (each run is packed as soon as it finishes).
PRIORITY = [("myostream", "closed", None), ("gaddy2022", "closed", None), ("ds2audio_closed", None, None),
            ("myostream", "open", None), ("ds2emg", "closed", None), ("myostream", "closed", "ablation"),
            ("gaddy2022", "open", None), ("ds2audio_full", None, None), ("ds2emg", "open", None),
            ("ds2audio_ljspeech", None, None)]


def priority(spec: dict) -> tuple:
    base = spec["config"].rsplit("-", 1)[0]
    condition = spec["overrides"].get("data.condition")
    ablation = spec.get("variant") not in (None, "full model") or any(k.startswith("model.") for k in spec["overrides"])
    kind = "ablation" if ablation else None
    for rank, (b, c, k) in enumerate(PRIORITY):
        if b == base and (c is None or c == condition) and k == kind:
            if rank == 0 and spec.get("seed", 0) > 0:  # the full model's other seeds belong to the ablations
                return 5, spec.get("seed", 0)
            return rank, spec.get("seed", 0)
    return len(PRIORITY), spec.get("seed", 0)


def _train_one(spec: dict, profile: str, runs_root: str, threads: int, concurrent: int,
               reuse_released: bool = True) -> str:
    import torch

    from semg_study.experiments.plan_runs import plan_run
    from semg_study.run_folder import RunFolder

    torch.set_num_threads(threads)
    started = time.time()
    run_dir = plan_run(spec, profile, runs_root=runs_root, reuse_released=reuse_released)
    manifest_path = RunFolder(run_dir).manifest
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("source") == "trained" and "concurrent_runs" not in manifest:
        from semg_study import io

        manifest["concurrent_runs"] = concurrent
        manifest["train_process_wall_s"] = round(time.time() - started, 1)
        io.write_json(manifest_path, manifest)
    return str(run_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/train_released.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--runs-root", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="torch threads per run (default: 1 with "
                                                                    "several workers, else 2)")
    parser.add_argument("--only", default=None, help="comma-separated config names to train (default: all)")
    parser.add_argument("--restamp", action="store_true",
                        help="carry stale released runs over to the current code where that is provably safe "
                             "(model code unchanged, training inputs recomputed bit-identical); report the rest")
    parser.add_argument("--pack-only", action="store_true",
                        help="train nothing: pack the finished local runs of the plan again (after `make study`, "
                             "so their decoded outputs travel with them)")
    args = parser.parse_args(argv)

    from semg_study.provenance import repo_root
    from semg_study.report.paths import synthetic_corpus
    from semg_study.run_folder import RunFolder
    from semg_study.training import released

    runs_root = Path(args.runs_root) if args.runs_root else repo_root() / "runs"
    synthetic_corpus(args.profile, None, 0, layout="dv")
    synthetic_corpus(args.profile, None, 0, layout="ljspeech")
    specs = sorted(all_specs(args.profile), key=priority)
    if args.only:
        wanted = set(args.only.split(","))
        specs = [s for s in specs if s["config"] in wanted or s["config"].split("-")[0] in wanted]
    print(f"{len(specs)} runs to train or find ({args.workers} at a time)", flush=True)
    threads = args.threads or (1 if args.workers > 1 else 2)
    started = time.time()
    if args.restamp:
        bad = 0
        for folder in sorted(p for p in released.released_root().iterdir() if p.is_dir()):
            out, what = released.restamp(folder)
            bad += what.startswith("stale")
            print(f"{out.name}: {what}", flush=True)
        return 1 if bad else 0
    if args.pack_only:
        from semg_study.experiments.plan_runs import locate_run

        found = [locate_run(s, args.profile, runs_root) for s in specs]
        missing = [s["config"] for s, r in zip(specs, found) if r is None]
        for run_dir in (r for r in found if r is not None):
            what = released.backfill_inputs_digest(run_dir)
            if what != "present":
                print(f"{run_dir.name}: inputs digest {what}", flush=True)
        packed = released.pack_all([r for r in found if r is not None])
        # released runs the plan no longer names (an earlier plan's) are removed, but only when every
        # run of the plan was found locally: a plan run missing here may be a current released run
        # whose local copy is older (e.g. from before a restamp), and must not be lost
        if not args.only and not missing:
            keep = {p.name for p in packed}
            for folder in sorted(released.released_root().glob("*")):
                if folder.is_dir() and folder.name not in keep:
                    print(f"removed {folder.name}: not a run of the current plan", flush=True)
                    shutil.rmtree(folder)
        print(f"packed {len(packed)} runs into {released.released_root()}; not trained yet: {missing or 'none'}")
        return 0 if not missing else 1
    import multiprocessing

    with ProcessPoolExecutor(max_workers=args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_train_one, s, args.profile, str(runs_root), threads, args.workers): s for s in specs}
        for future in as_completed(futures):
            spec = futures[future]
            run_dir = Path(future.result())
            released.pack_all([run_dir])
            m = json.loads(RunFolder(run_dir).manifest.read_text())
            print(f"[{time.time() - started:7.0f} s] {run_dir.name}: {m.get('source')}, "
                  f"{m.get('epochs_completed')} epochs, final dev CER {((m.get('final') or {}).get('dev_cer') or 0):.3f} "
                  f"({spec.get('label')}, {spec['overrides']})", flush=True)
    print(f"done in {time.time() - started:.0f} s; released runs in {released.released_root()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
