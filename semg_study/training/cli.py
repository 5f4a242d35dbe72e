"""``semg-study train CONFIG [key=value ...] [--resume]``."""
from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from semg_study.recipes.config import ALIASES

    parser.add_argument("config", help="a config name (e.g. myostream-quick; see `semg-study models`) or a YAML path")
    parser.add_argument("overrides", nargs="*", metavar="key=value",
                        help="override config values: dotted keys (train.epochs=3, model.d_model=64) or "
                             + ", ".join(f"{k}=..." for k in ALIASES))
    parser.add_argument("--resume", action="store_true", help="continue the run in the output folder from checkpoints/last.pt")
    parser.add_argument("--cached", action="store_true",
                        help="reuse a finished run with the same config, data and code (runs/<config>-<fingerprint>)")


def run(args: argparse.Namespace) -> int:
    from semg_study.recipes.config import load_config, parse_override

    if args.cached:
        from semg_study.training.cache import train_cached

        cfg = load_config(args.config, args.overrides)
        run_dir = train_cached(args.config, [o for o in args.overrides if parse_override(o)[0] != "train.out"],
                               runs_root=cfg.train.out)
    else:
        from semg_study.training.loop import train

        run_dir = train(args.config, overrides=args.overrides, resume=args.resume)
    print(f"run folder: {run_dir}")
    return 0
