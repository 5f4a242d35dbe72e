"""``semg-study adapt RUN DATA``: the command line of :mod:`semg_study.training.adapt`.

Kept apart from the adaptation itself, whose syntax tree is part of every adapted run's
fingerprint (``adapt.code_digest``): a new option or help text here stales no released run.
"""
from __future__ import annotations

from semg_study.training.adapt import LR_SCALE, MODES, AdaptSettings, adapt_run


def configure(parser) -> None:
    parser.add_argument("run", metavar="RUN", help="the trained run to adapt (a run folder, e.g. under released/runs)")
    parser.add_argument("data", metavar="DATA", help="the participant's recordings (a corpus root)")
    parser.add_argument("--participant", default=None,
                        help="participant code (e.g. S1); needed when DATA holds more than one participant")
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--minutes", type=float, default=None, help="calibration EMG to use, in minutes")
    amount.add_argument("--utterances", type=int, default=None, help="calibration utterances to use")
    parser.add_argument("--adapt", choices=MODES, default="adapter",
                        help="adapter: the session adapter only; top: adapter + last block + output layer; "
                             "all: every parameter at a lower learning rate; scratch: the same architecture "
                             "trained from scratch on the same calibration utterances (the baseline)")
    parser.add_argument("--epochs", type=int, default=None, help="most epochs (default 30; scratch: the parent's)")
    parser.add_argument("--patience", type=int, default=None,
                        help="stop after this many epochs without a better dev CER on the participant's own "
                             "dev utterances (default 5; scratch: the parent's; 0: never)")
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate (default: the parent's x " +
                             ", ".join(f"{v:g} for {k}" for k, v in LR_SCALE.items()) + ")")
    parser.add_argument("--seed", type=int, default=0, help="seed of the calibration order and of training")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="folder the new run folder is made in (default: the runs folder, runs/)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave as is)")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch lines")


def run(args) -> int:
    from semg_study.training import load_run

    epochs, patience = args.epochs, args.patience
    if args.adapt == "scratch" and (epochs is None or patience is None):
        parent = load_run(args.run).config.train  # a from-scratch baseline trains like its parent
        epochs = parent.epochs if epochs is None else epochs
        patience = parent.patience if patience is None else patience
    settings = AdaptSettings(adapt=args.adapt, participant=args.participant, minutes=args.minutes,
                             utterances=args.utterances, epochs=30 if epochs is None else epochs,
                             patience=5 if patience is None else patience, lr=args.lr, seed=args.seed)
    run_dir = adapt_run(args.run, args.data, settings, out=args.out, threads=args.threads, progress=not args.quiet)
    print(f"run folder: {run_dir}")
    return 0
