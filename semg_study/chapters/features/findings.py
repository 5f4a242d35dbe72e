"""What notebook 02's tables show about the features."""
from __future__ import annotations

from semg_study.report.narrative import ChapterFindings, Finding, num, pct, rows_of


def table_findings(t: dict[str, dict]) -> list[Finding]:
    out = []
    rates = {str(r.get("quantity")): r for r in rows_of(t.get("02_feature_rates"))}
    frame = next((r for q, r in rates.items() if "frame rate" in q), None)
    feats = next((r for q, r in rates.items() if "features per frame" in q or "feature dimension" in q), None)
    if frame and num(frame.get("value")):
        out.append(Finding(f"The hand-crafted features run at {frame['value']:.2f} {frame.get('unit', '')} frames"
                           + (f", {feats['value']:.0f} values per frame." if feats and num(feats.get("value")) else ".")))
    phon = rows_of(t.get("02_embedding_phonemes"))
    overall = next((r for r in phon if str(r.get("phoneme", "")).startswith("(")), None)
    scored = [(num(r.get("5-NN recall %")), num(r.get("share %")), r) for r in phon if r is not overall]
    scored = [s for s in scored if s[0] is not None and s[1] is not None]
    if scored and overall and num(overall.get("5-NN recall %")) is not None:
        recall = overall["5-NN recall %"]
        # a neighbour drawn at random has phoneme i with probability p_i: expected recall sum(p_i^2)
        chance = sum((share / 100) ** 2 for _, share, _ in scored) * 100
        best = max(scored, key=lambda s: s[0] - s[1])
        above = recall > 2 * chance
        verdict = ("well above chance: the features carry phonetic structure before any training" if above
                   else "close to chance: little phonetic structure is visible")
        out.append(Finding(
            f"In the 2-D map, a frame's 5 nearest neighbours recover its phoneme {pct(recall)} of the time, "
            f"against about {pct(chance)} by chance (the sum of the squared phoneme shares), {verdict}; "
            f"the most separable phoneme is {best[2].get('phoneme')} ({pct(best[0])} against a share of "
            f"{pct(best[1])}).", caveat=not above))
    return out


FINDINGS = ChapterFindings("02", table_findings)
