"""What notebook 05's MyoStream tables and the comparison over seeds show."""
from __future__ import annotations

from semg_study.report.narrative import (ChapterFindings, Finding, decoder_rank, difference_text, first, is_comparison, join, noise_caveat, num, pct, rate_text, rows_of,
                                     value_of, with_ci)
from semg_study.report.thesis.records import Results


def table_findings(t: dict[str, dict]) -> list[Finding]:
    rows = sorted([r for r in rows_of(t.get("05_myostream")) if num(r.get("WER %")) is not None], key=decoder_rank)
    if not rows:
        return []
    out = []
    head = rows[0]
    # one sentence per condition: the rows of one run (its decoders) together
    for condition in dict.fromkeys(r.get("condition") for r in rows):
        mine = [r for r in rows if r.get("condition") == condition]
        first = mine[0]
        others = [f"{with_ci(r, 'WER %')} with {r.get('decoder')}" for r in mine[1:]]
        out.append(Finding(
            f"MyoStream ({condition} vocabulary, silent EMG, {int(num(first.get('parameters')) or 0):,} "
            f"parameters) reaches a test WER of {with_ci(first, 'WER %')} and CER of {with_ci(first, 'CER %')} with "
            f"{first.get('decoder')}" + (f" ({join(others)})" if others else "") + ".", headline=True))
    base = [r for r in rows_of(t.get("04_emg_baselines")) if r.get("evaluated on") == "silent"
            and r.get("condition") == head.get("condition") and num(r.get("WER %")) is not None]
    if base and not any(is_comparison(x) for x in t.values()):
        best = min(base, key=lambda r: r["WER %"])
        greedy = first(rows, decoder="greedy") or head
        diff = greedy["WER %"] - best["WER %"]
        relation = ("the same as" if diff == 0 else
                    f"{abs(diff):.1f} points {'lower' if diff < 0 else 'higher'} than")
        out.append(Finding(
            f"With greedy decoding, as the baselines are scored, MyoStream's WER {pct(greedy['WER %'])} is "
            f"{relation} the best baseline's ({best.get('model')}, {pct(best['WER %'])}); without confidence "
            "intervals it is not known whether the difference is significant.", caveat=True))
    caveat = noise_caveat([r["WER %"] for r in rows], "MyoStream decoder")
    if caveat:
        out.append(caveat)
    worst = rows_of(t.get("05_worst_utterances"))
    if worst:
        dels = sum(num(r.get("deletions")) or 0 for r in worst)
        subs = sum(num(r.get("substitutions")) or 0 for r in worst)
        ins = sum(num(r.get("insertions")) or 0 for r in worst)
        kind = max((("deletions", dels), ("substitutions", subs), ("insertions", ins)), key=lambda kv: kv[1])[0]
        where = t["05_worst_utterances"].get("config") or {}
        scope = " ".join(x for x in (where.get("split"), "utterances") if x)
        of_run = f" of the {where['vocabulary']}-vocabulary run" if where.get("vocabulary") else ""
        out.append(Finding(f"In the {len(worst)} worst {scope}{of_run} the errors are mostly {kind} "
                           f"({int(subs)} substitutions, {int(dels)} deletions, {int(ins)} insertions)."))
    return out



def record_findings(r: Results) -> list[Finding]:
    """What the comparison over seeds shows here, read with the dissertation's typed readers
    (:mod:`semg_study.report.thesis.records`), so the notebook and the document say the same."""
    found: list[Finding] = []
    for rule in r.budget_rules:
        if rule.part in ("closed", "open"):
            found.append(Finding(
                f"Budget rule ({rule.part} vocabulary, {int(value_of(rule.runs) or 0)} runs, one epoch ceiling and "
                f"patience on dev CER): {'it held' if rule.holds.state == 'yes' else 'it did not hold'}; "
                f"{int(value_of(rule.improving) or 0)} run(s) stopped at the ceiling while still improving."))
    for m in r.seed_means:
        if m.table == "05_seeds" and m.decoder == "beam":
            sd = "" if m.wer_sd is None else f", sd {value_of(m.wer_sd):.1f} points between seeds"
            found.append(Finding(f"Over {int(value_of(m.seeds))} seed(s), {m.model} ({m.vocabulary} vocabulary, test, "
                                 f"silent EMG, beam + LM) reaches a WER of {rate_text(m.wer)}{sd}."))
    for v in r.seed_verdicts:
        if v.table == "05_seed_comparisons" and v.metric == "wer":
            found.append(Finding(f"{v.a} against {v.b} ({v.vocabulary} vocabulary, seeds and utterances "
                                 f"resampled): {difference_text(v.difference)}, {v.verdict.state}.",
                                 headline=v.b == "gaddy2022"))
    return found


FINDINGS = ChapterFindings("05", table_findings, ("05_seeds", "05_seed_comparisons", "05_budget_rule"), record_findings)
