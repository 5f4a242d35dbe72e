"""What notebook 04's EMG baselines show."""
from __future__ import annotations

import math

from semg_study.report.narrative import ChapterFindings, Finding, join, noise_caveat, num, rows_of, with_ci


def table_findings(t: dict[str, dict]) -> list[Finding]:
    rows = rows_of(t.get("04_emg_baselines"))
    if not rows:
        return []
    out = []
    silent = [r for r in rows if r.get("evaluated on") == "silent" and num(r.get("WER %")) is not None]
    for condition in dict.fromkeys(r.get("condition") for r in silent):
        group = sorted([r for r in silent if r.get("condition") == condition], key=lambda r: r["WER %"])
        text = join([f"{r.get('model')} {with_ci(r, 'WER %')} (CER {with_ci(r, 'CER %')})" for r in group])
        out.append(Finding(f"On silent EMG, {condition} vocabulary, the baselines reach a test WER of {text}.",
                           headline=condition == "open"))
    voiced = {(r.get("model"), r.get("condition")): r for r in rows if r.get("evaluated on") == "voiced"}
    easier = [(r, voiced[(r.get("model"), r.get("condition"))]) for r in silent
              if (r.get("model"), r.get("condition")) in voiced and num(voiced[(r.get("model"), r.get("condition"))].get("CER %")) is not None]
    if easier:
        lower = sum(1 for s, v in easier if v["CER %"] < s.get("CER %", math.inf))
        out.append(Finding(f"Voiced EMG gives the lower CER in {lower} of {len(easier)} model-condition pairs."))
    caveat = noise_caveat([r["WER %"] for r in silent], "EMG baseline on silent EMG")
    if caveat:
        out.append(caveat)
    return out



FINDINGS = ChapterFindings("04", table_findings)
