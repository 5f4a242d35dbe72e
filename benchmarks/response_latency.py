"""Response latency side by side: end of utterance to final transcript, at the study and the paper sizes.

The study sizes are the profile's trained runs (closed vocabulary, first seed of
the plan: MyoStream, the gaddy2022 reproduction, DeepSpeech2 on EMG), found in
the released runs (``released/runs``) or under ``--runs-root``, never trained
here; the paper sizes are the ``-paper`` configs with random weights (no trained
paper-size run exists). All are timed in one process on the same 5 s of random
EMG, batch 1, ``--threads`` CPU threads; the beam search uses one lexicon and
word LM for every model (the reproduction's study run's: its training
transcripts). Written to ``<out>/<date>-<profile>-response-latency.json`` and
``.md`` (what :mod:`semg_study.evaluation.response` measures and why)::

    .venv/bin/python benchmarks/response_latency.py --profile quick
"""
from __future__ import annotations

import argparse
import datetime as _dt
import sys
from pathlib import Path

FAMILIES = ("myostream", "gaddy2022", "ds2emg")


def study_runs(profile: str, runs_root: Path | None) -> dict[str, Path]:
    """family -> the plan's closed-vocabulary, first-seed run of that family, where it is finished."""
    from semg_study.experiments.plan_runs import locate_run
    from semg_study.chapters.plan import plan
    from semg_study.training.released import released_root

    p = plan(profile)
    specs = p["myostream"]["runs"] + p["emg_baselines"]["runs"]
    found = {}
    for family in FAMILIES:
        mine = [s for s in specs if s["base"] == family and s.get("condition") == "closed"]
        if not mine:
            continue
        spec = min(mine, key=lambda s: s["seed"])
        roots = [r for r in (runs_root, released_root()) if r is not None]
        run = next((r for r in (locate_run(spec, profile, root) for root in roots) if r is not None), None)
        # a run whose fingerprint no longer matches (other data or code) still times the same model:
        # the latency needs its architecture and trained weights, not an exact rerun of the plan
        found[family] = run or next((r for root in roots for r in _by_manifest(root, spec)), None)
    return {k: v for k, v in found.items() if v is not None}


def _by_manifest(root: Path, spec: dict) -> list[Path]:
    """Finished runs under ``root`` of the spec's config, condition and seed (newest name first)."""
    from semg_study.run_folder import RunFolder

    out = []
    for folder in sorted(Path(root).glob(f"{spec['config']}-*"), reverse=True):
        run = RunFolder(folder)
        m = run.read_manifest()
        if not m:
            continue
        if m.get("finished") and m.get("seed") == spec["seed"] and run.best.is_file() \
                and m["config"]["data"].get("condition") == spec["condition"] \
                and all(m["config"]["model"].get(k.split(".", 1)[1]) == v
                        for k, v in spec["overrides"].items() if k.startswith("model.")):
            out.append(folder)
    return out


def shared_beam(run_dir: Path):
    """One lexicon beam search with the word LM of ``run_dir`` (its config's decode settings)."""
    from semg_study.decoding.beam import BeamDecoder
    from semg_study.evaluation.evaluate import ensure_lm, open_run_corpus
    from semg_study.evaluation.output import evaluation_home
    from semg_study.run_folder import RunFolder
    from semg_study.training import load_run

    loaded = load_run(run_dir)
    d = loaded.config.decode
    corpus = open_run_corpus(loaded.config)
    lm = ensure_lm(RunFolder(evaluation_home(run_dir)).lm(), corpus, loaded.config, int(d.lm_order))
    return BeamDecoder(lm.arpa_path, lm.words, vocab=loaded.vocab, alpha=d.alpha, beta=d.beta,
                       beam=int(d.beam_size), lexicon=True)


def main(argv=None) -> int:
    from semg_study import io
    from semg_study.evaluation import response
    from semg_study.experiments.benchmark.report import default_out_dir
    from semg_study.recipes.profiles import config_name

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", choices=("smoke", "quick"),
                        help="whose trained runs are the study sizes (default: quick)")
    parser.add_argument("--runs-root", type=Path, default=None, help="look for the study runs here first")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2, the targets')")
    parser.add_argument("--repeats", type=int, default=10, help="timed responses per model")
    parser.add_argument("--warmup", type=int, default=2, help="untimed responses per model first")
    parser.add_argument("--seconds", type=float, default=response.SECONDS, help="utterance length (default 5 s)")
    parser.add_argument("--no-paper", action="store_true", help="study sizes only")
    parser.add_argument("--no-beam", action="store_true", help="greedy decoding only")
    parser.add_argument("--out-dir", type=Path, default=None, help="default: reports/benchmarks")
    args = parser.parse_args(argv)

    runs = study_runs(args.profile, args.runs_root)
    missing = [f for f in FAMILIES if f not in runs]
    if missing:
        print(f"no finished {args.profile} run of {', '.join(missing)} (closed vocabulary): those study sizes "
              f"are left out", file=sys.stderr)
    candidates = [response.from_run(runs[f], size="study") for f in FAMILIES if f in runs]
    if not args.no_paper:
        candidates += [response.from_config(config_name(f, "full"), size="paper") for f in FAMILIES]
    beam = None
    if not args.no_beam and "gaddy2022" in runs:
        beam = shared_beam(runs["gaddy2022"])
    report = response.measure_response(candidates, threads=args.threads, repeats=args.repeats, warmup=args.warmup,
                                       seconds=args.seconds, beam=beam,
                                       progress=lambda s: print(f"timing {s}", file=sys.stderr, flush=True))
    report.update(profile=args.profile, study_runs={f: r.name for f, r in runs.items()},
                  beam_lm=None if beam is None else f"word LM and lexicon of {runs['gaddy2022'].name}, for every model")
    out_dir = args.out_dir or default_out_dir()
    stem = f"{_dt.datetime.now(_dt.timezone.utc).date().isoformat()}-{args.profile}-response-latency"
    io.write_json(out_dir / f"{stem}.json", report)
    io.write_text(out_dir / f"{stem}.md", response.response_markdown(report))
    print((out_dir / f"{stem}.md").read_text(), end="")
    print(f"written to {out_dir / stem}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
