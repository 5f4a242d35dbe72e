"""Chapter: discussion (what the results mean together, the limitations and threats to validity, the published
real-data results as context)."""
from __future__ import annotations

from semg_study.report.thesis.common import MODEL_NAMES, join, score_values, sign_word
from semg_study.report.thesis.values import Q, Source, derived

KIND = "chapter"
TEXT = """
# Discussion

## What the results say together

[[if seed_vs_gaddy]]
Under one protocol and one budget rule, on the closed vocabulary and silent EMG, the proposed model's test WER
with the language model is {seeds_closed.wer} over {seeds_closed.seeds:noun(seed)}, against
{seeds_gaddy.wer} for the reproduction of the dataset authors' model
[[if seeds_ds2]]
and {seeds_ds2.wer} for DeepSpeech2 on hand-crafted features
[[end]]
; resampling seeds and utterances, the comparison with the reproduction gives the verdict
"{seed_vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}", with
{params_ratio} times its parameters.
[[if open_seeds_my]]
On the open vocabulary all models are far from usable at this size and budget: over
{open_seeds_my.seeds:noun(seed)}, MyoStream's test WER with the language model is {open_seeds_my.wer}, against
{open_seeds_gaddy.wer} for the reproduction
[[if open_seed_vs_gaddy]]
(verdict
"{open_seed_vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}")
[[end]]
[[if open_seed_vs_ds2]]
and {open_seeds_ds2.wer} for DeepSpeech2 on the hand-crafted features (verdict
"{open_seed_vs_ds2.verdict|better=better|worse=worse|no significant difference=no significant difference}")
[[end]]
; a verdict there says which model fails less, not that any of them works.
[[if open_lm_closes_ds2]]
Decoded greedily, the verdict against DeepSpeech2 there is
"{open_greedy_vs_ds2.verdict|better=better|worse=worse|no significant difference=no significant difference}"
({open_greedy_vs_ds2.difference} {open_greedy_vs_ds2.difference:ci}).
In word error rate, then, DeepSpeech2's acoustic model is the more accurate on the open vocabulary, and the
word LM closes the gap (Chapter {ref.chapter_myostream}).
[[end]]
[[else]]
[[if open]]
On the open vocabulary, from the runs finished so far, all models are far from usable at this size and
budget: MyoStream's test WER with the language model is {open.wer}.
[[end]]
[[end]]
[[else]]
[[if closed]]
Under one protocol, on the closed vocabulary and silent EMG, the proposed model's test WER with the language
model is {closed.wer}, against {gaddy_closed.wer} for the reproduction of the dataset authors' model
[[if ds2_closed]]
and {ds2_closed.wer} for DeepSpeech2 on hand-crafted features
[[end]]
; the paired comparison with the reproduction gives the verdict
"{vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}", with
{params_ratio} times its parameters. On the open vocabulary all models are far from usable at this size and
budget: MyoStream's test WER with the language model is {open.wer}.
[[end]]
[[end]]
[[if worse_names]]
The ablations (Chapter {ref.chapter_ablations}) single out {worse_names} as the components that carry
MyoStream's accuracy at their budget, on a corpus whose generator knows the phoneme timings and the sessions
those components exploit, as the limits of that chapter say.
[[end]]
[[if streaming_better]]
They also show that the streaming mask costs accuracy, the price of answering before the utterance ends.
[[end]]
[[if sweep]]
Over {sweep_seeds:noun(seed)} per setting and with the language model,
{rule.outcome|chosen=the streaming setting {rule.chosen} keeps that cost within {rule.max_cost} relative WER of full context, at {rule.chosen_ms} of algorithmic latency|none=no streaming setting of at most {rule.max_ms} of algorithmic latency keeps that cost within {rule.max_cost} relative WER of full context|not determinable=whether a streaming setting of at most {rule.max_ms} of algorithmic latency keeps that cost within {rule.max_cost} relative WER of full context cannot yet be told}
(Chapter {ref.chapter_latency}).
[[else]]
[[if stream_cost]]
With the language model the benchmark puts that cost at {stream_cost.relative} relative WER, against a target of
at most {stream_cost.target} ({stream_cost.met|met=met|missed=missed}).
[[end]]
[[end]]
[[if study_faster]]
In response latency, at the study's tiny sizes the streaming design answers
{study_faster|lower=later than|higher=sooner than|equal=as soon as} a small full-context model, and at the paper
sizes {paper_faster|lower=sooner than|higher=later than|equal=as soon as} one (Chapter {ref.chapter_latency}).
[[end]]

## Limitations and threats to validity

### Construct validity: what the numbers measure

[[if synthetic]]
The largest limitation is the data. Every result comes from a synthetic corpus whose EMG is generated from
phoneme timings by a model of articulation (Chapter {ref.chapter_data}). The comparisons are fair between
models, since every model sees the same corpus, but a model can only learn the regularities the generator put
in, and the generator's simplifications (one anatomy, one articulation table, an idealised silent mode) make
the task both easier and different in kind from real silent speech. The language model's text comes from the
generator's own grammars, so the beam search profits from a language model that matches the test sentences
unusually well; the gap between greedy and beam-search error rates is therefore larger here than it would be
on real data. The audio baselines hear synthetic speech from one voice.
[[end]]

### Internal validity: whether the comparisons are fair

[[if one_seed]]
Each headline number is one training run.
[[if seed_sd]]
The ablations show how much a run can vary: the full MyoStream's test WER has a standard deviation of
{seed_sd} between {seed_n:noun(seed)} (greedy decoding, shorter budget).
[[end]]
[[if seed_vs_lead]]
That spread is {seed_vs_lead|larger=larger than|smaller=smaller than} MyoStream's lead over the reproduction
with the language model on the closed vocabulary, {lead:abs}.
[[end]]
A verdict whose interval covers only the test utterances does not cover the variation between training runs.
[[else]]
[[if seed_vs_gaddy]]
An interval over the test utterances of one run does not cover the variation between training runs, so the closed-vocabulary
comparison was repeated with {seeds_closed.seeds:noun(seed)} per model under one budget rule, with intervals
that resample the seeds as well as the utterances (Chapter {ref.chapter_myostream}); its verdict against the
reproduction is
"{seed_vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}".
[[if open_seeds_my]]
The open-vocabulary comparison was repeated over seeds in the same way; the baselines' own chapters still rest
on one run per model.
[[else]]
The open-vocabulary comparison and the baselines' other tables still rest on one run per model.
[[end]]
[[end]]
[[end]]
[[if unequal]]
The models were trained under one rule (a ceiling and a patience on the dev CER) but did not train for the same
number of epochs: {epochs_text}.
[[if at_ceiling]]
The runs that stopped at their ceiling while still improving ({at_ceiling}) might have improved further.
[[end]]
[[end]]
[[if budget_ablations]]
The ablations were run first at a shorter budget and then again under the comparison's budget rule
[[if b_changed]]
, and the verdicts for {b_changed} differ between the two: those components' effects depend on the budget.
[[else]]
, and every verdict held under both.
[[end]]
[[else]]
The ablations were run at a shorter budget than the headline runs, so their verdicts describe the model at that
budget.
[[end]]
The language-model weights are chosen per run on dev, never on test, so the test error rates are not
tuned to the test set.

### External validity: whether the results generalise

[[if closed]]
The models are small: MyoStream has {closed.params:noun(parameter)} at the study's size against
{paper_params} at its paper size, and the reproduction is a far smaller model than the dataset authors' own.
[[end]]
[[if size_worse]]
Across the sizes the study measured, the ranking does not hold everywhere: at equal parameters the
reproduction is the more accurate model at {size_worse} (Chapter {ref.chapter_myostream}).
[[end]]
Whether the ranking holds at the paper sizes is not measured.
[[if calibration]]
The study corpus has one simulated speaker. The transfer to new people was measured only on
{calibration.participants:noun(synthetic participant)} drawn from the same generator (Chapter
{ref.chapter_participants}): the released model's test WER rises from {calibration.own} on its own corpus to
{calibration.zero} on theirs, and {calibration.target_minutes} of each participant's recordings bring it back to
{calibration.all_target} when every weight is adapted. Real people differ from each other in ways the generator
does not model, so how well a model transfers to them is untested.
[[else]]
The corpus has one simulated speaker, so nothing here says how any model transfers to a new person; the
calibration chapter that would measure it is not yet in (Chapter {ref.chapter_participants}).
[[end]]

### Statistical conclusion validity

[[if ci_width]]
Each EMG test set has {test_n:noun(utterance)}; an interval of a word error rate is about {ci_width} wide (MyoStream,
closed vocabulary, with the language model on the test split), so only large differences can be resolved.
[[end]]
The comparisons are many ({n_comparisons:noun(comparison)} with a verdict: between models, ablation variants,
seed means, sizes and streaming settings), and no correction for multiple comparisons is applied: a few verdicts of "better" or "worse" at the
{ci_level} level could arise by chance.

### Measurement

The latencies were measured on the study's machine while other work shared it; they are indicative of relative speed, not
absolute guarantees, and the paper-size response latencies use random weights.

## The published results on the real dataset

The published word error rates of Chapter {ref.chapter_literature} were measured on real recordings, with
models many times larger, trained for far longer and, in the best systems, with large language models. They are
not comparable with this study's synthetic results in either direction: a lower number here does not mean a
better model than theirs, and a higher one does not mean a worse one. What this study can say is narrower:
under one protocol, one corpus and one decoder, which of the models it trained is better, and at what latency.
"""


def values(ctx) -> dict:
    r = ctx.r
    ns: dict = {}
    for key, model, vocabulary in (("closed", "myostream", "closed"), ("open", "myostream", "open"),
                                   ("gaddy_closed", "gaddy2022", "closed"), ("ds2_closed", "ds2emg", "closed")):
        v = score_values(r, r.score(model, vocabulary, "beam"))
        if v:
            ns[key] = v
    c = r.comparison("myostream", "gaddy2022", "closed")
    if c:
        ns["vs_gaddy"] = {"verdict": c.verdict, "difference": c.difference}
    if "closed" in ns and "gaddy_closed" in ns and ns["gaddy_closed"].get("params"):
        mp, gp = ns["closed"]["params"], ns["gaddy_closed"]["params"]
        ns["params_ratio"] = r.q(mp.value / gp.value, "ratio", derived("ratio", mp.source, gp.source))
    from semg_study.chapters.myostream import text as ms_chapter

    extra = ms_chapter.values(ctx)
    for k in ("one_seed", "seed_sd", "seed_n", "seed_vs_lead", "lead", "seed_vs_gaddy", "seeds_closed", "seeds_gaddy",
              "seeds_ds2", "size_worse", "open_seeds_my", "open_seeds_gaddy", "open_seed_vs_gaddy",
              "open_seeds_ds2", "open_seed_vs_ds2", "open_greedy_vs_ds2", "open_lm_closes_ds2"):
        if k in extra:
            ns[k] = extra[k]
    from semg_study.chapters.ablations import text as ab_chapter
    from semg_study.chapters.latency import text as lat_chapter

    ab = ab_chapter.values(ctx)
    for k in ("worse_names", "streaming_better", "budget_ablations", "b_changed"):
        if k in ab:
            ns[k] = ab[k]
    from semg_study.chapters.participants.text import _calibration

    calibration = _calibration(r)
    if calibration:
        ns["calibration"] = calibration
    lat = lat_chapter.values(ctx)
    for k in ("stream_cost", "study_faster", "paper_faster", "sweep", "sweep_seeds", "rule"):
        if k in lat:
            ns[k] = lat[k]
    from semg_study.chapters.dissertation.protocol import _budget_runs

    from semg_study.chapters.dissertation import protocol

    if "at_ceiling" in (pv := protocol.values(ctx)):
        ns["at_ceiling"] = pv["at_ceiling"]
    runs = _budget_runs(r)
    epochs = {x.epochs.value for x in runs if x.epochs}
    if len(epochs) > 1:
        ns["unequal"] = True
        ns["epochs_text"] = join([f"{MODEL_NAMES.get(x.model, x.model)} on the {x.vocabulary} vocabulary, "
                                  f"{ctx.cell(x.epochs)}\u00a0epochs" for x in runs if x.model != "ds2audio"])
    resp = r.response or {}
    for i, m in enumerate(resp.get("models", [])):
        if m.get("family") == "myostream" and m.get("size") == "paper":
            ns["paper_params"] = Q(m["parameters"], "count", Source(r.response_file, ("models", i, "parameters")))
    if "paper_params" not in ns:
        ns["paper_params"] = "a paper size not measured here"
    s = r.score("myostream", "closed", "beam")
    if s and s.wer.low is not None:
        lo, hi = s.wer.low.canonical(), s.wer.high.canonical()
        ns["ci_width"] = r.q(hi.value - lo.value, "sd", derived("difference", hi.source, lo.source))
        ns["test_n"] = s.utterances
    # every verdict the document states: single-run pairs, seed means, sizes (where determinable) and streaming
    verdicts = ([c.verdict for c in r.comparisons] + [v.verdict for v in r.seed_verdicts]
                + [v.verdict for v in r.seed_verdicts_greedy]
                + [f.verdict for f in r.size_findings if f.verdict.state != "not determinable"]
                + [x.verdict for x in r.streaming_settings if x.streaming and x.verdict is not None])
    ns["n_comparisons"] = r.q(len(verdicts), "int", derived("count", *[v.source for v in verdicts]))
    from semg_study.report.thesis.common import ci_level

    ns["ci_level"] = ci_level(r)
    return ns
