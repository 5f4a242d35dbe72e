"""The abstract: at most 300 words of prose (the question, the method, a few key numbers, the main limitation)."""
from __future__ import annotations

KIND = "front"
TEXT = """
# Abstract

A silent speech interface turns the activity of the articulatory muscles into text, so that speech technology
can be used without a sound: privately, and by people who cannot voice speech. This dissertation asks whether a small streaming Transformer can transcribe silent speech from
facial surface EMG more accurately than the dataset authors' own model, while answering soon enough for live
use. It proposes MyoStream, a causal Conformer with an electrode-aware
front end, per-session adaptation and chunked attention, and compares it with two reimplemented EMG baselines
under one protocol with a word language model.
[[if seeds]]
On the closed-vocabulary test set (silent EMG, with the language model), over
{seeds.seeds:noun(seed)} per model under one training budget, MyoStream reaches a word error rate of
{seeds.wer} {seeds.wer:ci}, against the reproduction's {seeds_gaddy.wer}: a difference of
{seed_vs.difference} {seed_vs.difference:ci} over seeds and utterances, verdict
"{seed_vs.verdict|better=better|worse=worse|no significant difference=no significant difference}", with
{params_ratio} times its parameters.
[[else]]
[[if closed]]
On the closed-vocabulary test set (silent EMG, with the language model) MyoStream reaches a word
error rate of {closed.wer} {closed.wer:ci}, against the reproduction's {gaddy.wer}: a difference of
{vs.difference} {vs.difference:ci}, verdict
"{vs.verdict|better=better|worse=worse|no significant difference=no significant difference}", with
{params_ratio} times its parameters.
[[end]]
[[end]]
[[if size_counts]]
Compared at equal parameters across model sizes, it is more accurate at {size_counts.better} of the
{size_counts.compared:noun(size)} compared
[[if size_any_worse]]
and less accurate at {size_counts.worse}
[[end]]
[[if size_any_none]]
, and indistinguishable at {size_counts.none}
[[end]]
.
[[end]]
[[if open_seeds]]
On the open vocabulary ({open_seeds.seeds:noun(seed)}) it reaches {open_seeds.wer} against the reproduction's
{open_seeds_gaddy.wer}, verdict
"{open_vs.verdict|better=better|worse=worse|no significant difference=no significant difference}".
[[else]]
[[if open]]
On the open vocabulary, from a single run so far, it reaches {open.wer}.
[[end]]
[[end]]
[[if b_worse_names]]
Ablations over {b_seeds:noun(seed)} each show that {b_worse_names} each lower its error
[[if b_streaming_better]]
, while attention restricted to chunks raises it
[[end]]
.
[[end]]
[[if total]]
Streamed chunk by chunk, it answers {total} after an utterance ends on one CPU thread
[[if study_faster]]
, {study_faster|lower=later than the small reproduction|higher=sooner than the reproduction|equal=as soon as the reproduction}
[[end]]
[[if sweep_study]]
, at a relative WER cost of {sweep_study.cost} against full-context attention
[[end]]
.
[[end]]
[[if synthetic]]
The main limitation is the data: every result comes from a synthetic corpus, as the real recordings were not
available, so the results test the method, not real silent speech; no participant has been recorded yet.
[[if not seeds]]
Each headline model was trained once.
[[end]]
[[else]]
[[if open_pending]]
The main limitation is that the open vocabulary still rests on fewer seeds than planned.
[[end]]
[[if not seeds]]
The main limitation is that each headline model was trained once.
[[end]]
[[end]]
"""


def values(ctx) -> dict:
    from semg_study.report.thesis.chapters import latency, myostream

    r = ctx.r
    ms = myostream.values(ctx)
    ns: dict = {}
    if "closed" in ms and "vs_gaddy_closed" in ms:
        ns["closed"] = ms["closed"]
        ns["vs"] = ms["vs_gaddy_closed"]
        ns["params_ratio"] = ms.get("params_ratio")
        gaddy = r.score("gaddy2022", "closed", "beam")
        ns["gaddy"] = {"wer": gaddy.wer} if gaddy else None
    if "seeds_closed" in ms and "seeds_gaddy" in ms and "seed_vs_gaddy" in ms:
        ns["seeds"] = ms["seeds_closed"]
        ns["seeds_gaddy"] = ms["seeds_gaddy"]
        ns["seed_vs"] = ms["seed_vs_gaddy"]
        ns["params_ratio"] = ms.get("params_ratio")
    if "open" in ms:
        ns["open"] = ms["open"]
    if "open_seeds_my" in ms and "open_seed_vs_gaddy" in ms:
        ns["open_seeds"] = ms["open_seeds_my"]
        ns["open_seeds_gaddy"] = ms["open_seeds_gaddy"]
        ns["open_vs"] = ms["open_seed_vs_gaddy"]
    ns["open_pending"] = bool(ms.get("open_missing"))
    if ms.get("size_counts"):
        for key in ("size_counts", "size_any_worse", "size_any_none"):
            ns[key] = ms[key]
    lat = latency.values(ctx)
    if "stream07" in lat:
        ns["total"] = lat["stream07"]["total_ms"]
        if "study_faster" in lat:
            ns["study_faster"] = lat["study_faster"]
    if "sweep_study" in lat:
        ns["sweep_study"] = lat["sweep_study"]
    from semg_study.report.thesis.chapters import ablations

    ab = ablations.values(ctx)
    if ab.get("b_worse_names"):
        ns["b_worse_names"] = ab["b_worse_names"]
        ns["b_seeds"] = ab["budget_seeds"]
        ns["b_streaming_better"] = ab["b_streaming_better"]
    return ns
