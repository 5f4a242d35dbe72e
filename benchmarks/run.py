"""``make bench``: train and compare deepspeech2, gaddy2022 and MyoStream on equal terms.

    .venv/bin/python benchmarks/run.py --profile smoke|quick|full [--data-root PATH]
        [--out-dir reports/benchmarks] [--runs-root runs] [--force] [--epochs N] [--device cpu|cuda]

Writes ``OUT/<YYYY-MM-DD>-<profile>.json`` and ``.md`` (see benchmarks/README.md);
the logic is :mod:`semg_study.experiments.benchmark` (its ``cli`` module).
"""
from __future__ import annotations

import sys

from semg_study.experiments.benchmark.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="benchmarks/run.py"))
