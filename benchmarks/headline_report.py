"""Issue 22's comparison as a benchmark report: every finished run of the queue, from the released runs.

    .venv/bin/python benchmarks/headline_report.py [--profile quick] [--out reports/benchmarks]

Writes ``<out>/<date>-<profile>-headline.md``: the budget rule per part, the seed-level table (model,
condition, setting, seed, epochs, WER, CER, training wall time), each model's mean over seeds with its
seed-and-utterance interval, MyoStream's verdicts against each baseline and each ablation's against the
full model, and the streaming rule. Runs are located and scored on the test split (greedy, and beam
search + LM with dev-chosen weights; decodings reused), never trained: a seed not yet trained is listed as
missing (``benchmarks/headline_queue.py`` trains them). Synthetic data: every number is labelled so.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import sys
from pathlib import Path


def _pct(v):
    return "n/a" if v is None else f"{100 * v:.1f}"


def render(profile: str, parts, runs_root=None) -> str:
    from semg_study.experiments import headline as hl
    from semg_study.markdown import markdown_table

    study = hl.seed_study(profile, parts, runs_root=runs_root)
    lines = [f"# The headline comparison ({profile} profile, synthetic data)", "",
             f"Budget: {hl.headline_knobs(profile)['budget']}; test split, silent EMG; intervals: 95 %, "
             "bootstrap over seeds and test utterances.", "", "## Budget rule", ""]
    rules = hl.budget_table(study.budget)
    lines += markdown_table(["part", "runs", "epoch ceilings", "patiences", "rule holds",
                             "stopped at the ceiling while improving"],
                            [[r["part"], r["runs"], r["epoch ceilings"], r["patiences"], r["rule holds"],
                              r["stopped at the ceiling while improving"]] for r in rules])
    lines += ["", "## Each model over its seeds (beam search + LM)", ""]
    lines += markdown_table(["part", "model", "condition", "setting", "parameters", "seeds", "WER % [95 % CI]", "sd",
                             "CER % [95 % CI]"],
                            [[s.part, s.model, s.condition, s.setting, s.parameters, len(s.seeds),
                              f"{_pct(s.wer)} [{_pct(s.wer_low)}, {_pct(s.wer_high)}]", _pct(s.wer_sd),
                              f"{_pct(s.cer)} [{_pct(s.cer_low)}, {_pct(s.cer_high)}]"]
                             for s in study.summaries if s.decoder == "beam" and s.seeds])
    verdicts = hl.pairwise_verdicts(study.runs, study.scores, parts=("closed", "open"))
    verdicts += [v for p in parts if p == "ablations" for v in hl.part_verdicts(study.runs, study.scores, p)]
    lines += ["", "## Verdicts (A against B, same test utterances, beam search + LM)", ""]
    lines += markdown_table(["part", "condition", "A", "B", "metric", "A - B points [95 % CI]", "verdict"],
                            [[v.part, v.condition, v.a, v.b, v.metric.upper(),
                              f"{_pct(v.difference)} [{_pct(v.low)}, {_pct(v.high)}]", v.verdict]
                             for v in verdicts if v.seeds_a and v.seeds_b])
    if "streaming" in parts:
        points = hl.streaming_points(study.runs, study.scores)
        selection = hl.selection_table(hl.select_streaming(points))[0]
        lines += ["", "## Streaming rule", "", f"{selection['rule']}: **{selection['outcome']}**"
                  + (f" ({selection['chosen setting']})" if selection["chosen setting"] else "")
                  + f"; frontier: {selection['frontier'] or 'none'}."]
    lines += ["", "## Seed-level table", "", hl.seed_table_markdown(study.rows)]
    missing = [a for a in study.runs.availability() if a["seeds missing"]]
    if missing:
        lines += ["## Not trained yet", ""]
        lines += [f"- {a['part']} / {a['model']} / {a['condition']} / {a['setting']}: seeds {a['seeds missing']}"
                  for a in missing]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    from semg_study import io
    from semg_study.experiments.headline import PARTS
    from semg_study.provenance import repo_root

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--part", default=",".join(PARTS))
    parser.add_argument("--runs-root", default=None)
    parser.add_argument("--out", default=None, help="folder (default: reports/benchmarks)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else repo_root() / "reports" / "benchmarks"
    date = _dt.date.today().isoformat()
    path = out / f"{date}-{args.profile}-headline.md"
    io.write_text(path, render(args.profile, tuple(args.part.split(",")), args.runs_root))
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
