"""Issue 22's comparison as a benchmark report: every finished run of the queue, from the released runs.

    .venv/bin/python benchmarks/headline_report.py [--profile quick] [--out reports/benchmarks]

Writes ``<out>/<date>-<profile>-headline.md``: the budget rule per part, the seed-level table (model,
condition, setting, seed, epochs, WER, CER, training wall time), each model's mean over seeds with its
seed-and-utterance interval, MyoStream's verdicts against each baseline and each ablation's against the
full model, the streaming rule, the size sweep (once every size has all its seeds: WER against parameters
and response latency, timed here side by side, and the verdicts at equal parameters and equal latency),
and the ``"headline"`` targets of ``semg_study.evaluation.targets`` met or missed with their numbers; and
``<date>-<profile>-headline.json`` (kind ``semg-study-headline``: the quantities and the targets), which the
dissertation reads. Runs are located and scored on the test split (greedy, and beam
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


def _targets_markdown(rows) -> list[str]:
    from semg_study.markdown import markdown_table

    def value(t):
        if t["value"] is None:
            return "not measured yet"
        return f"{100 * t['value']:.1f} %" if "relative" in t["quantity"] else f"{t['value']:.3f}"

    def threshold(t):
        return f"{100 * t['threshold']:.0f} %" if "relative" in t["quantity"] else f"{t['threshold']:.2f}"

    return markdown_table(["target", "value", "", "threshold", "met"],
                          [[t["description"], value(t), t["comparison"], threshold(t),
                            {True: "yes", False: "**no**", None: "not measured"}[t["met"]]] for t in rows])


def render(profile: str, parts, runs_root=None) -> tuple[str, dict]:
    """The report's Markdown and its JSON record (quantities and targets)."""
    from semg_study.evaluation.targets import evaluate_targets, targets_for
    from semg_study.chapters import headline as hl
    from semg_study.markdown import markdown_table

    from semg_study.data.synthetic_label import labelled_synthetic
    from semg_study.report.paths import study_paths

    study = hl.seed_study(profile, parts, runs_root=runs_root)
    # the runs read the profile's corpus (headline_runs' default); its label says whether it is synthetic
    synthetic = labelled_synthetic(study_paths(profile, None, None, runs_root).data_root)
    lines = [f"# The headline comparison ({profile} profile{', synthetic data' if synthetic else ''})", "",
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
    points = hl.streaming_points(study.runs, study.scores) if "streaming" in parts else []
    if "streaming" in parts:
        selection = hl.selection_table(hl.select_streaming(points))[0]
        lines += ["", "## Streaming rule", "", f"{selection['rule']}: **{selection['outcome']}**"
                  + (f" ({selection['chosen setting']})" if selection["chosen setting"] else "")
                  + f"; frontier: {selection['frontier'] or 'none'}."]
    if "sizes" in parts:
        lines += ["", "## Model size (closed vocabulary, beam search + LM)", ""]
        if hl.part_complete(study.runs, "sizes"):
            sizes = hl.headline_runs(profile, "sizes", runs_root=runs_root, released=True)
            size_scores = hl.evaluate_headline(sizes, split="test")
            size_points = hl.size_points(sizes, size_scores, hl.measure_size_latency(sizes, threads=2))
            records = hl.point_records(sizes, size_scores)
            rows = hl.size_table(size_points)
            lines += markdown_table(["model", "setting", "parameters", "seeds", "WER % [95 % CI]", "sd",
                                     "response latency p50 / p95 ms (2 threads)"],
                                    [[r["model"], r["setting"], r["parameters"], r["seeds"],
                                      f"{r['WER %']} [{r['WER % CI low']}, {r['WER % CI high']}]", r["WER % sd"],
                                      f"{r['response latency p50 ms']} / {r['response latency p95 ms']}"]
                                     for r in rows])
            findings = hl.finding_table([f for axis in ("parameters", "latency")
                                         for f in hl.equal_findings(size_points, records, axis=axis)])
            lines += ["", "MyoStream against the reproduction at equal parameters and at equal response latency "
                      "(the other model interpolated there; no extrapolation):", ""]
            lines += markdown_table(["axis", "at", "measured", "MyoStream - reproduction, points [95 % CI]",
                                     "verdict"],
                                    [[f["axis"], f["at"], f["measured"],
                                      "" if f["difference (points)"] is None else
                                      f"{f['difference (points)']} [{f['difference CI low']}, {f['difference CI high']}]",
                                      f["verdict"] + (f" ({f['reason']})" if f["reason"] else "")] for f in findings])
        else:
            lines += ["Not every size has all its seeds yet (listed at the end); the curves are not drawn."]
    verdicts_all = hl.pairwise_verdicts(study.runs, study.scores, parts=("closed", "open"))
    quantities = hl.target_quantities(verdicts_all, points)
    targets = evaluate_targets(quantities, targets_for("headline"))
    lines += ["", "## Targets", ""] + _targets_markdown(targets)
    for condition in ("closed", "open"):
        r = quantities.get(condition, {}).get("gaddy_over_myostream")
        if r:
            lines += ["", f"Reproduction / MyoStream, {condition} vocabulary: {r['wer_ratio']:.3f} "
                          f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}] ({r['seeds_myostream']} and {r['seeds_gaddy']} "
                          f"seeds, {r['utterances']} test utterances)."]
    training = hl.training_time(study.rows)
    lines += ["", "## Seed-level table", "",
              f"{training['runs']} distinct runs (a run shared between parts counted once) took "
              f"{training['worker_minutes']:.0f} worker-minutes of training (the sum of their train wall times; "
              f"{training['runs_without_wall']} without a recorded wall time).", "",
              hl.seed_table_markdown(study.rows)]
    missing = [a for a in study.runs.availability() if a["seeds missing"]]
    if missing:
        lines += ["## Not trained yet", ""]
        lines += [f"- {a['part']} / {a['model']} / {a['condition']} / {a['setting']}: seeds {a['seeds missing']}"
                  for a in missing]
    record = {"kind": "semg-study-headline", "profile": profile, "synthetic": synthetic, "parts": list(parts),
              "budget": hl.headline_knobs(profile)["budget"], "quantities": quantities, "targets": targets,
              "missing": missing, "training": training}
    return "\n".join(lines) + "\n", record


def main(argv=None) -> int:
    from semg_study import io
    from semg_study.chapters.headline import PARTS
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
    text, record = render(args.profile, tuple(args.part.split(",")), args.runs_root)
    io.write_json(path.with_suffix(".json"), record)
    io.write_text(path, text)  # last: the Markdown stands for a complete report
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
