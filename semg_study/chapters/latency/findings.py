"""What notebook 07's latency table, the streaming trade-off and the size sweep show, read from the typed
records the dissertation reads (``Latency``, the streaming settings and rule, the size findings of
:mod:`semg_study.report.thesis.records`): no column label is matched here."""
from __future__ import annotations

from semg_study.evaluation.targets import threshold_of
from semg_study.report.narrative import ChapterFindings, Finding, difference_text, ms, rate_text, value_of
from semg_study.report.thesis.records import Results


def latency_findings(r: Results) -> list[Finding]:
    """Offline latency and real-time factor of every timed run, then each streamed model's response."""
    timed = [x for x in r.latency if value_of(x.p50_ms) is not None]
    if not timed:
        return []
    found = []
    fast, slow = min(timed, key=lambda x: value_of(x.p50_ms)), max(timed, key=lambda x: value_of(x.p50_ms))
    rtf = max((value_of(x.rtf_p95) or 0.0) for x in timed)
    found.append(Finding(f"Offline, per utterance on one CPU thread, the median latency ranges from "
                         f"{ms(value_of(fast.p50_ms))} ({fast.label}) to {ms(value_of(slow.p50_ms))} "
                         f"({slow.label}); the worst p95 real-time factor is {rtf:.3f}, "
                         + ("faster than real time." if rtf < threshold_of("offline_rtf_p95")
                            else "slower than real time: the target is missed.")))
    target = threshold_of("total_response_latency_ms")
    streamed = [x for x in r.latency if value_of(x.total_ms) is not None]
    for x in streamed:
        total, chunk, compute = value_of(x.total_ms), value_of(x.chunk_ms), value_of(x.chunk_p95_ms)
        met = total <= target
        keeps_up = chunk is not None and compute is not None and compute < chunk
        found.append(Finding(
            f"Streamed, {x.label} answers within {ms(total)} (algorithmic latency "
            f"{ms(value_of(x.algorithmic_ms) or 0)} plus p95 compute per chunk {ms(compute or 0)}), "
            f"{'within' if met else 'over'} the {target:.0f} ms target"
            + ("; each chunk is computed faster than it lasts." if keeps_up else
               "; a chunk takes longer to compute than it lasts: it cannot keep up." if chunk else "."),
            headline=x is streamed[0], caveat=not met))
    return found


def seed_findings(r: Results) -> list[Finding]:
    """The streaming trade-off and the size sweep of the comparison over seeds."""
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


FINDINGS = ChapterFindings("07", None, ("07_latency", "07_streaming", "07_streaming_selection", "07_sizes",
                                        "07_size_findings", "07_size_runs"), seed_findings,
                           leading_from_records=latency_findings)
