"""``make verify``: retrain one released run from scratch and check it reproduces within the released CI.

    .venv/bin/python benchmarks/verify_release.py [--profile quick] [--out-dir reports/benchmarks]

The run is the study plan's closed-vocabulary MyoStream. Both the released run and the
retrained one are scored the same way (test split, silent EMG, beam search + LM with the
weights chosen on dev for each); the check passes when the retrained test WER lies inside
the released run's 95 % bootstrap CI. Not part of CI (it trains for minutes). Writes
``OUT/verify-<UTC date>-<profile>.json`` and prints the comparison. docs/design.md
("Reproducibility") says what differs across machines and why this tolerance follows.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/verify_release.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--out-dir", default=None)
    args = parser.parse_args(argv)

    from semg_study import io
    from semg_study.chapters.plan import plan
    from semg_study.experiments.plan_runs import plan_run
    from semg_study.experiments.run_evaluation import evaluate_decoder
    from semg_study.provenance import git_info, repo_root
    from semg_study.run_folder import RunFolder

    spec = next(s for s in plan(args.profile)["myostream"]["runs"] if s.get("condition") == "closed")
    scratch = Path(tempfile.mkdtemp(prefix="semg-verify-"))
    released_run = plan_run(spec, args.profile, runs_root=scratch / "released")
    if RunFolder(released_run).read_manifest().get("source") != "released":
        print(f"no released run matches {spec['config']} ({spec['overrides']}) at this commit: nothing to verify "
              f"against (make release-runs first)", file=sys.stderr)
        return 2
    released = evaluate_decoder(released_run, "test", "beam", "silent")

    started = time.time()
    # train from scratch, whatever is released
    retrained_run = plan_run(spec, args.profile, runs_root=scratch / "retrained", reuse_released=False)
    train_s = time.time() - started
    retrained = evaluate_decoder(retrained_run, "test", "beam", "silent")

    low, high = released["wer_ci"]
    inside = low <= retrained["wer"] <= high
    report = {"kind": "semg-study-verify", "profile": args.profile, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "run": released_run.name, "config": spec["config"], "overrides": spec["overrides"],
              "released": {"wer": released["wer"], "wer_ci": released["wer_ci"], "cer": released["cer"],
                           "cer_ci": released["cer_ci"]},
              "retrained": {"wer": retrained["wer"], "wer_ci": retrained["wer_ci"], "cer": retrained["cer"],
                            "cer_ci": retrained["cer_ci"], "train_wall_s": round(train_s, 1)},
              "inside_released_ci": inside, "git": git_info(), "synthetic": released.get("data") == "synthetic"}
    out_dir = Path(args.out_dir) if args.out_dir else repo_root() / "reports" / "benchmarks"
    path = out_dir / f"verify-{report['created'][:10]}-{args.profile}.json"
    io.write_json(path, report)
    tag = " (synthetic data)" if report["synthetic"] else ""
    print(f"released  {released_run.name}: test WER {100 * released['wer']:.1f} % "
          f"[95 % CI {100 * low:.1f}-{100 * high:.1f}]{tag}")
    print(f"retrained from scratch ({train_s:.0f} s): test WER {100 * retrained['wer']:.1f} % -> "
          f"{'inside' if inside else 'OUTSIDE'} the released CI")
    print(f"written: {path.relative_to(repo_root()) if path.is_relative_to(repo_root()) else path}")
    return 0 if inside else 1


if __name__ == "__main__":
    sys.exit(main())
