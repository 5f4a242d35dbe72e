"""What notebook 06's ablations show."""
from __future__ import annotations

from semg_study.report.narrative import ChapterFindings, Finding, CI_LOW, difference_text, first, join, noise_caveat, num, points, rows_of, with_ci
from semg_study.report.thesis.records import Results


def table_findings(t: dict[str, dict]) -> list[Finding]:
    table = t.get("06_ablations")
    rows = rows_of(table)
    full = first(rows, variant="full model")
    if not full:
        return []
    out = []
    mean_col = "WER % mean" if "WER % mean" in (table or {}).get("columns", []) else "WER %"
    delta_col = next((c for c in table["columns"] if c.startswith("ΔWER")), None)
    seeds = str(full.get("seeds", ""))
    # "WER %" is the seeds' mean with its seed-and-utterance CI where the table has one
    shown = with_ci(full, "WER %") if num(full.get("WER %" + CI_LOW)) is not None else with_ci(full, mean_col)
    out.append(Finding(f"The full model's closed-vocabulary test WER is {shown}"
                       + (f" ± {full['WER % std']:.1f} (std over seeds {seeds})" if num(full.get("WER % std")) is not None else "")
                       + "."))
    effects, noise = [], []
    for row in rows:
        if row is full:
            continue
        delta = num(row.get(delta_col)) if delta_col else None
        if delta is None and num(row.get(mean_col)) is not None and num(full.get(mean_col)) is not None:
            delta = row[mean_col] - full[mean_col]
        if delta is None:
            continue
        name = "without " + str(row.get("switched off") or row.get("variant")).removeprefix("without ")
        spread = max(num(row.get("WER % std")) or 0.0, num(full.get("WER % std")) or 0.0)
        low, high = num(row.get("difference CI low")), num(row.get("difference CI high"))
        if low is not None and high is not None:
            significant = low > 0 or high < 0
            text = f"{name} {points(delta)} (95% CI {points(low)} to {points(high)})"
        else:
            significant = abs(delta) > spread and spread > 0
            text = f"{name} {points(delta)}"
        (effects if significant else noise).append((delta, text))
    if effects:
        effects.sort(key=lambda e: -abs(e[0]))
        out.append(Finding("Changes in WER whose interval (seeds and utterances resampled) excludes zero, or larger "
                           "than the seeds' spread where no interval is given (a positive change: the component "
                           "helps, as switching it off raises the WER): " + join([e[1] for e in effects]) + ".",
                           headline=True))
    if noise:
        out.append(Finding("Within the seeds' spread or with an interval that includes zero, so no effect can "
                           "be claimed: " + join([n[1] for n in noise]) + ".", caveat=True))
    caveat = noise_caveat([v for r in rows if (v := num(r.get(mean_col))) is not None], "ablation variant")
    if caveat:
        out.append(caveat)
    return out



def record_findings(r: Results) -> list[Finding]:
    """What the comparison over seeds shows here, read with the dissertation's typed readers
    (:mod:`semg_study.report.thesis.records`), so the notebook and the document say the same."""
    found: list[Finding] = []
    for v in r.seed_verdicts:
        if v.table == "06_ablations_budget_comparisons" and v.metric == "wer":
            found.append(Finding(f"Under the comparison's budget rule (beam + LM), {v.a} against the full "
                                 f"model: {difference_text(v.difference)}, {v.verdict.state}."))
    return found


FINDINGS = ChapterFindings("06", table_findings, ('06_ablations_budget_comparisons',), record_findings)
