"""Chapter: inference latency (per utterance, streamed, the response latency a user waits for at the study's
and the paper sizes) and what streaming costs in accuracy. Each measurement names its threads and input."""
from __future__ import annotations

from semg_study.report.thesis.common import TABLE_NAMES, ci_level, code_value, sign_word
from semg_study.report.thesis.values import Q, Source, Word, code, derived

CHAPTER_NAME = "latency"  # the chapter's name in labels ({ref.chapter_latency})
KIND = "chapter"
TEXT = """
# Results V: Latency

## Question

Does MyoStream answer fast enough for live use, and what does streaming cost in accuracy? The initiation
document put the limit of comfort at a few hundred milliseconds; the study's target for the response
latency is {target_total}.

## Method

Three measurements answer different parts of the question, and each is labelled with its conditions.

[[if stream07]]
- Per utterance (the latency notebook): every trained model decodes up to {max_utts:noun(dev utterance)}
  one at a time on {threads_07:noun(CPU thread)}; the latency of a whole utterance and the real-time factor
  (compute time over utterance duration) are reported, and for MyoStream also the compute of one streamed
  chunk and the total response latency: algorithmic latency plus the {p95} percentile of the chunk compute.
[[end]]
[[if threads_bench]]
- The benchmark (make bench) repeats the measurements of the compared runs on {threads_bench:noun(CPU thread)}
  and measures streaming against a full-context twin of MyoStream trained under the same rule (each run stopped by its own early stopping).
[[end]]
[[if threads_resp]]
- The response latency side by side: the time from the end of an utterance to its final transcript, for
  {seconds} of EMG on {threads_resp:noun(CPU thread)}, at the study's sizes and at the paper sizes (random
  weights where no trained run of that size exists). A full-context model needs a forward pass over the
  whole utterance and a decoding; the streaming model needs its look-ahead, one last chunk and a decoding.
[[end]]

## Result

[[per_utterance]]

[[if stream07]]
Offline, on {threads_07:noun(CPU thread)}, every model decodes an utterance in a few milliseconds, far
faster than real time: the largest real-time factor at the {p95} percentile is {worst_rtf}. Streamed,
MyoStream's closed-vocabulary run computes a chunk of {stream07.chunk_ms} in {stream07.chunk_p95_ms} ({p95}
percentile), so it keeps up with the signal, and its total response latency is {stream07.total_ms}:
{stream07.algorithmic_ms} of algorithmic latency plus that compute. That is
{total_target|met=within|missed=over} the {target_total} target.
[[end]]

[[response]]

[[if resp_study]]
Measured side by side on {threads_resp:noun(CPU thread)} after {seconds} of EMG, MyoStream answers
{resp_study.myo} after the end of the utterance with greedy decoding at the study's size, against
{resp_study.gaddy} for the reproduction: {study_faster|lower=the reproduction answers sooner at this size, because a forward pass of a small full-context model over the whole utterance costs less than the streaming model's algorithmic latency|higher=MyoStream answers sooner|equal=they answer together}.
At the paper sizes the response latencies are {resp_paper.myo} and {resp_paper.gaddy}: MyoStream's is
{resp_paper.ratio} times the reproduction's, against a target of at most {ratio_target} ({ratio_met|met=met|missed=missed}),
while the absolute target of {abs_target} for MyoStream is {abs_met|met=met|missed=missed}.
[[end]]

[[figure]]

## What streaming costs

[[if stream_cost]]
Attention restricted to chunks is what lets MyoStream answer before an utterance ends, and the ablations
(Chapter {ref.chapter_ablations}) already showed that switching the mask off lowers the error with greedy
decoding. In the benchmark, one run of each with the language model, on the closed-vocabulary test split
(silent EMG), the streaming model's WER is {stream_cost.streaming} against {stream_cost.full} for its
full-context twin trained under the same rule (each run stopped by its own early stopping): a difference of {stream_cost.difference} {stream_cost.difference:ci} with the verdict
"{stream_cost.verdict|better=better|worse=worse|no significant difference=no significant difference}" for
streaming, a relative cost of {stream_cost.relative} against a target of at most {stream_cost.target}
({stream_cost.met|met=met|missed=missed}).
[[end]]

## The streaming trade-off

[[if sweep]]
Where between answering early and answering accurately should MyoStream sit? It was trained with
{sweep_n:noun(streaming setting)} of chunk size and look-ahead and with full-context attention,
{sweep_seeds:noun(seed)} each, under the budget rule of Chapter {ref.chapter_myostream}, and each setting was
scored on the closed-vocabulary test split (silent EMG, beam search with the language model) on the same
utterances as full context. The algorithmic latency of a setting is one chunk plus the look-ahead, the time
the model must wait before it can emit the last frame.

[[sweep_table]]

Full context reaches a WER of {sweep_full.wer} {sweep_full.wer:ci} over its seeds.
[[if sweep_best]]
Of the settings at or under {rule.max_ms} of algorithmic latency, the cheapest in accuracy is
{sweep_best.setting} ({sweep_best.ms}): {sweep_best.wer} {sweep_best.wer:ci}, a relative cost of
{sweep_best.cost} against full context, with the verdict
"{sweep_best.verdict|better=better|worse=worse|no significant difference=no significant difference}" for
streaming on the same utterances.
[[end]]
[[if sweep_study]]
The study's own setting, {sweep_study.setting} at {sweep_study.ms}, costs {sweep_study.cost} over its seeds
("{sweep_study.verdict|better=better|worse=worse|no significant difference=no significant difference}")
[[if stream_cost]]
; the benchmark's {stream_cost.relative} in the previous section is one run of each, not this mean over seeds
[[end]]
.
[[end]]
[[if sweep_dominant]]
One setting, {sweep_dominant.setting} ({sweep_dominant.ms}), answers sooner than the study's own and has the lower
mean WER ({sweep_dominant.wer} against {sweep_study.wer}). The study keeps the setting it fixed before the sweep:
choosing the streaming setting by these test-split results would tune the model on the test split, and a choice
between the two belongs on the dev split of a future run.
[[end]]
The rule set before the sweep asks for a relative cost of at most {rule.max_cost} at no more than
{rule.max_ms} of algorithmic latency:
{rule.outcome|chosen={rule.chosen} meets it, at {rule.chosen_ms} with a relative cost of {rule.chosen_cost}.|none=no setting measured meets it, so the measured frontier is the answer: on this corpus, streaming with these settings costs more than the rule allows.|not determinable=whether a setting meets it cannot be told from the runs finished so far.}

[[sweep_figure]]
[[else]]
The sweep of chunk and look-ahead against WER is not yet in this version of the document.
[[end]]

[[if targets]]
## Latency targets

[[targets_table]]
[[end]]

## What it means

[[if resp_study]]
At the study's tiny sizes the computation is negligible, and the response latency is dominated by the
streaming model's algorithmic latency; that is a fixed price of the chunk and look-ahead chosen, not of
model size. At the paper sizes, where a forward pass over a whole utterance is expensive, MyoStream's
streaming design answers {paper_faster|lower=sooner than the reproduction|higher=later than the reproduction|equal=as soon as the reproduction}
[[if ratio_met]]
, {ratio_met|met=and by as much as the target asked|missed=but not by as much as the target asked}
[[end]]
.
[[end]]
[[if sweep]]
The accuracy cost of streaming is the other side of the same choice:
{rule.outcome|chosen=one of the settings measured stays within the study's rule, so on this corpus MyoStream can answer while the user speaks at a bounded price in accuracy.|none=none of the settings measured stays within the study's rule, so on this corpus answering while the user speaks is paid for in accuracy beyond what the rule allows.|not determinable=whether a setting stays within the study's rule is not yet known.}
[[else]]
The accuracy cost of streaming is the other side of the same choice: a shorter chunk or look-ahead would
answer sooner and, on the evidence above, cost more accuracy. The sweep of chunk and look-ahead against WER
that would locate the best trade-off is not yet in this version of the document.
[[end]]

## Limits

The timings were taken on the study's machine (CPU only, with other work running), in
PyTorch's eager mode, one utterance at a time; they are measurements, not guarantees, and a GPU or a compiled model would change
them. The paper-size timings use random weights, so their beam-search times are only indicative.
"""


def values(ctx) -> dict:
    r = ctx.r
    ns: dict = {}
    ns["target_total"] = Q(_threshold("total_response_latency_ms"), "ms0", code("semg_study.chapters.latency.text",
                                                                             "TARGET_TOTAL"))
    if r.profile:
        ns["max_utts"] = code_value(r, "int", "semg_study.recipes.profiles", "PROFILES", r.profile, "plan", "bench",
                                    "max_utterances")
    lat_rows = r.latency
    if "07_latency" in r.tables:
        cols = r.tables["07_latency"]["columns"]
        if "latency p95 ms" in cols:
            ns["p95"] = Q(_ordinal("latency p95 ms"), "text", derived("ordinal_of_column", Source(
                "tables/07_latency.json", ("columns", cols.index("latency p95 ms")))))
    if lat_rows:
        ns["threads_07"] = r.q(1, "int", Source("structure", (1,)))
        rtfs = [x.rtf_p95 for x in lat_rows]
        ns["worst_rtf"] = r.q(max(q.value for q in rtfs), "rtf", derived("max", *[q.source for q in rtfs]))
        ms = r.score("myostream", "closed", "beam")
        row = r.latency_row("myostream", "closed", True, ms.run if ms else None)
        if row and row.total_ms is not None:
            ns["stream07"] = {"chunk_ms": row.chunk_ms, "chunk_p95_ms": row.chunk_p95_ms, "total_ms": row.total_ms,
                              "algorithmic_ms": row.algorithmic_ms}
            ns["total_target"] = Word("met" if row.total_ms.value < ns["target_total"].value else "missed",
                                      derived("below", row.total_ms.source, ns["target_total"].source))
    b = r.benchmark or {}
    if b:
        ns["threads_bench"] = Q(b.get("budget", {}).get("threads"), "int", Source(r.benchmark_file, ("budget", "threads")))
    resp = r.response or {}
    if resp:
        rel = r.response_file
        ns["threads_resp"] = Q(resp.get("threads"), "int", Source(rel, ("threads",)))
        ns["seconds"] = Q(resp.get("seconds"), "s", Source(rel, ("seconds",)))
        models = {(m.get("family"), m.get("size")): (i, m) for i, m in enumerate(resp.get("models", []))}

        def rq(family, size, field="response_greedy"):
            found = models.get((family, size))
            if not found:
                return None
            i, m = found
            return r.q(m[field]["p50_ms"], "ms", Source(rel, ("models", i, field, "p50_ms")), None, {"threads": resp.get("threads")})
        study = {"myo": rq("myostream", "study"), "gaddy": rq("gaddy2022", "study")}
        paper = {"myo": rq("myostream", "paper"), "gaddy": rq("gaddy2022", "paper")}
        if study["myo"] and study["gaddy"]:
            ns["resp_study"] = study
            ns["study_faster"] = sign_word(study["gaddy"], study["myo"])
        if paper["myo"] and paper["gaddy"]:
            ratio = (resp.get("ratios") or {}).get("paper", {}).get("response_greedy_p50")
            paper["ratio"] = r.q(ratio, "ratio", Source(rel, ("ratios", "paper", "response_greedy_p50")))
            ns["resp_paper"] = paper
            ns["paper_faster"] = sign_word(paper["myo"], paper["gaddy"])
            t = r.target("response_p50_ratio_paper_greedy")
            if t:
                # the ratio as its target states it (the same quantity, to the target's precision)
                paper["ratio"] = t.value
                ns["ratio_target"], ns["ratio_met"] = t.threshold, t.met
            t = r.target("response_p50_ms_paper_greedy")
            if t:
                ns["abs_target"], ns["abs_met"] = t.threshold, t.met
    s = r.streaming
    t = r.target("streaming_wer_relative_change")
    if s.get("streaming_wer") and s.get("full_context_wer") and "difference" in s and t:
        ns["stream_cost"] = {"streaming": s["streaming_wer"], "full": s["full_context_wer"],
                             "difference": s["difference"], "verdict": s["verdict"],
                             "relative": s["wer_relative_change"], "target": t.threshold, "met": t.met}
    latency_targets = [t for t in r.targets if t.name in LATENCY_TARGETS]
    ns["targets"] = bool(latency_targets)
    _sweep_values(r, ns)
    return ns


LATENCY_TARGETS = ("latency_p50_ratio", "chunk_p95_ms", "algorithmic_ms", "streaming_wer_relative_change",
                   "response_p50_ratio_paper_greedy", "response_p50_ratio_paper_beam", "response_p50_ms_paper_greedy",
                   "response_p50_ms_paper_beam", "chunk_p95_ms_paper")


def _threshold(name: str) -> float:
    from semg_study.evaluation.targets import threshold_of

    return threshold_of(name)


TARGET_TOTAL = _threshold("total_response_latency_ms")

from semg_study.report.thesis.values import DERIVED  # noqa: E402

DERIVED["below"] = lambda a, b: "met" if a < b else "missed"


def _ordinal(column: str) -> str:
    """``latency p95 ms`` -> ``95th``."""
    import re

    n = int(re.search(r"p(\d+)", column).group(1))
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


DERIVED["ordinal_of_column"] = _ordinal


def _sweep_values(r, ns: dict) -> None:
    """The streaming sweep (07_streaming, 07_streaming_selection), where the study has it."""
    settings = [x for x in r.streaming_settings if x.wer is not None]
    full = next((x for x in settings if not x.streaming), None)
    if not settings or full is None or r.streaming_rule is None:
        return
    rule = r.streaming_rule
    streamed = [x for x in settings if x.streaming]
    if len({x.seeds.value for x in settings}) != 1:
        return  # "n seeds each" must hold for every setting; until then the table alone stands (the notebook)
    ns["sweep"] = True
    ns["sweep_n"] = r.q(len(streamed), "int", derived("count", *[x.setting.source for x in streamed]))
    ns["sweep_seeds"] = full.seeds
    ns["sweep_full"] = {"wer": full.wer}
    ns["rule"] = {"max_ms": rule.max_ms, "max_cost": rule.max_cost, "outcome": rule.outcome, "chosen": rule.chosen,
                  "chosen_ms": rule.chosen_ms, "chosen_cost": rule.chosen_cost}

    def entry(x):
        return {"setting": x.setting, "ms": x.algorithmic_ms, "wer": x.wer, "cost": x.relative_cost,
                "verdict": x.verdict}

    # the lowest relative cost within the latency bound (a choice among the table's rows; each number printed
    # is that row's cell)
    within = [x for x in streamed if x.algorithmic_ms is not None and x.relative_cost is not None
              and x.algorithmic_ms.value <= rule.max_ms.value]
    if within:
        ns["sweep_best"] = entry(min(within, key=lambda x: (x.relative_cost.value, x.algorithmic_ms.value)))
    study = next((x for x in streamed if "(study)" in str(x.setting.value)), None)
    if study is not None and study.relative_cost is not None:
        ns["sweep_study"] = entry(study)
        # a setting that answers sooner with a lower mean WER than the study's own: worth saying, and saying
        # why the study keeps its setting (it was fixed before the sweep; choosing on the test split would tune on it)
        sooner = [x for x in streamed if x is not study and x.algorithmic_ms is not None
                  and study.algorithmic_ms is not None and x.algorithmic_ms.value < study.algorithmic_ms.value
                  and x.wer.value.canonical().value < study.wer.value.canonical().value]
        if sooner:
            best = min(sooner, key=lambda x: x.wer.value.canonical().value)
            ns["sweep_dominant"] = entry(best)


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def sweep_table():
        settings = [x for x in r.streaming_settings if x.wer is not None]
        if not ns.get("sweep"):
            return []
        rows = [[x.setting, x.algorithmic_ms if x.algorithmic_ms is not None else "", x.seeds, x.wer,
                 x.wer_sd if x.wer_sd is not None else "", x.ratio if x.ratio is not None and x.streaming else "",
                 x.verdict if x.streaming else ""] for x in settings]
        caption = ("MyoStream's streaming settings and full context on the closed vocabulary: the test split, silent "
                   "EMG, beam search with the language model. Algorithmic latency: one chunk plus the look-ahead; "
                   "WER: the mean over seeds with the {ci_level} interval of a bootstrap over the seeds and the test "
                   "utterances, sd between seeds in points; ratio: the setting's WER over full context's on the "
                   "same utterances (the streaming cost) with its interval, and the verdict for streaming.")
        return [ctx.table("sweep_table", caption, {**ns, "ci_level": ci_level(r)},
                          ["setting", "algorithmic latency", "seeds", "WER % [CI]", "sd", "ratio to full [CI]",
                           "verdict"], rows, widths=[2.2, 1.2, 0.7, 1.8, 0.9, 1.7, 1.7])]

    def sweep_figure():
        return ctx.notebook_figure("07_streaming", width=0.9) if ns.get("sweep") else []

    def per_utterance():
        if not r.latency:
            return []
        rows = []
        for x in r.latency:
            variant = "full context" if (x.model == "myostream" and not x.streaming_mask) else ""
            if any(x.run in a.runs for a in r.ablations):
                variant = ", ".join(v for v in (variant, "ablation run") if v)
            name = TABLE_NAMES.get(x.model, x.label) + (f", {variant}" if variant else "")
            rows.append([name, x.vocabulary, x.parameters, x.p50_ms, x.p95_ms, x.rtf_p95, x.chunk_p95_ms or "",
                         x.total_ms or ""])
        caption = ("Inference cost of every trained model (closed and open vocabulary) on "
                   "{threads_07:noun(CPU thread)}, one utterance at a time: latency per utterance (median, p50, and "
                   "{p95} percentile, p95), real-time factor at the {p95} percentile, and for the streaming "
                   "MyoStream the compute of one chunk ({p95} percentile) and the total response latency "
                   "(algorithmic latency plus that compute).")
        return [ctx.table("per_utterance", caption, ns, ["model", "vocabulary", "parameters", "p50", "p95",
                                                         "RTF p95", "chunk compute", "response"], rows,
                          widths=[2.6, 1.1, 1.2, 1, 1, 1, 1.2, 1.1])]

    def response():
        resp = r.response or {}
        if not resp:
            return []
        rel = r.response_file
        rows = []
        for i, m in enumerate(resp.get("models", [])):
            src = lambda *p: Source(rel, ("models", i) + p)  # noqa: E731
            rows.append([m.get("size"), TABLE_NAMES.get("ds2emg" if m.get("family") == "ds2emg" else m.get("family"), m.get("family")),
                         Q(m["parameters"], "count", src("parameters")), m.get("kind"),
                         Q(m["algorithmic_ms"], "ms", src("algorithmic_ms")),
                         Q(m["response_greedy"]["p50_ms"], "ms", src("response_greedy", "p50_ms")),
                         Q(m["response_beam"]["p50_ms"], "ms", src("response_beam", "p50_ms"))])
        caption = ("Response latency from the end of the utterance to the final transcript, median of repeated "
                   "responses to {seconds} of EMG on {threads_resp:noun(CPU thread)}: the study's trained runs and "
                   "the paper-size configurations (random weights), with greedy decoding and with the beam search "
                   "and language model.")
        return [ctx.table("response", caption, ns, ["size", "model", "parameters", "kind", "algorithmic",
                                                    "response (greedy)", "response (beam + LM)"], rows,
                          widths=[0.8, 2.2, 1.4, 1.2, 1.1, 1.3, 1.4])]

    def figure():
        from semg_study.report.thesis.figures import latency_accuracy

        points = []
        data = []
        for model in ("ds2emg", "gaddy2022", "myostream"):
            s = r.score(model, "closed", "beam")
            row = r.latency_row(model, "closed", model == "myostream", s.run if s else None) if s else None
            if not s or not row:
                continue
            latency = row.total_ms if (model == "myostream" and row.total_ms is not None) else row.p50_ms
            points.append((TABLE_NAMES[model], latency.canonical().value, s.wer.value.canonical().value,
                           "*" if model == "myostream" else "o"))
            data += [s.wer.value]
        if not points:
            return []
        png, pdf = latency_accuracy(points, ctx.out, "thesis_latency_accuracy", "latency (ms, log scale)",
                                    "test WER (%)")
        caption = ("Test WER on the closed vocabulary (silent EMG, beam search with the language model) against "
                   "latency on {threads_07:noun(CPU thread)}: for the full-context baselines the median time to decode "
                   "a whole utterance; for MyoStream (star) its total response latency when streamed.")
        return [ctx.figure("figure", caption, ns, png, pdf, data=data, width=0.75)]

    def targets_table():
        rows = []
        stream = ns.get("stream07")
        if stream:
            # the latency notebook's own target (Table per_utterance), beside the benchmark's
            rows.append(["total response latency, streamed: algorithmic latency + p95 chunk compute",
                         "latency notebook", stream["total_ms"], "<", ns["target_total"], ns["total_target"]])
        where = {"benchmark": "benchmark", "response": "response latency"}
        for t in r.targets:
            if t.name in LATENCY_TARGETS:
                rows.append([t.description, where.get(t.report, t.report), t.value, t.comparison, t.threshold, t.met])
        rows = [row[:3] + [{"<=": "≤", ">=": "≥"}.get(row[3], row[3])] + row[4:] for row in rows]
        # name only the measurements this results folder has
        by = []
        if stream and "threads_07" in ns:
            by.append("the latency notebook (MyoStream's closed-vocabulary run, {ref.per_utterance}, "
                      "{threads_07:noun(CPU thread)})")
        if "threads_bench" in ns:
            by.append("the benchmark (one run per model, {threads_bench:noun(CPU thread)})")
        if "threads_resp" in ns and "seconds" in ns:
            by.append("the response-latency measurement ({threads_resp:noun(CPU thread)}, {seconds} of EMG; paper "
                      "sizes with random weights)")
        caption = "The latency targets with the measured values and their status."
        if by:
            caption += " Measured by: " + (", ".join(by[:-1]) + " or " + by[-1] if len(by) > 1 else by[0]) + "."
        return [ctx.table("targets", caption, ns, ["target", "measured by", "value", "rule", "threshold", "met"],
                          rows, widths=[4.2, 1.5, 1.1, 0.5, 1.1, 0.8])]
    return {"per_utterance": per_utterance, "response": response, "figure": figure, "targets_table": targets_table,
            "sweep_table": sweep_table, "sweep_figure": sweep_figure}
