"""What notebook 03's Table 3.1 shows."""
from __future__ import annotations

from semg_study.report.narrative import ChapterFindings, Finding, join, noise_caveat, num, pct, rows_of, with_ci


def table_findings(t: dict[str, dict]) -> list[Finding]:
    rows = rows_of(t.get("03_table31"))
    if not rows:
        return []
    out = []
    beam_col = next((c for c in t["03_table31"]["columns"] if c.startswith("WER") and "beam" in c), None)
    greedy_col = next((c for c in t["03_table31"]["columns"] if c.startswith("WER") and "greedy" in c), None)
    original_col = next((c for c in t["03_table31"]["columns"] if "original" in c.lower()), None)
    col = beam_col or greedy_col
    scale = 100.0 if col and "%" not in col else 1.0  # Table 3.1 keeps the dissertation's fractions
    parts, values = [], []
    for row in rows:
        value = num(row.get(col))
        if value is None:
            continue
        values.append(scale * value)
        original = num(row.get(original_col)) if original_col else None
        original_scale = 1.0 if original_col and "%" in original_col else 100.0  # a % column or fractions
        extra = (f" (the dissertation's defective code reported {pct(original_scale * original)})"
                 if original is not None else "")
        ci_row = {k: (scale * v if num(v) is not None and k.startswith(col) else v) for k, v in row.items()}
        parts.append(f"{row.get('model')} {with_ci(ci_row, col)}{extra}")
    if parts:
        out.append(Finding(f"Regenerated with every defect fixed, DeepSpeech2 on audio reaches a test WER "
                           f"({'beam search + LM' if beam_col else 'greedy'}) of " + join(parts) + ".",
                           headline=True))
    caveat = noise_caveat(values, "audio baseline")
    if caveat:
        out.append(caveat)
    return out



FINDINGS = ChapterFindings("03", table_findings)
