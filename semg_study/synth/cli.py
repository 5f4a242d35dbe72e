"""``semg-study synth``: write the embedded synthetic corpus (or an LJSpeech-layout one)."""
from __future__ import annotations

import argparse
import json
import time

from semg_study.synth.corpus import cache_is_valid, describe, generate_corpus
from semg_study.synth.participants import PARTICIPANT_PROFILES
from semg_study.synth.profiles import PROFILES


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="folder to write the corpus into")
    parser.add_argument("--profile", choices=sorted(PROFILES) + sorted(PARTICIPANT_PROFILES), default="quick",
                        help="corpus size: smoke (tests), quick (the default study), full (real size); "
                             "participants: new synthetic participants (5 people, 20 min of calibration and "
                             "60 test utterances each; participants-smoke for tests)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (the corpus is deterministic for it)")
    parser.add_argument("--layout", choices=("dv", "ljspeech"), default="dv",
                        help="dv: Digital Voicing layout with EMG; ljspeech: TTS speech in LJSpeech layout")
    parser.add_argument("--force", action="store_true", help="regenerate even when a valid cached copy exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    cached = not args.force and cache_is_valid(args.out, args.profile, args.seed, args.layout)
    start = time.perf_counter()
    root = generate_corpus(args.out, profile=args.profile, seed=args.seed, layout=args.layout,
                           progress=not args.quiet, force=args.force)
    elapsed = time.perf_counter() - start
    summary = describe(root)
    state = "cached copy is valid, nothing written" if cached else f"generated in {elapsed:.1f} s"
    print(f"synthetic corpus ({summary['layout']}, profile {summary['profile']}, seed {summary['seed']}) "
          f"at {root}: {state}")
    print(json.dumps(summary["counts"], indent=2))
    return 0
