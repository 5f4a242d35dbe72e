"""What notebook 01's tables show about the corpus."""
from __future__ import annotations

from semg_study.report.narrative import ChapterFindings, Finding, first, join, num, rows_of


def table_findings(t: dict[str, dict]) -> list[Finding]:
    out = []
    overview = rows_of(t.get("01_corpus_overview"))
    if overview:
        for condition in dict.fromkeys(r.get("condition") for r in overview):
            rows = [r for r in overview if r.get("condition") == condition]
            utts = sum(num(r.get("utterances")) or 0 for r in rows)
            minutes = sum(num(r.get("duration_min")) or 0 for r in rows)
            splits = {s: int(sum(num(r.get("utterances")) or 0 for r in rows if r.get("split") == s))
                      for s in ("train", "dev", "test")}
            words = [num(r.get("words_per_utterance")) for r in rows if num(r.get("words_per_utterance"))]
            out.append(Finding(
                f"The {condition}-vocabulary condition has {int(utts)} utterances ({minutes:.1f} min, silent and "
                f"voiced): {splits['train']} train, {splits['dev']} dev and {splits['test']} test, about "
                f"{sum(words) / len(words):.1f} words per utterance." if words else
                f"The {condition}-vocabulary condition has {int(utts)} utterances ({minutes:.1f} min).",
                headline=condition == "open"))
        dev = [r for r in overview if r.get("split") == "dev" and r.get("mode") == "silent"]
        small = [r for r in dev if (num(r.get("utterances")) or 0) < 100]
        if small:
            out.append(Finding(
                "The dev sets are small (" + join([f"{int(num(r['utterances']))} silent {r['condition']}-vocabulary "
                                                   "utterances" for r in small])
                + "): one utterance moves a corpus-level WER by several points.", caveat=True))
    spectral = rows_of(t.get("01_spectral_summary"))
    raw, filt = first(spectral, signal="raw"), first(spectral, signal="filtered")
    if raw and filt and num(raw.get("mains_60hz_peak_db")) is not None:
        out.append(Finding(
            f"Filtering lowers the 60 Hz mains peak from {raw['mains_60hz_peak_db']:.1f} dB to "
            f"{filt['mains_60hz_peak_db']:.1f} dB above its neighbourhood and keeps "
            f"{100 * filt['band_20_450_share']:.1f}% of the power in the 20-450 Hz EMG band "
            f"(raw: {100 * raw['band_20_450_share']:.1f}%)."))
    modes = rows_of(t.get("01_silent_vs_voiced"))
    silent, voiced = first(modes, mode="silent"), first(modes, mode="voiced")
    if silent and voiced and num(silent.get("rms_uv_mean")) and num(voiced.get("rms_uv_mean")):
        ratio = voiced["rms_uv_mean"] / silent["rms_uv_mean"]
        out.append(Finding(
            f"Silent EMG is weaker than voiced EMG: mean RMS {silent['rms_uv_mean']:.1f} µV against "
            f"{voiced['rms_uv_mean']:.1f} µV ({ratio:.1f} times), which is why silent speech is the harder task."))
    return out



FINDINGS = ChapterFindings("01", table_findings)
