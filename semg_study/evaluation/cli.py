"""``semg-study evaluate RUN``: decode a split with a trained run and score WER/CER."""
from __future__ import annotations

import argparse
import json


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN", help="run folder (holds checkpoints/ and manifest.json)")
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--decoder", choices=("greedy", "beam"), default="greedy")
    parser.add_argument("--mode", choices=("silent", "voiced"), default=None,
                        help="mode of the utterances scored (default: the run's data.eval_mode)")
    parser.add_argument("--testset", metavar="FILE", default=None,
                        help="testset JSON (default: the run's; on other data than the run's own the output folders "
                             "end in -data-<fingerprint>)")
    parser.add_argument("--data-root", metavar="PATH", default=None, help="corpus root (default: the run's data.root)")
    parser.add_argument("--which", choices=("best", "last"), default="best", help="checkpoint to evaluate")
    parser.add_argument("--lexicon-free", action="store_true",
                        help="beam search without the lexicon constraint (any spelling; words scored by the LM)")
    parser.add_argument("--alpha", type=float, default=None, help="LM weight (default: the run's decode.alpha)")
    parser.add_argument("--beta", type=float, default=None, help="word insertion score (default: decode.beta)")
    parser.add_argument("--beam-size", type=int, default=None, help="beam size (default: decode.beam_size)")
    parser.add_argument("--lm-order", type=int, default=None, help="n-gram order (default: decode.lm_order)")
    parser.add_argument("--batch-size", type=int, default=1,
                        help="utterances per forward pass (default 1: outputs never depend on padding)")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="folder for the decoded outputs (eval/) and the LM (lm/); default: the run folder, "
                             "or for a released run (read-only) <runs root>/evaluations/<run>-<weights digest>")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")


def run(args: argparse.Namespace) -> int:
    from semg_study.evaluation.evaluate import evaluate_run, summary_line

    metrics = evaluate_run(args.run, split=args.split, decoder=args.decoder, mode=args.mode,
                           testset=args.testset, data_root=args.data_root, which=args.which,
                           lexicon=not args.lexicon_free, alpha=args.alpha, beta=args.beta,
                           beam_size=args.beam_size, lm_order=args.lm_order, batch_size=args.batch_size,
                           out=args.out)
    print(json.dumps(metrics, indent=2) if args.json else summary_line(metrics))
    return 0
