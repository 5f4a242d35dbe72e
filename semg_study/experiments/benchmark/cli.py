"""The model comparison's command line: ``make bench`` runs ``benchmarks/run.py``, which calls :func:`main`.

    .venv/bin/python benchmarks/run.py --profile smoke|quick|full [--data-root PATH]
        [--out-dir reports/benchmarks] [--runs-root runs] [--force] [--ignore-released] [--testset FILE]
        [--epochs N] [--device cpu|cuda]
        [--refresh-study-run JSON]
"""
from __future__ import annotations

import argparse

from semg_study.errors import run_command
from semg_study.experiments.benchmark.markdown import targets_markdown
from semg_study.experiments.benchmark.plan import EPOCHS
from semg_study.experiments.benchmark.report import refresh_study_run
from semg_study.experiments.benchmark.stages import run_benchmark
from semg_study.recipes.profiles import PROFILE_SIZE


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=tuple(PROFILE_SIZE), default="quick",
                        help="smoke (tests) | quick (default) | full (paper-size configs)")
    parser.add_argument("--data-root", metavar="PATH", default=None,
                        help="the real Digital Voicing dataset (default: the profile's synthetic corpus)")
    parser.add_argument("--out-dir", metavar="PATH", default=None,
                        help="where the JSON and Markdown go (default: reports/benchmarks)")
    parser.add_argument("--runs-root", metavar="PATH", default=None, help="training runs (default: runs)")
    parser.add_argument("--force", action="store_true", help="retrain even when a cached run matches")
    parser.add_argument("--ignore-released", dest="reuse_released", action="store_false",
                        help="never reuse a released run (released/runs); finished local runs are still reused")
    parser.add_argument("--testset", metavar="FILE", default=None,
                        help="split file of the Digital Voicing corpus (default: its own, else the packaged one)")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"epochs of every model (default: the profile's: {EPOCHS})")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="training device (inference cost is always measured on the CPU)")
    parser.add_argument("--data-dir", metavar="PATH", default=None,
                        help="cache folder of the synthetic corpora (default: <repo>/data)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.add_argument("--refresh-study-run", metavar="JSON", default=None,
                        help="train nothing: re-read reports/study_run.json into this benchmark JSON and "
                             "re-check its targets (after a later make study)")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "refresh_study_run", None):
        report = refresh_study_run(args.refresh_study_run)
        print(targets_markdown(report), end="")
        return 0
    report = run_benchmark(args.profile, data_root=args.data_root, out_dir=args.out_dir, runs_root=args.runs_root,
                           force=args.force, epochs=args.epochs, device=args.device, data_dir=args.data_dir,
                           progress=args.progress, testset=args.testset, reuse_released=args.reuse_released)
    print(targets_markdown(report), end="")
    print(f"\nbenchmark ({report['profile']}{', synthetic data' if report['synthetic'] else ''}): "
          f"{len(report['manifests'])} runs in {report['wall_s']:.1f} s")
    print(f"written: {report['paths']['json']}\n         {report['paths']['markdown']}")
    return 0


def main(argv: list[str] | None = None, prog: str = "benchmarks/run.py") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Train and compare deepspeech2, gaddy2022 and "
                                                             "MyoStream with the same data, seeds and budget.")
    configure(parser)
    return run_command(prog, run, parser.parse_args(argv))
