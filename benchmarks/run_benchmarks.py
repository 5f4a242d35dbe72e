"""Benchmark a set of trained runs and compare them with the targets in README.md.

    .venv/bin/python benchmarks/run_benchmarks.py [RUN ...] [--threads 1] [--repeats 5]
        [--warmup 2] [--max-utterances 20] [--beam] [--out-dir reports/benchmarks]

Without RUN arguments every folder under ``runs/`` holding ``checkpoints/best.pt``
is measured. Writes ``OUT/latency.json`` (every field of ``semg-study bench`` per
run, plus the targets) and ``OUT/latency.md`` (a table with a yes/no per target).
The measuring is :func:`semg_study.evaluation.bench.bench_many`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from semg_study.errors import StudyError
from semg_study.evaluation.bench import bench_many


def find_runs(root: Path) -> list[Path]:
    return sorted(p.parent.parent for p in root.glob("*/checkpoints/best.pt"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", type=Path, help="run folders (default: every run under --runs-root)")
    parser.add_argument("--runs-root", type=Path, default=Path("runs"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--max-utterances", type=int, default=20)
    parser.add_argument("--beam", action="store_true", help="also time each run's lexicon beam search with its LM")
    parser.add_argument("--out-dir", type=Path, default=Path("reports/benchmarks"))
    args = parser.parse_args(argv)
    runs = args.runs or find_runs(args.runs_root)
    try:
        report = bench_many(runs, args.out_dir, threads=args.threads, repeats=args.repeats,
                            warmup=args.warmup, max_utterances=args.max_utterances or None, beam=args.beam)
    except StudyError as exc:
        print(f"run_benchmarks: error: {exc}", file=sys.stderr)
        return 1
    print((args.out_dir / "latency.md").read_text(), end="")
    print(f"written to {args.out_dir / 'latency.json'} and {args.out_dir / 'latency.md'} "
          f"({len(report['results'])} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
