"""What notebook 07's latency tables, the streaming trade-off and the size sweep show."""
from __future__ import annotations

from semg_study.evaluation.targets import threshold_of
from semg_study.report.narrative import ChapterFindings, Finding, difference_text, ms, num, rate_text, rows_of, value_of
from semg_study.report.thesis.records import Results


def table_findings(t: dict[str, dict]) -> list[Finding]:
    rows = rows_of(t.get("07_latency"))
    if not rows:
        return []
    out = []
    timed = [r for r in rows if num(r.get("latency p50 ms")) is not None]
    if timed:
        fast, slow = min(timed, key=lambda r: r["latency p50 ms"]), max(timed, key=lambda r: r["latency p50 ms"])
        rtf = max((num(r.get("RTF p95")) or 0.0) for r in timed)
        out.append(Finding(f"Offline, per utterance on one CPU thread, the median latency ranges from "
                           f"{ms(fast['latency p50 ms'])} ({fast.get('model')}) to {ms(slow['latency p50 ms'])} "
                           f"({slow.get('model')}); the worst p95 real-time factor is {rtf:.3f}, "
                           + ("faster than real time." if rtf < threshold_of("offline_rtf_p95")
                              else "slower than real time: the target is missed.")))
    target = threshold_of("total_response_latency_ms")
    for row in rows:
        total = num(row.get("total response latency ms"))
        if total is None:
            continue
        chunk, compute = num(row.get("chunk ms")), num(row.get("chunk compute p95 ms"))
        met = total <= target
        keeps_up = chunk is not None and compute is not None and compute < chunk
        out.append(Finding(
            f"Streamed, {row.get('model')} answers within {ms(total)} (algorithmic latency "
            f"{ms(num(row.get('algorithmic latency ms')) or 0)} plus p95 compute per chunk "
            f"{ms(compute or 0)}), {'within' if met else 'over'} the {target:.0f} ms target"
            + ("; each chunk is computed faster than it lasts." if keeps_up else
               "; a chunk takes longer to compute than it lasts: it cannot keep up." if chunk else "."),
            headline=row is next(r for r in rows if num(r.get("total response latency ms")) is not None),
            caveat=not met))
    return out



def record_findings(r: Results) -> list[Finding]:
    """What the comparison over seeds shows here, read with the dissertation's typed readers
    (:mod:`semg_study.report.thesis.records`), so the notebook and the document say the same."""
    found: list[Finding] = []
    for x in r.streaming_settings:
        if x.streaming and x.ratio is not None:
            found.append(Finding(f"Streaming {x.setting.value} ({value_of(x.algorithmic_ms):.1f} ms algorithmic "
                                 f"latency, {int(value_of(x.seeds))} seeds): WER {rate_text(x.wer)}, "
                                 f"{value_of(x.relative_cost):+.1f}% relative to full context, {x.verdict.state}."))
    rule = r.streaming_rule
    if rule is not None:
        outcome = {"chosen": f"{rule.chosen.value if rule.chosen else ''} meets it",
                   "none": "no setting measured meets it"}.get(rule.outcome.state, "it cannot be decided yet")
        found.append(Finding(f"The streaming rule (at most {value_of(rule.max_cost):.0f}% relative WER at at most "
                             f"{value_of(rule.max_ms):.0f} ms algorithmic latency): {outcome}.", headline=True))
    for f in r.size_findings:
        if f.difference is not None:
            found.append(Finding(f"At equal {f.axis} ({f.model} at {f.setting.value}), MyoStream minus the "
                                 f"reproduction: {difference_text(f.difference)}, {f.verdict.state}."))
    outside = [f for f in r.size_findings if f.outside]
    if outside:
        found.append(Finding(f"{len(outside)} size comparison(s) fall outside the other model's measured "
                             "range and are not made (no extrapolation).", caveat=True))
    return found


FINDINGS = ChapterFindings("07", table_findings, ("07_streaming", "07_streaming_selection", "07_sizes", "07_size_findings",
                                                  "07_size_runs"), record_findings)
