"""Command-line entry point: ``python -m semg_study VERB ...`` or ``semg-study VERB ...``.

Each verb lives in the module of its pipeline stage, which exposes
``configure(parser)`` (add arguments) and ``run(args) -> int``. Modules are
imported only when their verb is used, so ``semg-study info`` does not import
torch's training stack.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from semg_study import __version__
from semg_study.errors import run_command

# verb -> (module, one-line help)
VERBS: dict[str, tuple[str, str]] = {
    "synth": ("semg_study.synth.cli", "write the embedded synthetic corpus (or an LJSpeech-layout corpus)"),
    "info": ("semg_study.data.cli_info", "count utterances per condition, split and mode, and what was skipped"),
    "validate": ("semg_study.data.validate", "check a dataset and report every problem, per file"),
    "models": ("semg_study.recipes.cli", "list registered models and configs with parameter counts"),
    "config": ("semg_study.recipes.explain", "print the resolved configuration of a config and where each value was set"),
    "train": ("semg_study.training.cli", "train a model from a config file"),
    "adapt": ("semg_study.training.adapt_cli", "fine-tune a trained run on a new participant's calibration recordings"),
    "evaluate": ("semg_study.evaluation.cli", "decode a split with a trained run and score WER/CER"),
    "latency": ("semg_study.evaluation.latency", "measure a run's inference latency, real-time factor and size"),
    "study": ("semg_study.study.cli", "execute the numbered notebooks into reports/"),
    "capture": ("semg_study.capture.cli", "record EMG from an OpenBCI board into the dataset layout"),
    "live": ("semg_study.capture.live", "decode a live or replayed EMG stream with a trained model"),
    "release-data": ("semg_study.data_release", "pack the sessions of consenting participants for open release"),
    "release-model": ("semg_study.release", "pack a trained run with a model card, if its participants consented"),
    "verify-release": ("semg_study.checksums", "check a released dataset or model folder against its SHA256SUMS"),
}


def build_parser(verbs: dict[str, tuple[str, str]] = VERBS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="semg-study", description="semg-study: silent-speech recognition from facial surface EMG")
    parser.add_argument("--version", action="version", version=f"semg-study {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for verb, (module, help_text) in verbs.items():
        sub.add_parser(verb, help=help_text)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = build_parser()
    if not argv or argv[0] not in VERBS:
        top.parse_args(argv)  # prints usage / --help / --version, or errors
        return 2
    verb = argv[0]
    module = importlib.import_module(VERBS[verb][0])
    parser = argparse.ArgumentParser(prog=f"semg-study {verb}", description=VERBS[verb][1])
    module.configure(parser)
    return run_command(f"semg-study {verb}", module.run, parser.parse_args(argv[1:]))
