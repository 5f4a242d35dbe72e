"""Step 0 of the study: the corpora the notebooks read, and the split file they open them with."""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Callable

from semg_study.data.synthetic_label import is_synthetic
from semg_study.report import paths as _paths


def prepare_data(args: argparse.Namespace, say: Callable[[str], None]) -> dict[str, Any]:
    """Step 0: the corpora the notebooks read."""
    started = time.perf_counter()
    data_dir = Path(args.data_dir).resolve() if args.data_dir else _paths.default_data_dir()
    if args.data_root:
        data_root = Path(args.data_root).resolve()
        if not data_root.exists():
            from semg_study.errors import DataError

            raise DataError(data_root, "--data-root does not exist")
        corpus = "synthetic" if is_synthetic(data_root) else "digital-voicing"
        say(f"step 0: using the {corpus} corpus at {data_root}")
    else:
        say(f"step 0: synthetic corpus for profile {args.profile} in {data_dir} (cached by fingerprint)")
        data_root = _paths.synthetic_corpus(args.profile, data_dir, args.seed, progress=args.progress)
        corpus = "synthetic"
    if args.ljspeech_root:
        ljspeech_root = Path(args.ljspeech_root).resolve()
    else:
        ljspeech_root = _paths.synthetic_corpus(args.profile, data_dir, args.seed, layout="ljspeech",
                                                progress=args.progress)
    wall = time.perf_counter() - started
    say(f"step 0: corpora ready in {wall:.1f} s")
    return {"data_root": str(data_root), "ljspeech_root": str(ljspeech_root), "corpus": corpus,
            "wall_s": round(wall, 3)}


def resolve_study_testset(args: argparse.Namespace, data_root: str) -> str:
    """The split file the study's Digital Voicing corpus opens with (named in the study record)."""
    from semg_study.data.dv_folders import locate_emg_data
    from semg_study.data.testsets import resolve_testset
    from semg_study.errors import DataError

    root = Path(data_root)
    try:
        base, _ = locate_emg_data(root)
    except DataError:  # not a Digital Voicing layout: the notebooks that open it say so
        base = root
    return str(resolve_testset(root, base, getattr(args, "testset", None)).resolve())
