"""Train issue 22's comparison runs, one after another, and pack each into ``released/runs`` as it finishes.

    nohup .venv/bin/python benchmarks/headline_queue.py [--profile quick] [--part closed,sizes,...] &

The runs are the profile's ``headline`` knobs (``semg_study/recipes/profiles.py``), listed by
``semg_study.chapters.headline.queue`` (which the analysis reads too): every model of a
comparison under one budget rule (epoch ceiling and patience), seeds, sizes and MyoStream's streaming
settings, in that order (what the headline claim rests on first), so a queue interrupted at any
point has released the most informative runs. A run already finished (in the runs folder or released)
is found by its fingerprint and not trained again, so the queue resumes across sessions: run it again.
One torch thread per run; ``--workers 2`` trains two at a time on two cores.

Each finished run is scored on the test split (greedy, and beam search + LM with its weights chosen
on dev) before it is packed, so the released folder carries its decodings and a study that reuses
it only re-scores them. ``--evaluate-only`` does that for the runs already finished (trains nothing).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from semg_study.chapters.headline import PARTS, queue  # noqa: E402  (the one list of the comparison's runs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--part", default=",".join(PARTS), help=f"comma-separated parts ({', '.join(PARTS)})")
    parser.add_argument("--runs-root", default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--list", action="store_true", help="print the queue and exit")
    parser.add_argument("--retrain", action="store_true",
                        help="train every run from scratch into --runs-root (default runs/retrain-headline), "
                             "never reusing or packing a released run (`make retrain`)")
    parser.add_argument("--evaluate-only", action="store_true",
                        help="score and repack the finished runs of the parts; train nothing")
    args = parser.parse_args(argv)

    from train_released import _train_one

    from semg_study.provenance import repo_root
    from semg_study.training import released

    from semg_study.chapters.headline import headline_knobs

    if not headline_knobs(args.profile):
        print(f"profile {args.profile!r} has no headline comparison: nothing to train")
        return 0
    specs = queue(args.profile, args.part.split(","))
    if args.list:
        for s in specs:
            print(s["config"], json.dumps(s["overrides"], sort_keys=True), "seed", s["seed"], "|", s["label"])
        print(f"{len(specs)} runs")
        return 0
    default_root = repo_root() / "runs" / ("retrain-headline" if args.retrain else "")
    runs_root = str(Path(args.runs_root) if args.runs_root else default_root)
    started = time.time()

    def score(run_dir):
        # the decodings the study re-scores; the test split is decoded, never used for a choice
        from semg_study.chapters.headline import evaluate_headline

        evaluate_headline([run_dir], split="test")

    if args.evaluate_only:
        from semg_study.chapters.headline import headline_runs

        runs = headline_runs(args.profile, args.part, runs_root=runs_root, released=True, copy_released=True)
        for run in runs.present:
            if run.run_dir.parent.resolve() != Path(runs_root).resolve():
                continue  # a released copy used in place (read-only): nothing to pack
            score(run.run_dir)
            released.pack_all([run.run_dir])
            print(f"[{time.time() - started:7.0f} s] {run.run_dir.name}: scored and packed ({run.label}, seed {run.seed})",
                  flush=True)
        return 0

    def report(spec, run_dir):
        score(run_dir)
        if not args.retrain:  # a retrain checks the released runs; it never replaces them
            released.pack_all([run_dir])
        m = json.loads((Path(run_dir) / "manifest.json").read_text())
        stop = m.get("early_stopping") or {}
        print(f"[{time.time() - started:7.0f} s] {Path(run_dir).name}: {m.get('source')}, {spec['label']}, "
              f"{stop.get('epochs_trained')} epochs (best {stop.get('best_epoch')}, ceiling {stop.get('max_epochs')}), "
              f"dev CER {((m.get('final') or {}).get('dev_cer') or 0):.3f}, "
              f"train wall {m.get('train_process_wall_s')} s", flush=True)

    if args.workers <= 1:
        for spec in specs:
            report(spec, _train_one(spec, args.profile, runs_root, 1, 1, not args.retrain))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_train_one, s, args.profile, runs_root, 1, args.workers, not args.retrain): s
                       for s in specs}
            for future in as_completed(futures):
                report(futures[future], future.result())
    print(f"done in {time.time() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
