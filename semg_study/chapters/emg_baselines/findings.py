"""What notebook 04's EMG baselines show, read from the typed records the dissertation reads.

No column label is matched here: the table is read once, by its reader in
:mod:`semg_study.report.thesis.records` (``Score`` records of ``04_emg_baselines``: model, vocabulary,
evaluation mode, decoder, seeds, WER and CER with their intervals).
"""
from __future__ import annotations

from semg_study.report.narrative import ChapterFindings, Finding, join, noise_caveat, rate_text, value_of
from semg_study.report.thesis.records import Results, Score

TABLE = "04_emg_baselines"
DECODER_WORDS = {"beam": "beam search + LM", "greedy": "greedy"}


def _name(s: Score, several_seeds: bool) -> str:
    return f"{s.label} (seed {', '.join(map(str, s.seeds))})" if several_seeds else s.label


def baseline_findings(r: Results) -> list[Finding]:
    """Per vocabulary, each baseline's silent-EMG test WER (beam search + LM first, greedy beside it), then
    whether voiced EMG is the easier input."""
    scores = [s for s in r.scores if s.table == TABLE and value_of(s.wer.value) is not None]
    silent = [s for s in scores if s.mode == "silent"]
    several_seeds = len({s.seeds for s in scores}) > 1
    found = []
    for vocabulary in dict.fromkeys(s.vocabulary for s in silent):
        runs: dict[tuple, dict[str, Score]] = {}
        for s in silent:
            if s.vocabulary == vocabulary:
                runs.setdefault((s.label, s.seeds), {})[s.decoder] = s
        parts = []
        # the best first, by the headline decoder (beam search + LM where the table has it)
        for by in sorted(runs.values(), key=lambda d: value_of((d.get("beam") or d["greedy"]).wer.value)):
            lead = by.get("beam") or by["greedy"]
            other = by.get("greedy") if lead.decoder == "beam" else None
            parts.append(f"{_name(lead, several_seeds)} {rate_text(lead.wer)} (CER {rate_text(lead.cer)}) with "
                         f"{DECODER_WORDS[lead.decoder]}" + (f", {rate_text(other.wer)} greedy" if other else ""))
        found.append(Finding(f"On silent EMG, {vocabulary} vocabulary, the baselines reach a test WER of "
                             f"{join(parts)}.", headline=vocabulary == "open"))
    voiced = {(s.label, s.vocabulary, s.decoder, s.seeds): s for s in scores if s.mode == "voiced"}
    pairs = [(s, voiced[key]) for s in silent
             if (key := (s.label, s.vocabulary, s.decoder, s.seeds)) in voiced
             and value_of(voiced[key].cer.value) is not None and value_of(s.cer.value) is not None]
    if pairs:
        lower = sum(1 for s, v in pairs if value_of(v.cer.value) < value_of(s.cer.value))
        found.append(Finding(f"Voiced EMG gives the lower CER in {lower} of {len(pairs)} comparisons of the same "
                             "run and decoder on silent and on voiced test utterances."))
    caveat = noise_caveat([value_of(s.wer.value) for s in silent], "EMG baseline on silent EMG")
    if caveat:
        found.append(caveat)
    return found


FINDINGS = ChapterFindings("04", None, (TABLE,), leading_from_records=baseline_findings)
