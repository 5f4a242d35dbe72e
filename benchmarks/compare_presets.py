"""The project's features under the default and under ``preset: gaddy2022``, side by side.

For a few utterances of a corpus (default: the first utterance, one from the
middle and the last one of each of the first sessions, so that both
"neighbours on both sides" and "no {i+1} file" occur), computes every stream
(``emg_raw``, ``emg_features``, ``audio_features``, un-normalised, as the
feature cache holds them) under both configs and prints, per utterance and
stream, the frames compared, the max absolute difference and the relative
error ``||a - b|| / ||b||`` (Frobenius, b = gaddy2022) over the frames both have.
The label says when the corpus is synthetic::

    .venv/bin/python benchmarks/compare_presets.py data/synthetic-smoke --sessions 2
"""
from __future__ import annotations

import argparse
import sys

import numpy as np


def compare(root, sessions: int = 2, testset=None) -> tuple[list[dict], bool]:
    from semg_study.data import open_corpus
    from semg_study.data.dv_folders import CONDITION_FOLDERS
    from semg_study.data.feature_cache import FeatureCache
    from semg_study.features import FeatureConfig

    corpus = open_corpus(root, testset=testset)
    default, preset = FeatureCache(FeatureConfig()), FeatureCache(FeatureConfig.gaddy2022())
    by_session: dict[tuple[str, str], list] = {}
    for u in corpus.all_utterances():
        if u.kind == "emg":
            by_session.setdefault((u.folder, u.session), []).append(u)
    rows = []
    folders = list(CONDITION_FOLDERS)  # silent parallel sessions first, as the authors list them
    for key in sorted(by_session, key=lambda k: (folders.index(k[0]), k[1]))[:sessions]:
        utts = sorted(by_session[key], key=lambda u: u.index)
        picked = list(dict.fromkeys([utts[0], utts[len(utts) // 2], utts[-1]]))
        for u in picked:
            a, b = default.compute(u), preset.compute(u)
            has_next = u.neighbour_path(1).exists()
            for stream in ("emg_raw", "emg_features", "audio_features"):
                if stream not in a or stream not in b:
                    continue
                n = min(len(a[stream]), len(b[stream]))
                x, y = np.asarray(a[stream][:n], np.float64), np.asarray(b[stream][:n], np.float64)
                rows.append({"utterance": u.id, "next file": "yes" if has_next else "no", "stream": stream,
                             "frames": f"{len(a[stream])}/{len(b[stream])}",
                             "max abs diff": float(np.abs(x - y).max()) if n else 0.0,
                             "relative error": float(np.linalg.norm(x - y) / max(np.linalg.norm(y), 1e-12))})
    return rows, corpus.synthetic


def main(argv=None) -> int:
    from semg_study.markdown import markdown_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="a Digital Voicing-layout corpus")
    parser.add_argument("--sessions", type=int, default=2, help="how many sessions to take utterances from")
    parser.add_argument("--testset", default=None)
    args = parser.parse_args(argv)
    rows, synthetic = compare(args.root, args.sessions, args.testset)
    label = " (SYNTHETIC data)" if synthetic else ""
    print(f"default vs preset gaddy2022 on {args.root}{label}; frames = default/gaddy2022, "
          f"relative error = ||default - gaddy2022|| / ||gaddy2022||")
    table = markdown_table(["utterance", "next file", "stream", "frames", "max abs diff", "relative error"],
                           [[r["utterance"], r["next file"], r["stream"], r["frames"], f"{r['max abs diff']:.3g}",
                             f"{r['relative error']:.3g}"] for r in rows])
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
