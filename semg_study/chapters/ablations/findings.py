"""What notebook 06's ablations show, read from the typed records the dissertation reads.

No column label is matched here: the ablation table is read once, by its reader in
:mod:`semg_study.report.thesis.records` (``Ablation`` records), which names the columns it needs and
raises a ``SchemaError`` when one is missing, so a renamed column is said in the notebook (and stops the
dissertation), never a silently different sentence.
"""
from __future__ import annotations

from semg_study.chapters.ablations.plan import FULL_MODEL
from semg_study.report.narrative import (ChapterFindings, Finding, difference_text, join, noise_caveat, points,
                                         rate_text, value_of)
from semg_study.report.thesis.records import Ablation, Results


def _effect(a: Ablation, full: Ablation) -> tuple[float, str, bool] | None:
    """(change in WER points, its sentence part, whether an effect can be claimed) of one variant."""
    name = f"without {a.switched_off or a.variant.removeprefix('without ')}"
    d = a.difference
    if d is not None and d.low is not None and d.high is not None:
        delta, low, high = value_of(d.value), value_of(d.low), value_of(d.high)
        # the seed-and-utterance interval of the paired difference decides
        return delta, f"{name} {points(delta)} (95% CI {points(low)} to {points(high)})", low > 0 or high < 0
    mine, theirs = value_of(a.wer.value), value_of(full.wer.value)
    if mine is None or theirs is None:
        return None
    delta = mine - theirs
    # without an interval: an effect only when the change exceeds both variants' spread over seeds
    spread = max(value_of(a.wer_sd) or 0.0, value_of(full.wer_sd) or 0.0)
    return delta, f"{name} {points(delta)}", spread > 0 and abs(delta) > spread


def ablation_findings(r: Results) -> list[Finding]:
    """The full model's WER over seeds, then which switched-off components change it."""
    full = next((a for a in r.ablations if a.variant == FULL_MODEL), None)
    if full is None:
        return []
    vocabulary = next((r.runs[x].vocabulary for x in full.runs if x in r.runs), "")
    sd = value_of(full.wer_sd)
    seeds = ", ".join(str(s) for s in full.seeds)
    found = [Finding(f"The full model's {vocabulary + '-vocabulary ' if vocabulary else ''}test WER is "
                     f"{rate_text(full.wer)}" + (f" ± {sd:.1f} (std over seeds {seeds})" if sd is not None else "")
                     + ".")]
    effects, noise = [], []
    for a in r.ablations:
        if a is full:
            continue
        effect = _effect(a, full)
        if effect is not None:
            (effects if effect[2] else noise).append(effect)
    if effects:
        effects.sort(key=lambda e: -abs(e[0]))
        found.append(Finding("Changes in WER whose interval (seeds and utterances resampled) excludes zero, or larger "
                             "than the seeds' spread where no interval is given (a positive change: the component "
                             "helps, as switching it off raises the WER): " + join([e[1] for e in effects]) + ".",
                             headline=True))
    if noise:
        found.append(Finding("Within the seeds' spread or with an interval that includes zero, so no effect can "
                             "be claimed: " + join([n[1] for n in noise]) + ".", caveat=True))
    caveat = noise_caveat([v for a in r.ablations if (v := value_of(a.wer.value)) is not None], "ablation variant")
    if caveat:
        found.append(caveat)
    return found


def budget_findings(r: Results) -> list[Finding]:
    """The ablations under the comparison's budget rule (beam + LM), over seeds and utterances."""
    found = []
    for v in r.seed_verdicts:
        if v.table == "06_ablations_budget_comparisons" and v.metric == "wer":
            found.append(Finding(f"Under the comparison's budget rule (beam + LM), {v.a} against the full "
                                 f"model: {difference_text(v.difference)}, {v.verdict.state}."))
    return found


FINDINGS = ChapterFindings("06", None, ("06_ablations", "06_ablations_budget_comparisons"), budget_findings,
                           leading_from_records=ablation_findings)
