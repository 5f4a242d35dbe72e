"""What notebook 03's Table 3.1 shows, read from the typed records the dissertation reads.

No column label is matched here: Table 3.1 is read once, by its reader in
:mod:`semg_study.report.thesis.records` (``Score`` records of ``03_table31``, one per model and decoder,
with the dissertation's quoted original WER), which names the columns it needs and fails loudly without
them.
"""
from __future__ import annotations

from semg_study.report.narrative import ChapterFindings, Finding, join, noise_caveat, pct, rate_text, value_of
from semg_study.report.thesis.records import Results

TABLE = "03_table31"


def table31_findings(r: Results) -> list[Finding]:
    """Each audio baseline's test WER (beam search + LM where the table has it) beside the quoted original."""
    scores = [s for s in r.scores if s.table == TABLE and value_of(s.wer.value) is not None]
    decoder = "beam" if any(s.decoder == "beam" for s in scores) else "greedy"
    shown = [s for s in scores if s.decoder == decoder]
    if not shown:
        return []
    parts = [f"{s.label} {rate_text(s.wer)}"
             + (f" (the dissertation's defective code reported {pct(value_of(s.original_wer))})"
                if s.original_wer is not None else "") for s in shown]
    found = [Finding("Regenerated with every defect fixed, DeepSpeech2 on audio reaches a test WER "
                     f"({'beam search + LM' if decoder == 'beam' else 'greedy'}) of " + join(parts) + ".",
                     headline=True)]
    caveat = noise_caveat([value_of(s.wer.value) for s in shown], "audio baseline")
    if caveat:
        found.append(caveat)
    return found


FINDINGS = ChapterFindings("03", None, (TABLE,), table31_findings)
