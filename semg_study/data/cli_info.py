"""``semg-study info ROOT``: utterances (and hours) per condition, split and mode, and what was skipped."""
from __future__ import annotations

import argparse
import json

from semg_study.data.corpus import CONDITIONS, MODES, SKIP_RULES, SPLITS
from semg_study.data.testsets import testset_difference
from semg_study.data.layouts import open_corpus


def corpus_summary(corpus, chosen_testset=None) -> dict:
    """Counts per condition/split/mode, the split file and what was skipped; ``chosen_testset``
    is the file the user named (the corpus's own split is compared with the packaged one only
    when none was named)."""
    rows = []
    for condition in CONDITIONS:
        for split in SPLITS:
            for mode in MODES:
                utts = corpus.utterances(condition, split, mode)
                if not utts and corpus.kind == "ljspeech":
                    continue
                seconds = sum(corpus.duration_s(u) for u in utts)
                rows.append({"condition": condition, "split": split, "mode": mode, "utterances": len(utts),
                             "hours": round(seconds / 3600, 4), "seconds": round(seconds, 2)})
    return {"root": str(corpus.root), "kind": corpus.kind, "synthetic": corpus.synthetic,
            "testset": None if corpus.testset_path is None else str(corpus.testset_path),
            "testset_warning": None if corpus.testset_path is None or chosen_testset is not None
            else testset_difference(corpus.testset_path),
            "sessions": corpus.sessions, "counts": rows,
            "aligned_utterances": sum(u.alignment_path is not None for u in corpus.all_utterances()),
            "skipped": {rule: corpus.skipped.get(rule, 0) for rule in SKIP_RULES} if corpus.kind != "ljspeech" else {},
            "skip_rules": SKIP_RULES}


def add_dataset_arguments(parser: argparse.ArgumentParser, metavar: str = "ROOT") -> None:
    """The dataset root, ``--testset`` and ``--alignments``: shared by ``info`` and ``validate``."""
    parser.add_argument("root", metavar=metavar, help="dataset root (parent of emg_data/, emg_data/, or LJSpeech)")
    parser.add_argument("--testset", default=None, help="testset JSON (default: ROOT/testset_largedev.json, else "
                                                        "ROOT/testset.json, else the packaged "
                                                        "testset_largedev.json)")
    parser.add_argument("--alignments", default=None, help="folder of TextGrid alignments (default: "
                                                           "ROOT/text_alignments)")


def configure(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    corpus = open_corpus(args.root, testset=args.testset, alignments=args.alignments)
    summary = corpus_summary(corpus, args.testset)
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    label = ", SYNTHETIC data" if summary["synthetic"] else ""
    print(f"{summary['root']} ({summary['kind']}{label}), testset {summary['testset']}, {len(summary['sessions'])} sessions")
    if summary["testset_warning"]:
        print(f"WARNING {summary['testset']}: {summary['testset_warning']}")
    print(f"{'condition':<10}{'split':<7}{'mode':<8}{'utterances':>11}{'hours':>9}")
    for r in summary["counts"]:
        print(f"{r['condition']:<10}{r['split']:<7}{r['mode']:<8}{r['utterances']:>11}{r['hours']:>9.3f}")
    for rule, n in summary["skipped"].items():
        print(f"skipped {n:>6}  {rule}: {SKIP_RULES[rule]}")
    return 0
