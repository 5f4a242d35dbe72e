"""What notebook 05's MyoStream tables and the comparison over seeds show, read from the typed records the
dissertation reads (``Score``, ``WorstUtterance``, the seed means, verdicts and budget rule of
:mod:`semg_study.report.thesis.records`): no column label is matched here."""
from __future__ import annotations

from semg_study.report.narrative import (ChapterFindings, Finding, difference_text, join, noise_caveat, pct, rate_text,
                                         value_of)
from semg_study.report.thesis.records import Results

DECODER_WORDS = {"beam": "beam + word 3-gram LM", "greedy": "greedy"}


def myostream_findings(r: Results) -> list[Finding]:
    """Per vocabulary, MyoStream's test WER and CER (beam search + LM first); against the best EMG baseline
    when no paired comparison was made; what its worst utterances get wrong."""
    scores = sorted([s for s in r.scores if s.table == "05_myostream" and value_of(s.wer.value) is not None],
                    key=lambda s: s.decoder != "beam")  # the headline decoder first (stable within each)
    if not scores:
        return []
    found = []
    # one sentence per vocabulary: the scores of one run (its decoders) together
    for vocabulary in dict.fromkeys(s.vocabulary for s in scores):
        mine = [s for s in scores if s.vocabulary == vocabulary]
        lead = mine[0]
        info = r.runs.get(lead.run)
        parameters = int(value_of(info.parameters) or 0) if info else 0
        others = [f"{rate_text(s.wer)} with {DECODER_WORDS[s.decoder]}" for s in mine[1:]]
        found.append(Finding(
            f"MyoStream ({vocabulary} vocabulary, silent EMG, {parameters:,} parameters) reaches a test WER of "
            f"{rate_text(lead.wer)} and CER of {rate_text(lead.cer)} with {DECODER_WORDS[lead.decoder]}"
            + (f" ({join(others)})" if others else "") + ".", headline=True))
    head = scores[0]
    base = [s for s in r.scores if s.table == "04_emg_baselines" and s.mode == "silent"
            and s.vocabulary == head.vocabulary and value_of(s.wer.value) is not None]
    if base and "05_comparisons" not in r.tables:
        best = min(base, key=lambda s: value_of(s.wer.value))
        greedy = next((s for s in scores if s.decoder == "greedy"), head)
        diff = value_of(greedy.wer.value) - value_of(best.wer.value)
        relation = ("the same as" if diff == 0 else
                    f"{abs(diff):.1f} points {'lower' if diff < 0 else 'higher'} than")
        found.append(Finding(
            f"With greedy decoding, as the baselines are scored, MyoStream's WER {pct(value_of(greedy.wer.value))} "
            f"is {relation} the best baseline's ({best.label}, {pct(value_of(best.wer.value))}); without "
            "confidence intervals it is not known whether the difference is significant.", caveat=True))
    caveat = noise_caveat([value_of(s.wer.value) for s in scores], "MyoStream decoder")
    if caveat:
        found.append(caveat)
    if r.worst:
        dels = sum(value_of(w.deletions) or 0 for w in r.worst)
        subs = sum(value_of(w.substitutions) or 0 for w in r.worst)
        ins = sum(value_of(w.insertions) or 0 for w in r.worst)
        kind = max((("deletions", dels), ("substitutions", subs), ("insertions", ins)), key=lambda kv: kv[1])[0]
        where = r.tables["05_worst_utterances"].get("config") or {}  # what the notebook decoded (its config)
        scope = " ".join(x for x in (where.get("split"), "utterances") if x)
        of_run = f" of the {where['vocabulary']}-vocabulary run" if where.get("vocabulary") else ""
        found.append(Finding(f"In the {len(r.worst)} worst {scope}{of_run} the errors are mostly {kind} "
                             f"({int(subs)} substitutions, {int(dels)} deletions, {int(ins)} insertions)."))
    return found


def seed_findings(r: Results) -> list[Finding]:
    """The comparison over seeds: the budget rule, each model's mean over seeds, the verdicts."""
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


FINDINGS = ChapterFindings("05", None, ("05_myostream", "05_worst_utterances", "04_emg_baselines", "05_comparisons",
                                        "05_seeds", "05_seed_comparisons", "05_budget_rule"), seed_findings,
                           leading_from_records=myostream_findings)
