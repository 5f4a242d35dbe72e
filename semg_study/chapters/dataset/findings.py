"""What notebook 01's tables show about the corpus, read from the typed records the dissertation reads.

No column label is matched here: the corpus overview is read as ``CorpusPart`` records and the spectral
and silent-against-voiced summaries as named facts (``mains_db.<signal>``, ``band_share.<signal>``,
``rms.<mode>``) by their readers in :mod:`semg_study.report.thesis.records`.
"""
from __future__ import annotations

from semg_study.report.narrative import ChapterFindings, Finding, join, value_of
from semg_study.report.thesis.records import Results

TABLES = ("01_corpus_overview", "01_spectral_summary", "01_silent_vs_voiced")
# a dev set smaller than this moves a corpus-level WER by several points per utterance
SMALL_DEV = 100


def corpus_findings(r: Results) -> list[Finding]:
    """Per vocabulary, the corpus's size and splits; small dev sets; what filtering does; silent against voiced."""
    found = []
    for vocabulary in dict.fromkeys(p.vocabulary for p in r.corpus):
        parts = [p for p in r.corpus if p.vocabulary == vocabulary]
        utterances = sum(value_of(p.utterances) or 0 for p in parts)
        minutes = sum(value_of(p.minutes) or 0 for p in parts)
        splits = {s: int(sum(value_of(p.utterances) or 0 for p in parts if p.split == s))
                  for s in ("train", "dev", "test")}
        words = [w for p in parts if (w := value_of(p.words))]
        found.append(Finding(
            f"The {vocabulary}-vocabulary condition has {int(utterances)} utterances ({minutes:.1f} min, silent and "
            f"voiced): {splits['train']} train, {splits['dev']} dev and {splits['test']} test, about "
            f"{sum(words) / len(words):.1f} words per utterance." if words else
            f"The {vocabulary}-vocabulary condition has {int(utterances)} utterances ({minutes:.1f} min).",
            headline=vocabulary == "open"))
    small = [p for p in r.corpus if p.split == "dev" and p.mode == "silent" and (value_of(p.utterances) or 0) < SMALL_DEV]
    if small:
        found.append(Finding(
            "The dev sets are small (" + join([f"{int(value_of(p.utterances))} silent {p.vocabulary}-vocabulary "
                                               "utterances" for p in small])
            + "): one utterance moves a corpus-level WER by several points.", caveat=True))
    f = r.facts
    if all(k in f for k in ("mains_db.raw", "mains_db.filtered", "band_share.raw", "band_share.filtered")):
        found.append(Finding(
            f"Filtering lowers the 60 Hz mains peak from {value_of(f['mains_db.raw']):.1f} dB to "
            f"{value_of(f['mains_db.filtered']):.1f} dB above its neighbourhood and keeps "
            f"{value_of(f['band_share.filtered']):.1f}% of the power in the 20-450 Hz EMG band "
            f"(raw: {value_of(f['band_share.raw']):.1f}%)."))
    silent, voiced = value_of(f.get("rms.silent")), value_of(f.get("rms.voiced"))
    if silent and voiced:
        found.append(Finding(
            f"Silent EMG is weaker than voiced EMG: mean RMS {silent:.1f} µV against {voiced:.1f} µV "
            f"({voiced / silent:.1f} times), which is why silent speech is the harder task."))
    return found


FINDINGS = ChapterFindings("01", None, TABLES, leading_from_records=corpus_findings)
